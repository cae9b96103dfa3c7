/**
 * Per-direction payload type mapping applied by a relay session: PT rewrites (e.g.
 * telephone-event 101 on one leg ↔ 96 on the other, RFC 4733) and transcoding. Compiled once
 * into a 128-entry array indexed by PT so the hot path does one array read per packet.
 *
 * RTP header rule when mapping (RFC 3550 §5.1): sequence number, SSRC and marker bit are kept
 * (the relay is not a mixer: one output packet per input packet, same source). The timestamp is
 * kept when both codecs have the same RTP clock rate, and rescaled otherwise (see
 * `TimestampRescaler`). Only the PT and, when transcoding, the payload change.
 */
import { type Result, err, ok } from '../../lib/index.js';
import { rtpPayloadLength, rtpSsrc, rtpTimestamp, setRtpPayloadType } from '../rtp/rtp-header.js';
import type { Transcoder } from './codec.js';
import type { CodecError, CodecRegistry } from './codec-registry.js';
import { TimestampRescaler } from './pcm-transcoder.js';

export interface PayloadMappingEntry {
  /** PT to send on the other leg (same as the key for plain passthrough). */
  readonly toPt: number;
  /** Codec names (as registered) to transcode between; absent = payload passed unchanged. */
  readonly transcode?: { readonly from: string; readonly to: string };
  /** RTP clock rate of this PT on the receiving leg, for jitter (default: RFC 3551 table, else 8000). */
  readonly clockRate?: number;
}

/** `fromPt → entry`; PTs absent from a set mapping are dropped and counted. */
export type PayloadMapping = Readonly<Record<number, PayloadMappingEntry>>;

export interface CompiledEntry {
  readonly toPt: number;
  readonly transcoder: Transcoder | null;
  /** Clock rate of the incoming PT (jitter is computed in its units). */
  readonly inClockRate: number;
  readonly rescaler: TimestampRescaler | null;
}

/** Dense table by incoming PT; `undefined` slot = unknown PT (drop). */
export type CompiledMapping = readonly (CompiledEntry | undefined)[];

export type MappingError = CodecError | { readonly code: 'bad-payload-type'; readonly pt: number };

// RFC 3551 Table 4 (audio) and 5 (video) static payload type clock rates.
const STATIC_CLOCK_RATES: Readonly<Record<number, number>> = {
  0: 8000, 3: 8000, 4: 8000, 5: 8000, 6: 16000, 7: 8000, 8: 8000, 9: 8000, 10: 44100, 11: 44100,
  12: 8000, 13: 8000, 14: 90000, 15: 8000, 16: 11025, 17: 22050, 18: 8000,
  25: 90000, 26: 90000, 28: 90000, 31: 90000, 32: 90000, 33: 90000, 34: 90000,
};

const STATIC_RATE_TABLE = new Float64Array(128).fill(8000);
for (const [pt, rate] of Object.entries(STATIC_CLOCK_RATES)) STATIC_RATE_TABLE[Number(pt)] = rate;

/** Clock rate of a static PT, or 8000 (the telephony default) for dynamic/unknown ones. */
export function staticClockRate(pt: number): number {
  return STATIC_RATE_TABLE[pt & 0x7f];
}

const validPt = (pt: number): boolean => Number.isInteger(pt) && pt >= 0 && pt <= 127;

export function compileMapping(mapping: PayloadMapping, registry: CodecRegistry): Result<CompiledMapping, MappingError> {
  const table: (CompiledEntry | undefined)[] = new Array(128).fill(undefined);
  for (const [key, e] of Object.entries(mapping)) {
    const fromPt = Number(key);
    if (!validPt(fromPt)) return err({ code: 'bad-payload-type', pt: fromPt });
    if (!validPt(e.toPt)) return err({ code: 'bad-payload-type', pt: e.toPt });
    let transcoder: Transcoder | null = null;
    let rescaler: TimestampRescaler | null = null;
    if (e.transcode !== undefined) {
      const t = registry.createTranscoder(e.transcode.from, e.transcode.to);
      if (!t.ok) return t;
      transcoder = t.value;
      if (transcoder.from.rtpClockRate !== transcoder.to.rtpClockRate) {
        rescaler = new TimestampRescaler(transcoder.from.rtpClockRate, transcoder.to.rtpClockRate);
      }
    }
    table[fromPt] = {
      toPt: e.toPt,
      transcoder,
      inClockRate: transcoder?.from.rtpClockRate ?? e.clockRate ?? staticClockRate(fromPt),
      rescaler,
    };
  }
  return ok(table);
}

/**
 * Applies one entry to a valid RTP packet whose payload starts at `offset`. Returns the packet
 * to send: the same Buffer, modified in place, when the payload size is unchanged; a new one
 * otherwise (header copied, padding dropped).
 */
export function applyMapping(e: CompiledEntry, packet: Buffer, offset: number): Buffer {
  let out = packet;
  if (e.transcoder !== null) {
    const payload = packet.subarray(offset, offset + rtpPayloadLength(packet, offset));
    const converted = e.transcoder.transcode(payload);
    if (converted !== payload) {
      out = Buffer.allocUnsafe(offset + converted.length);
      packet.copy(out, 0, 0, offset);
      out[0] &= ~0x20; // RFC 3550 §5.1 P bit: the rebuilt packet carries no padding
      converted.copy(out, offset);
    }
    if (e.rescaler !== null) out.writeUInt32BE(e.rescaler.map(rtpSsrc(packet), rtpTimestamp(packet)), 4);
  }
  if ((out[1] & 0x7f) !== e.toPt) setRtpPayloadType(out, e.toPt);
  return out;
}
