/**
 * Zero-copy RTP fixed-header readers (RFC 3550 §5.1). Every reader takes the packet Buffer and
 * reads the field in place: nothing is copied or allocated, so the relay's hot path can use
 * them per packet.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *  |                           timestamp                           |
 *  |           synchronization source (SSRC) identifier            |
 *  |            contributing source (CSRC) identifiers (CC x 32)   |
 */

/** Length of the fixed RTP header, without CSRCs or extension (RFC 3550 §5.1). */
export const RTP_FIXED_HEADER_LENGTH = 12;

export const rtpVersion = (p: Buffer): number => p[0] >>> 6;
export const rtpPadding = (p: Buffer): boolean => (p[0] & 0x20) !== 0;
export const rtpExtension = (p: Buffer): boolean => (p[0] & 0x10) !== 0;
export const rtpCsrcCount = (p: Buffer): number => p[0] & 0x0f;
export const rtpMarker = (p: Buffer): boolean => (p[1] & 0x80) !== 0;
export const rtpPayloadType = (p: Buffer): number => p[1] & 0x7f;
export const rtpSequence = (p: Buffer): number => (p[2] << 8) | p[3];
/** 32-bit timestamp as an unsigned number. */
export const rtpTimestamp = (p: Buffer): number => ((p[4] << 24) | (p[5] << 16) | (p[6] << 8) | p[7]) >>> 0;
/** 32-bit SSRC as an unsigned number. */
export const rtpSsrc = (p: Buffer): number => ((p[8] << 24) | (p[9] << 16) | (p[10] << 8) | p[11]) >>> 0;

/** Rewrites the payload type in place, keeping the marker bit. */
export function setRtpPayloadType(p: Buffer, pt: number): void {
  p[1] = (p[1] & 0x80) | (pt & 0x7f);
}

export type RtpHeaderError =
  | 'too-short'
  | 'bad-version'
  | 'csrc-overrun'
  | 'extension-overrun'
  | 'bad-padding';

/**
 * Offset of the payload, or a negative code when the packet is not a valid RTP packet.
 * Checks of RFC 3550 §5.1 / A.1: "RTP version field must equal 2", the CSRC list and header
 * extension (§5.3.1) must fit, and "the last octet of the padding contains a count of how many
 * padding octets should be ignored, including itself" must fit within the payload.
 * Allocation-free; `rtpHeaderError` turns the code into a name.
 */
export function rtpPayloadOffset(p: Buffer): number {
  const len = p.length;
  if (len < RTP_FIXED_HEADER_LENGTH) return -1;
  const b0 = p[0];
  if (b0 >>> 6 !== 2) return -2;
  let off = RTP_FIXED_HEADER_LENGTH + (b0 & 0x0f) * 4;
  if (off > len) return -3;
  if ((b0 & 0x10) !== 0) {
    // RFC 3550 §5.3.1: 16-bit profile-defined field, 16-bit length in 32-bit words, then data.
    if (off + 4 > len) return -4;
    off += 4 + ((p[off + 2] << 8) | p[off + 3]) * 4;
    if (off > len) return -4;
  }
  if ((b0 & 0x20) !== 0) {
    const pad = p[len - 1];
    if (pad === 0 || off + pad > len) return -5;
  }
  return off;
}

/** Payload length (without padding); only meaningful when `rtpPayloadOffset(p) >= 0`. */
export function rtpPayloadLength(p: Buffer, offset: number): number {
  const pad = (p[0] & 0x20) !== 0 ? p[p.length - 1] : 0;
  return p.length - offset - pad;
}

const ERRORS: readonly RtpHeaderError[] = ['too-short', 'bad-version', 'csrc-overrun', 'extension-overrun', 'bad-padding'];

/** Name of a negative `rtpPayloadOffset` code. */
export function rtpHeaderError(code: number): RtpHeaderError {
  return ERRORS[-code - 1];
}

/** A decoded view of the header, for tests, logs and tools (allocates; not for the hot path). */
export interface RtpHeader {
  readonly version: number;
  readonly padding: boolean;
  readonly extension: boolean;
  readonly csrcCount: number;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

export type RtpParseResult = { ok: true; value: RtpHeader } | { ok: false; error: RtpHeaderError };

export function parseRtpHeader(p: Buffer): RtpParseResult {
  const off = rtpPayloadOffset(p);
  if (off < 0) return { ok: false, error: rtpHeaderError(off) };
  const csrcs: number[] = [];
  for (let i = 0; i < rtpCsrcCount(p); i++) csrcs.push(p.readUInt32BE(RTP_FIXED_HEADER_LENGTH + 4 * i));
  return {
    ok: true,
    value: {
      version: rtpVersion(p),
      padding: rtpPadding(p),
      extension: rtpExtension(p),
      csrcCount: rtpCsrcCount(p),
      marker: rtpMarker(p),
      payloadType: rtpPayloadType(p),
      sequence: rtpSequence(p),
      timestamp: rtpTimestamp(p),
      ssrc: rtpSsrc(p),
      csrcs,
      payloadOffset: off,
      payloadLength: rtpPayloadLength(p, off),
    },
  };
}

/** Builds an RTP packet (tests, tools, transcoder output). */
export function buildRtpPacket(h: {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker?: boolean;
  payload: Buffer;
}): Buffer {
  const p = Buffer.allocUnsafe(RTP_FIXED_HEADER_LENGTH + h.payload.length);
  p[0] = 0x80;
  p[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  p.writeUInt16BE(h.sequence & 0xffff, 2);
  p.writeUInt32BE(h.timestamp >>> 0, 4);
  p.writeUInt32BE(h.ssrc >>> 0, 8);
  h.payload.copy(p, RTP_FIXED_HEADER_LENGTH);
  return p;
}
