import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { MediaRelay, ReceiveStats, buildRtpPacket, endpoint, loadRtpAddon, settle } from './helpers.js';

const load = loadRtpAddon();
const skip = load.ok ? false : load.reason;

const rtp = (seq: number, ts: number, ssrc: number, fill = 0) =>
  buildRtpPacket({ payloadType: 0, sequence: seq, timestamp: ts, ssrc, payload: Buffer.alloc(160, fill) });

const canBind = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('native RTP engine', { skip }, () => {
  it('is chosen by auto, forwards both ways with latching, drops injection from 127.0.0.3', async () => {
    const relay = MediaRelay.create({ bindAddress: '127.0.0.1', portRange: { min: 43000, max: 43999 } });
    assert.equal(relay.engine.kind, 'native');
    const alice = await endpoint();
    const bob = await endpoint();
    const mallory = await endpoint('127.0.0.3');
    try {
      const r = await relay.allocateSession('n1');
      assert.ok(r.ok);
      const s = r.value;
      assert.ok(s.setRemote('a', { address: '127.0.0.1', port: 9 }).ok); // NAT: not where Alice sends from
      assert.ok(s.setRemote('b', { address: '127.0.0.1', port: bob.port }).ok);
      await alice.send(rtp(1, 160, 0xa, 1), s.ports.a.rtp);
      await bob.waitFor(1);
      assert.equal(bob.received[0].port, s.ports.b.rtp);
      await bob.send(rtp(7, 0, 0xb, 2), s.ports.b.rtp);
      await alice.waitFor(1);
      assert.equal(alice.received[0].port, s.ports.a.rtp);
      for (let i = 0; i < 4; i++) await mallory.send(rtp(50 + i, 0, 0xbad), s.ports.a.rtp);
      await mallory.send(rtp(60, 0, 0xbad), s.ports.b.rtp);
      await alice.send(rtp(2, 320, 0xa, 3), s.ports.a.rtp);
      await bob.waitFor(2);
      await settle();
      assert.equal(bob.received.length, 2);
      assert.equal(alice.received.length, 1);
      assert.equal(mallory.received.length, 0);
      const st = s.stats();
      assert.equal(st.a.injectedDropped, 4);
      assert.equal(st.b.injectedDropped, 1);
      assert.deepEqual(st.a.peer, { address: '127.0.0.1', port: alice.port, latched: true });
      assert.deepEqual(st.b.peer, { address: '127.0.0.1', port: bob.port, latched: true });
      assert.deepEqual([st.a.rtp.packetsIn, st.a.rtp.packetsOut, st.b.rtp.packetsIn, st.b.rtp.packetsOut], [2, 1, 1, 2]);
      assert.equal(st.a.rtp.bytesIn, 2 * 172);
      assert.equal(st.a.ssrc, 0xa);
      assert.ok(st.lastPacketAt > st.createdAt);
    } finally {
      await relay.close();
      await Promise.all([alice, bob, mallory].map((e) => e.close()));
    }
  });

  it('releases a session while packets flow: no crash, ports free again', async () => {
    const relay = MediaRelay.create({ engine: 'native', threads: 2, bindAddress: '127.0.0.1', portRange: { min: 44000, max: 44999 } });
    const alice = await endpoint();
    const bob = await endpoint();
    try {
      const r = await relay.allocateSession('flow');
      assert.ok(r.ok);
      const s = r.value;
      s.setRemote('b', { address: '127.0.0.1', port: bob.port });
      const ports = s.ports;
      let seq = 0;
      const blast = (n: number) => {
        for (let i = 0; i < n; i++, seq++) alice.socket.send(rtp(seq, seq * 160, 0xa), ports.a.rtp, '127.0.0.1');
      };
      for (let round = 0; round < 10; round++) {
        blast(50);
        if (round === 5) assert.equal(await relay.release('flow'), true);
        await settle(5);
      }
      await settle();
      assert.ok(bob.received.length > 0, 'forwarded before the release');
      const after = bob.received.length;
      blast(20);
      await settle();
      assert.equal(bob.received.length, after, 'nothing forwarded after the release');
      for (const p of [ports.a.rtp, ports.a.rtcp!, ports.b.rtp, ports.b.rtcp!]) assert.equal(await canBind(p), true, `port ${p} free`);
      assert.equal(relay.freePortPairs, 500);
    } finally {
      await relay.close();
      await Promise.all([alice, bob].map((e) => e.close()));
    }
  });

  it('computes the receive statistics of receive-stats.ts (same code path on the same inputs)', () => {
    assert.ok(load.ok);
    const js = new ReceiveStats();
    const input: number[] = [];
    // A gap (seq 5–7 lost), a reorder, a wrap and jittered arrivals.
    const seqs = [65530, 65531, 65532, 65533, 65534, 2, 1, 3, 4, 8, 9, 10, 11, 12];
    seqs.forEach((seq, i) => {
      const ts = (seq * 160) >>> 0;
      const now = 1000 + i * 20 + (i % 3) * 7.5;
      js.update(seq, ts, 0x1234, now, 8000);
      input.push(seq, ts, 0x1234, now, 8000);
    });
    const [ssrc, expected, received, jitterUnits, rate] = load.addon.rxStatsProbe(new Float64Array(input));
    assert.equal(ssrc, js.ssrc);
    assert.equal(expected, js.packetsExpected);
    assert.equal(received, js.packetsReceived);
    assert.equal(rate, js.clockRate);
    assert.equal((jitterUnits / rate) * 1000, js.jitterMs);
    assert.ok(js.packetsLost > 0 && js.jitterMs > 0);
  });

  it('reports the same loss as the JS engine, and non-zero jitter, for the same packets on the wire', async () => {
    const results: { lost: number; expected: number; jitterMs: number }[] = [];
    for (const engine of ['js', 'native'] as const) {
      const relay = MediaRelay.create({ engine, bindAddress: '127.0.0.1', portRange: { min: 45000, max: 45999 } });
      const alice = await endpoint();
      try {
        const r = await relay.allocateSession(`stats-${engine}`);
        assert.ok(r.ok);
        // Seq 1..30 without 10–12; timestamps jump ±400 samples (50 ms) around the paced value.
        for (let seq = 1; seq <= 30; seq++) {
          if (seq >= 10 && seq <= 12) continue;
          await alice.send(rtp(seq, seq * 160 + (seq % 2 === 0 ? 400 : 0), 0x5), r.value.ports.a.rtp);
        }
        await settle(100);
        const st = r.value.stats().a;
        assert.equal(st.rtp.packetsIn, 27);
        assert.equal(st.noDestinationDropped, 27); // leg B has no peer yet
        results.push({ lost: st.packetsLost, expected: st.packetsExpected, jitterMs: st.jitterMs });
      } finally {
        await relay.close();
        await alice.close();
      }
    }
    const [js, native] = results;
    assert.deepEqual([native.lost, native.expected], [js.lost, js.expected]);
    assert.deepEqual([js.lost, js.expected], [3, 30]);
    assert.ok(native.jitterMs > 10 && js.jitterMs > 10, `jitter js ${js.jitterMs} native ${native.jitterMs}`);
    // Arrival times differ between the two runs; the timestamp jumps dominate both estimates.
    assert.ok(Math.abs(native.jitterMs - js.jitterMs) < 10, `jitter js ${js.jitterMs} native ${native.jitterMs}`);
  });

  it('spreads sessions over several threads and forwards for each', async () => {
    const relay = MediaRelay.create({ engine: 'native', threads: 3, bindAddress: '127.0.0.1', portRange: { min: 46000, max: 46999 } });
    assert.deepEqual(relay.engine, { kind: 'native', threads: 3 });
    const alice = await endpoint();
    const bob = await endpoint();
    try {
      for (let i = 0; i < 6; i++) {
        const r = await relay.allocateSession(`t${i}`);
        assert.ok(r.ok);
        r.value.setRemote('b', { address: '127.0.0.1', port: bob.port });
        await alice.send(rtp(1, 160, 100 + i, i), r.value.ports.a.rtp);
      }
      await bob.waitFor(6);
      assert.deepEqual(bob.received.map((p) => p.data[12]).sort(), [0, 1, 2, 3, 4, 5]);
      assert.equal(relay.sessions().reduce((n, s) => n + s.stats().b.rtp.packetsOut, 0), 6);
    } finally {
      await relay.close();
      await Promise.all([alice, bob].map((e) => e.close()));
    }
  });

  it('falls back to the JS engine when told, or when a socket factory or clock is injected', () => {
    assert.equal(MediaRelay.create({ bindAddress: '127.0.0.1', engine: 'js' }).engine.kind, 'js');
    const withFactory = MediaRelay.create({ bindAddress: '127.0.0.1', socketFactory: { bind: async () => ({ ok: false, error: { code: 'bind-failed', message: 'x' } }) } });
    assert.equal(withFactory.engine.kind, 'js');
    assert.match(withFactory.engine.reason ?? '', /socket factory/);
  });
});
