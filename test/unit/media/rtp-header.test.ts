import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildRtcpReceiverReport,
  buildRtpPacket,
  isRtcpPacket,
  parseRtcpCompound,
  parseRtpHeader,
  rtpPayloadOffset,
  setRtpPayloadType,
} from '../../../src/media/index.js';

describe('RTP header (RFC 3550 §5.1)', () => {
  it('reads every field of a valid packet', () => {
    const p = buildRtpPacket({ payloadType: 8, sequence: 0xfffe, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true, payload: Buffer.alloc(160, 0xd5) });
    const h = parseRtpHeader(p);
    assert.ok(h.ok);
    assert.equal(h.value.version, 2);
    assert.equal(h.value.padding, false);
    assert.equal(h.value.extension, false);
    assert.equal(h.value.csrcCount, 0);
    assert.equal(h.value.marker, true);
    assert.equal(h.value.payloadType, 8);
    assert.equal(h.value.sequence, 0xfffe);
    assert.equal(h.value.timestamp, 0xfffffff0);
    assert.equal(h.value.ssrc, 0xdeadbeef);
    assert.equal(h.value.payloadOffset, 12);
    assert.equal(h.value.payloadLength, 160);
  });

  it('skips CSRCs and the header extension, and strips padding', () => {
    // V=2 P=1 X=1 CC=2; extension of 1 word; payload 4 bytes; 3 bytes padding.
    const p = Buffer.alloc(12 + 8 + 4 + 4 + 4 + 3);
    p[0] = 0x80 | 0x20 | 0x10 | 2;
    p[1] = 0;
    p.writeUInt32BE(1, 12);
    p.writeUInt32BE(2, 16);
    p.writeUInt16BE(0xbede, 20);
    p.writeUInt16BE(1, 22);
    p[p.length - 1] = 3;
    const h = parseRtpHeader(p);
    assert.ok(h.ok);
    assert.deepEqual(h.value.csrcs, [1, 2]);
    assert.equal(h.value.payloadOffset, 12 + 8 + 4 + 4);
    assert.equal(h.value.payloadLength, 4);
  });

  it('rejects short packets, wrong version and overruns', () => {
    assert.deepEqual(parseRtpHeader(Buffer.alloc(11, 0x80)), { ok: false, error: 'too-short' });
    const v1 = buildRtpPacket({ payloadType: 0, sequence: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(4) });
    v1[0] = 0x40;
    assert.deepEqual(parseRtpHeader(v1), { ok: false, error: 'bad-version' });
    const cc = Buffer.alloc(12);
    cc[0] = 0x80 | 15;
    assert.deepEqual(parseRtpHeader(cc), { ok: false, error: 'csrc-overrun' });
    const ext = Buffer.alloc(16);
    ext[0] = 0x90;
    ext.writeUInt16BE(10, 14);
    assert.deepEqual(parseRtpHeader(ext), { ok: false, error: 'extension-overrun' });
    const pad = Buffer.alloc(14);
    pad[0] = 0xa0;
    pad[13] = 9;
    assert.deepEqual(parseRtpHeader(pad), { ok: false, error: 'bad-padding' });
    assert.equal(rtpPayloadOffset(pad), -5);
  });

  it('rewrites the payload type and keeps the marker', () => {
    const p = buildRtpPacket({ payloadType: 101, sequence: 1, timestamp: 1, ssrc: 1, marker: true, payload: Buffer.alloc(4) });
    setRtpPayloadType(p, 96);
    const h = parseRtpHeader(p);
    assert.ok(h.ok);
    assert.equal(h.value.payloadType, 96);
    assert.equal(h.value.marker, true);
  });
});

describe('RTCP (RFC 3550 §6.4, A.2) and RFC 5761 demux', () => {
  const block = { ssrc: 0x1234, fractionLost: 0.25, cumulativeLost: 42, extendedHighestSeq: 0x1_0005, jitter: 80, lastSr: 7, delaySinceLastSr: 9 };

  it('parses an RR with a report block', () => {
    const r = parseRtcpCompound(buildRtcpReceiverReport(0xabcd, [block]));
    assert.ok(r.ok);
    assert.equal(r.value.length, 1);
    const rr = r.value[0];
    assert.equal(rr.type, 'rr');
    if (rr.type !== 'rr') return;
    assert.equal(rr.ssrc, 0xabcd);
    assert.deepEqual(rr.reports[0], block);
  });

  it('parses SR + SDES + BYE compounds and negative cumulative loss', () => {
    const sr = Buffer.alloc(28 + 24);
    sr[0] = 0x81;
    sr[1] = 200;
    sr.writeUInt16BE(sr.length / 4 - 1, 2);
    sr.writeUInt32BE(5, 4);
    sr.writeUInt32BE(1000, 20); // packet count
    sr.writeUInt32BE(0x77, 28);
    sr[33] = 0xff; sr[34] = 0xff; sr[35] = 0xfe; // cumulative lost = -2
    const sdes = Buffer.from([0x81, 202, 0, 2, 0, 0, 0, 5, 0, 0, 0, 0]);
    const bye = Buffer.from([0x81, 203, 0, 2, 0, 0, 0, 5, 3, 0x62, 0x79, 0x65]);
    const r = parseRtcpCompound(Buffer.concat([sr, sdes, bye]));
    assert.ok(r.ok);
    assert.deepEqual(r.value.map((x) => x.type), ['sr', 'sdes', 'bye']);
    const s = r.value[0];
    assert.ok(s.type === 'sr');
    assert.equal(s.packetCount, 1000);
    assert.equal(s.reports[0].cumulativeLost, -2);
    const b = r.value[2];
    assert.ok(b.type === 'bye');
    assert.deepEqual(b.ssrcs, [5]);
    assert.equal(b.reason, 'bye');
  });

  it('rejects compounds not starting with SR/RR, bad versions and bad lengths', () => {
    assert.deepEqual(parseRtcpCompound(Buffer.from([0x81, 202, 0, 1, 0, 0, 0, 0])), { ok: false, error: 'not-sr-or-rr-first' });
    assert.deepEqual(parseRtcpCompound(Buffer.from([0x40, 201, 0, 1, 0, 0, 0, 0])), { ok: false, error: 'bad-version' });
    assert.deepEqual(parseRtcpCompound(Buffer.from([0x80, 201, 0, 5, 0, 0, 0, 0])), { ok: false, error: 'bad-length' });
    assert.deepEqual(parseRtcpCompound(Buffer.from([0x81, 201, 0, 1, 0, 0, 0, 0])), { ok: false, error: 'bad-length' });
  });

  it('tells RTCP from RTP on a shared port (RFC 5761 §4)', () => {
    assert.equal(isRtcpPacket(buildRtcpReceiverReport(1, [])), true);
    assert.equal(isRtcpPacket(buildRtpPacket({ payloadType: 0, sequence: 1, timestamp: 1, ssrc: 1, marker: true, payload: Buffer.alloc(1) })), false);
    assert.equal(isRtcpPacket(buildRtpPacket({ payloadType: 96, sequence: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(1) })), false);
  });
});
