/**
 * RTCP compound packet parsing (RFC 3550 §6.4, validity checks of Appendix A.2) and the
 * RTP/RTCP demultiplexing rule of RFC 5761 §4. RTCP is low-rate (RFC 3550 §6.2: ~5 % of the
 * session bandwidth, a few packets per 5 s), so the parser builds plain objects.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** One reception report block (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  /** SSRC of the source this block reports on. */
  readonly ssrc: number;
  /** Fraction of packets lost since the previous report, as a number in [0, 1) (8-bit fixed point / 256). */
  readonly fractionLost: number;
  /** Cumulative number of packets lost (24-bit signed: duplicates can make it negative). */
  readonly cumulativeLost: number;
  readonly extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units of the reported stream. */
  readonly jitter: number;
  readonly lastSr: number;
  readonly delaySinceLastSr: number;
}

export type RtcpPacket =
  | {
      readonly type: 'sr';
      readonly ssrc: number;
      readonly ntpMsw: number;
      readonly ntpLsw: number;
      readonly rtpTimestamp: number;
      readonly packetCount: number;
      readonly octetCount: number;
      readonly reports: readonly RtcpReportBlock[];
    }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: readonly RtcpReportBlock[] }
  | { readonly type: 'sdes'; readonly chunks: number }
  | { readonly type: 'bye'; readonly ssrcs: readonly number[]; readonly reason?: string }
  | { readonly type: 'other'; readonly packetType: number };

export type RtcpError = 'too-short' | 'bad-version' | 'bad-length' | 'not-sr-or-rr-first' | 'padding-not-last';

export type RtcpParseResult = { ok: true; value: readonly RtcpPacket[] } | { ok: false; error: RtcpError };

/**
 * RFC 5761 §4: "if the value of the second octet is in the range 64-95 [of the payload type,
 * i.e. 192-223 for the whole octet] ... the packet is RTCP". Used when RTP and RTCP share a
 * port (rtcp-mux).
 */
export function isRtcpPacket(p: Buffer): boolean {
  if (p.length < 2) return false;
  const b1 = p[1];
  return b1 >= 192 && b1 <= 223;
}

function reportBlock(p: Buffer, o: number): RtcpReportBlock {
  // 24-bit signed cumulative loss (RFC 3550 §6.4.1 "cumulative number of packets lost: 24 bits").
  let cum = (p[o + 5] << 16) | (p[o + 6] << 8) | p[o + 7];
  if (cum & 0x800000) cum -= 0x1000000;
  return {
    ssrc: p.readUInt32BE(o),
    fractionLost: p[o + 4] / 256,
    cumulativeLost: cum,
    extendedHighestSeq: p.readUInt32BE(o + 8),
    jitter: p.readUInt32BE(o + 12),
    lastSr: p.readUInt32BE(o + 16),
    delaySinceLastSr: p.readUInt32BE(o + 20),
  };
}

function reportBlocks(p: Buffer, start: number, end: number, count: number): RtcpReportBlock[] | undefined {
  if (start + count * 24 > end) return undefined;
  const out: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) out.push(reportBlock(p, start + i * 24));
  return out;
}

/**
 * Parses a compound RTCP packet. Validity per RFC 3550 Appendix A.2: version 2 in every packet,
 * "the payload type field of the first RTCP packet in a compound packet must be equal to SR or
 * RR", "the padding bit should be zero for the first packet" (we accept padding only on the last
 * packet, where §6.4.1 allows it), and the lengths must add up to the compound length.
 * SDES, BYE, APP and unknown types are tolerated (BYE is decoded; others are skipped).
 */
