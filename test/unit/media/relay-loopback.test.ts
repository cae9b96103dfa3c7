import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaRelay, type TimeoutReason, buildRtcpReceiverReport, buildRtpPacket, endpoint, engines, parseRtpHeader, settle } from './helpers.js';

const pkt = (pt: number, seq: number, ssrc: number, fill: number) =>
  buildRtpPacket({ payloadType: pt, sequence: seq, timestamp: seq * 160, ssrc, payload: Buffer.alloc(160, fill) });

for (const { engine, skip } of engines()) {
describe(`MediaRelay over loopback UDP (${engine} engine)`, { skip }, () => {
  it('relays RTP and RTCP both ways, latches to the real source port, blocks injection, frees ports', async () => {
    const base = 42000 + 4 * Math.floor(Math.random() * 1000);
    const relay = MediaRelay.create({ engine, bindAddress: '127.0.0.1', portRange: { min: base, max: base + 3 } });
    const alice = await endpoint();
    const bob = await endpoint();
    const aliceRtcp = await endpoint();
    const bobRtcp = await endpoint();
    const mallory = await endpoint();
    try {
      const r = await relay.allocateSession('call');
      assert.ok(r.ok, !r.ok ? r.error.message : '');
      const s = r.value;
      const { a, b } = s.ports;
      // Alice's SDP announced a port she does not send from (NAT): latching must win.
      assert.ok(s.setRemote('a', { address: '127.0.0.1', port: 9, rtcpPort: aliceRtcp.port }).ok);
      assert.ok(s.setRemote('b', { address: '127.0.0.1', port: bob.port, rtcpPort: bobRtcp.port }).ok);

      await alice.send(pkt(0, 1, 0xa, 1), a.rtp);
      await bob.waitFor(1);
      assert.deepEqual(bob.received[0].port, b.rtp); // symmetric: sent out of leg B's port
      assert.equal(bob.received[0].data[12], 1);
      await bob.send(pkt(0, 1, 0xb, 2), b.rtp);
      await alice.waitFor(1); // reached Alice's real port, not the signalled port 9
      assert.equal(alice.received[0].port, a.rtp);
      assert.equal(alice.received[0].data[12], 2);

      // RTCP on the odd ports, both ways.
      const rr = buildRtcpReceiverReport(0xa, [{ ssrc: 0xb, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 1, jitter: 0, lastSr: 0, delaySinceLastSr: 0 }]);
      await aliceRtcp.send(rr, a.rtcp!);
      await bobRtcp.waitFor(1);
      assert.equal(bobRtcp.received[0].port, b.rtcp);
      await bobRtcp.send(rr, b.rtcp!);
      await aliceRtcp.waitFor(1);

      // Mallory injects into both legs: nothing is forwarded, every packet is counted.
      for (let i = 0; i < 5; i++) {
        await mallory.send(pkt(0, 100 + i, 0xbad, 9), a.rtp);
        await mallory.send(pkt(0, 100 + i, 0xbad, 9), b.rtp);
      }
      await alice.send(pkt(0, 2, 0xa, 3), a.rtp);
      await bob.waitFor(2);
      await settle();
      assert.equal(bob.received.length, 2);
      assert.equal(bob.received[1].data[12], 3);
      assert.equal(alice.received.length, 1);
      const st = s.stats();
      assert.equal(st.a.injectedDropped, 5);
      assert.equal(st.b.injectedDropped, 5);
      assert.equal(st.a.rtp.packetsIn, 2);
      assert.equal(st.b.rtp.packetsOut, 2);
      assert.equal(st.a.rtcp?.packetsIn, 1);
      assert.deepEqual(st.a.peer, { address: '127.0.0.1', port: alice.port, latched: true });
      assert.equal(relay.sessions().length, 1);

      assert.equal(await relay.release('call'), true);
      assert.equal(relay.freePortPairs, 2);
      // The ports are closed: a packet to them goes nowhere.
      await alice.send(pkt(0, 3, 0xa, 4), a.rtp);
      await settle();
      assert.equal(bob.received.length, 2);
    } finally {
      await relay.close();
      await Promise.all([alice, bob, aliceRtcp, bobRtcp, mallory].map((e) => e.close()));
    }
  });

  it('transcodes PCMU → PCMA on the wire', async () => {
    const relay = MediaRelay.create({ engine, bindAddress: '127.0.0.1', portRange: { min: 46000, max: 46999 } });
    const alice = await endpoint();
    const bob = await endpoint();
    try {
      const r = await relay.allocateSession('t');
      assert.ok(r.ok);
      const s = r.value;
      s.setRemote('b', { address: '127.0.0.1', port: bob.port });
      assert.ok(s.setCodecMapping({ aToB: { 0: { toPt: 8, transcode: { from: 'PCMU', to: 'PCMA' } } } }).ok);
      await alice.send(pkt(0, 42, 0xa, 0xff), s.ports.a.rtp);
      await bob.waitFor(1);
      const h = parseRtpHeader(bob.received[0].data);
      assert.ok(h.ok);
      assert.equal(h.value.payloadType, 8);
      assert.equal(h.value.sequence, 42);
      assert.ok(bob.received[0].data.subarray(12).every((o) => o === 0xd5));
    } finally {
      await relay.close();
      await alice.close();
      await bob.close();
    }
  });

  it('reports a media timeout through onTimeout', async () => {
    const timeouts: [string, TimeoutReason][] = [];
    const relay = MediaRelay.create({ engine, bindAddress: '127.0.0.1', portRange: { min: 47000, max: 47999 }, mediaTimeoutMs: 30, onTimeout: (id, r) => void timeouts.push([id, r]) });
    try {
      const r = await relay.allocateSession('quiet');
      assert.ok(r.ok);
      await settle(120);
      assert.deepEqual(timeouts, [['quiet', 'no-media']]);
    } finally {
      await relay.close();
    }
  });

  it('binds fixed RTP-only ports when told to', async () => {
    const relay = MediaRelay.create({ engine, bindAddress: '127.0.0.1' });
    try {
      const port = 48000 + 2 * Math.floor(Math.random() * 500);
      const r = await relay.allocateSession('fixed', { ports: { a: { rtp: port }, b: { rtp: port + 1 } } });
      assert.ok(r.ok, !r.ok ? r.error.message : '');
      assert.deepEqual(r.value.ports, { a: { rtp: port }, b: { rtp: port + 1 } });
      const clash = await relay.allocateSession('clash', { ports: { a: { rtp: port + 2 }, b: { rtp: port } } });
      assert.equal(!clash.ok && clash.error.code, 'bind-failed');
    } finally {
      await relay.close();
    }
  });
});
}
