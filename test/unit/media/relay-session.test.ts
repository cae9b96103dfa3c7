import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecRegistry, ManualClock, RelaySession, type TimeoutReason, buildRtcpReceiverReport, buildRtpPacket, parseRtpHeader } from './helpers.js';

function makeSession(timeoutMs = 60_000) {
  const clock = new ManualClock(1000);
  const timeouts: [string, TimeoutReason][] = [];
  const s = new RelaySession(
    'call-1',
    { a: { rtp: 10000, rtcp: 10001 }, b: { rtp: 10002, rtcp: 10003 } },
    { clock, registry: CodecRegistry.withDefaults(), timeoutMs, onTimeout: (id, r) => void timeouts.push([id, r]) },
  );
  return { s, clock, timeouts };
}

const rtp = (pt: number, seq: number, payload = Buffer.alloc(160, 0xff), marker = false) =>
  buildRtpPacket({ payloadType: pt, sequence: seq, timestamp: 0xfffff000 + seq * 160, ssrc: 0x11223344, marker, payload });

describe('RelaySession (Sans-IO core)', () => {
  it('forwards to the signalled address before the peer sent anything, then to the latched source', () => {
    const { s, clock } = makeSession();
    s.setRemote('a', { address: '127.0.0.1', port: 4000 });
    s.setRemote('b', { address: '127.0.0.1', port: 5000 });
    assert.ok(s.receiveRtp(s.a.rtp, rtp(0, 1), '127.0.0.1', 4000, clock.now()) !== null);
    assert.equal(s.b.rtp.peerPort, 5000);
    // B's packets come from a NAT-mapped port: it wins over signalling.
    assert.ok(s.receiveRtp(s.b.rtp, rtp(0, 1), '127.0.0.1', 5555, clock.now()) !== null);
    assert.equal(s.b.rtp.peerPort, 5555);
    assert.equal(s.b.rtp.latched, true);
    // RTCP of B is now guessed at the latched RTP port + 1.
    assert.equal(s.b.rtcp!.peerPort, 5556);
    // Injection on B's port from elsewhere is dropped and counted.
    assert.equal(s.receiveRtp(s.b.rtp, rtp(0, 2), '127.0.0.1', 6666, clock.now()), null);
    assert.equal(s.receiveRtp(s.b.rtp, rtp(0, 3), '127.0.0.2', 5555, clock.now()), null);
    assert.equal(s.stats().b.injectedDropped, 2);
    // A changed signalled address clears the latch.
    assert.ok(s.setRemote('b', { address: '127.0.0.1', port: 7000 }).ok);
    assert.equal(s.b.rtp.peerPort, 7000);
    assert.equal(s.setRemote('b', { address: 'example.com', port: 7000 }).ok, false);
  });

  it('drops invalid RTP without latching, and packets with no destination', () => {
    const { s, clock } = makeSession();
    assert.equal(s.receiveRtp(s.a.rtp, Buffer.from([0x40, 0, 0, 0]), '127.0.0.1', 4000, 0), null);
    assert.equal(s.a.rtp.latched, false);
    assert.equal(s.receiveRtp(s.a.rtp, rtp(0, 1), '127.0.0.1', 4000, clock.now()), null);
    const st = s.stats().a;
    assert.equal(st.invalidDropped, 1);
    assert.equal(st.noDestinationDropped, 1);
    assert.equal(st.dropped, 2);
  });

  it('transcodes PCMU → PCMA keeping seq, timestamp, marker and SSRC', () => {
    const { s, clock } = makeSession();
    s.setRemote('b', { address: '127.0.0.1', port: 5000 });
    const r = s.setCodecMapping({ aToB: { 0: { toPt: 8, transcode: { from: 'PCMU', to: 'PCMA' } } }, bToA: { 8: { toPt: 0, transcode: { from: 'PCMA', to: 'PCMU' } } } });
    assert.ok(r.ok);
    const inPkt = rtp(0, 65535, Buffer.from([0xff, 0x7f, 0x80, 0x00]), true);
    const out = s.receiveRtp(s.a.rtp, inPkt, '127.0.0.1', 4000, clock.now());
    assert.ok(out !== null);
    const h = parseRtpHeader(out);
    assert.ok(h.ok);
    assert.equal(h.value.payloadType, 8);
    assert.equal(h.value.sequence, 65535);
    assert.equal(h.value.timestamp, (0xfffff000 + 65535 * 160) >>> 0);
    assert.equal(h.value.marker, true);
    assert.equal(h.value.ssrc, 0x11223344);
    assert.deepEqual([...out.subarray(h.value.payloadOffset)], [0xd5, 0x55, 0xaa, 0x2a]);
    const bad = s.setCodecMapping({ aToB: { 0: { toPt: 9, transcode: { from: 'PCMU', to: 'G722' } } } });
    assert.equal(!bad.ok && bad.error.code, 'unknown-codec');
  });

  it('rewrites telephone-event PTs in both directions and drops unknown PTs', () => {
    const { s, clock } = makeSession();
    s.setRemote('a', { address: '127.0.0.1', port: 4000 });
    s.setRemote('b', { address: '127.0.0.1', port: 5000 });
    assert.ok(s.setCodecMapping({ aToB: { 0: { toPt: 0 }, 101: { toPt: 96 } }, bToA: { 0: { toPt: 0 }, 96: { toPt: 101 } } }).ok);
    const event = Buffer.from([5, 0x8a, 0x03, 0x20]); // RFC 4733 event 5, E bit, volume 10, duration 800
    const ab = s.receiveRtp(s.a.rtp, rtp(101, 7, Buffer.from(event), true), '127.0.0.1', 4000, clock.now());
    assert.ok(ab !== null);
    assert.equal(ab[1], 0x80 | 96);
    assert.deepEqual(ab.subarray(12), event);
    const ba = s.receiveRtp(s.b.rtp, rtp(96, 9, Buffer.from(event)), '127.0.0.1', 5000, clock.now());
    assert.ok(ba !== null);
    assert.equal(ba[1], 101);
    assert.equal(s.receiveRtp(s.a.rtp, rtp(18, 8), '127.0.0.1', 4000, clock.now()), null);
    assert.equal(s.stats().a.unknownPtDropped, 1);
  });

  it('times out after mediaTimeoutMs without packets, honours setTimeout and re-arms on traffic', () => {
    const { s, clock, timeouts } = makeSession(1000);
    s.setRemote('b', { address: '127.0.0.1', port: 5000 });
    clock.advance(600);
    s.receiveRtp(s.a.rtp, rtp(0, 1), '127.0.0.1', 4000, clock.now());
    clock.advance(900);
    assert.equal(timeouts.length, 0);
    clock.advance(100);
    assert.deepEqual(timeouts, [['call-1', 'no-media']]);
    clock.advance(5000);
    assert.equal(timeouts.length, 1); // once per silence
    s.receiveRtp(s.a.rtp, rtp(0, 2), '127.0.0.1', 4000, clock.now());
    s.setTimeout(10_000); // e.g. on hold
    clock.advance(9_999);
    assert.equal(timeouts.length, 1);
    clock.advance(1);
    assert.equal(timeouts.length, 2);
    s.close();
    assert.equal(clock.pending(), 0);
  });

  it('records the peer RTCP report and folds it into the MOS', () => {
    const { s, clock } = makeSession();
    s.setRemote('b', { address: '127.0.0.1', port: 5000 });
    for (let i = 0; i < 50; i++) s.receiveRtp(s.a.rtp, rtp(0, i), '127.0.0.1', 4000, clock.now() + i * 20);
    const good = s.stats().b.mos;
    const rr = buildRtcpReceiverReport(0x99, [{ ssrc: 0x11223344, fractionLost: 0.1, cumulativeLost: 5, extendedHighestSeq: 49, jitter: 160, lastSr: 0, delaySinceLastSr: 0 }]);
    const out = s.receiveRtcp(s.b.rtcp!, rr, '127.0.0.1', 5001, clock.now());
    assert.ok(out !== null);
    const st = s.stats().b;
    assert.equal(st.peerReport?.cumulativeLost, 5);
    assert.ok(Math.abs(st.peerReport!.fractionLost - 0.1) < 0.004);
    assert.equal(st.peerReport?.jitterMs, 20);
    assert.ok(st.mos < good);
  });
});