export function parseRtcpCompound(p: Buffer): RtcpParseResult {
  if (p.length < 8) return { ok: false, error: 'too-short' };
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o < p.length) {
    if (o + 4 > p.length) return { ok: false, error: 'bad-length' };
    const b0 = p[o];
    if (b0 >>> 6 !== 2) return { ok: false, error: 'bad-version' };
    const count = b0 & 0x1f;
    const pt = p[o + 1];
    const end = o + 4 * (p.readUInt16BE(o + 2) + 1);
    if (end > p.length) return { ok: false, error: 'bad-length' };
    if (o === 0 && pt !== RTCP_SR && pt !== RTCP_RR) return { ok: false, error: 'not-sr-or-rr-first' };
    let bodyEnd = end;
    if ((b0 & 0x20) !== 0) {
      if (end !== p.length) return { ok: false, error: 'padding-not-last' };
      bodyEnd = end - p[end - 1];
      if (bodyEnd < o + 4) return { ok: false, error: 'bad-length' };
    }
    switch (pt) {
      case RTCP_SR: {
        if (o + 28 > bodyEnd) return { ok: false, error: 'bad-length' };
        const reports = reportBlocks(p, o + 28, bodyEnd, count);
        if (reports === undefined) return { ok: false, error: 'bad-length' };
        packets.push({
          type: 'sr',
          ssrc: p.readUInt32BE(o + 4),
          ntpMsw: p.readUInt32BE(o + 8),
          ntpLsw: p.readUInt32BE(o + 12),
          rtpTimestamp: p.readUInt32BE(o + 16),
          packetCount: p.readUInt32BE(o + 20),
          octetCount: p.readUInt32BE(o + 24),
          reports,
        });
        break;
      }
      case RTCP_RR: {
        if (o + 8 > bodyEnd) return { ok: false, error: 'bad-length' };
        const reports = reportBlocks(p, o + 8, bodyEnd, count);
        if (reports === undefined) return { ok: false, error: 'bad-length' };
        packets.push({ type: 'rr', ssrc: p.readUInt32BE(o + 4), reports });
        break;
      }
      case RTCP_SDES:
        packets.push({ type: 'sdes', chunks: count });
        break;
      case RTCP_BYE: {
        // RFC 3550 §6.6: SC SSRC/CSRC identifiers, then an optional length-prefixed reason.
        if (o + 4 + count * 4 > bodyEnd) return { ok: false, error: 'bad-length' };
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(p.readUInt32BE(o + 4 + 4 * i));
        const r = o + 4 + count * 4;
        if (r < bodyEnd && r + 1 + p[r] <= bodyEnd) {
          packets.push({ type: 'bye', ssrcs, reason: p.toString('utf8', r + 1, r + 1 + p[r]) });
        } else {
          packets.push({ type: 'bye', ssrcs });
        }
        break;
      }
      default:
        packets.push({ type: 'other', packetType: pt });
    }
    o = end;
  }
  return { ok: true, value: packets };
}

/** Builds an RR packet (tests and tools). */
export function buildRtcpReceiverReport(ssrc: number, blocks: readonly RtcpReportBlock[]): Buffer {
  const p = Buffer.alloc(8 + 24 * blocks.length);
  p[0] = 0x80 | (blocks.length & 0x1f);
  p[1] = RTCP_RR;
  p.writeUInt16BE(p.length / 4 - 1, 2);
  p.writeUInt32BE(ssrc >>> 0, 4);
  blocks.forEach((b, i) => {
    const o = 8 + 24 * i;
    p.writeUInt32BE(b.ssrc >>> 0, o);
    p[o + 4] = Math.min(255, Math.floor(b.fractionLost * 256));
    const cum = b.cumulativeLost & 0xffffff;
    p[o + 5] = cum >>> 16;
    p[o + 6] = (cum >>> 8) & 0xff;
    p[o + 7] = cum & 0xff;
    p.writeUInt32BE(b.extendedHighestSeq >>> 0, o + 8);
    p.writeUInt32BE(b.jitter >>> 0, o + 12);
    p.writeUInt32BE(b.lastSr >>> 0, o + 16);
    p.writeUInt32BE(b.delaySinceLastSr >>> 0, o + 20);
  });
  return p;
}
