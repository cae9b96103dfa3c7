/**
 * The generic transcoding path: decode to linear PCM, resample when the two codecs' PCM rates
 * differ, encode. Every codec pair goes through here unless a direct transcoder is registered
 * (G.711 µ-law ↔ A-law has one: an octet table, in place).
 */
import type { Codec, Transcoder } from './codec.js';

/**
 * Resamples one frame by linear interpolation. This is the single place where sample-rate
 * conversion happens (e.g. 8 kHz G.711 ↔ 16 kHz G.722 PCM ↔ 48 kHz Opus PCM). Linear
 * interpolation is adequate for telephony-band up-sampling; a codec pair that down-samples
 * wideband audio should replace it with a polyphase low-pass resampler that keeps state across
 * frames (frame edges are treated independently here).
 */
export function resampleLinear(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || pcm.length === 0) return pcm;
  const outLen = Math.round((pcm.length * toRate) / fromRate);
  const out = new Int16Array(outLen);
  const step = fromRate / toRate;
  const last = pcm.length - 1;
  for (let i = 0; i < outLen; i++) {
    const x = i * step;
    const k = Math.floor(x);
    if (k >= last) {
      out[i] = pcm[last];
    } else {
      const f = x - k;
      out[i] = Math.round(pcm[k] * (1 - f) + pcm[k + 1] * f);
    }
  }
  return out;
}

export function pcmTranscoder(from: Codec, to: Codec): Transcoder {
  return {
    from,
    to,
    transcode(payload: Buffer): Buffer {
      const pcm = from.frameDecode(payload);
      return to.encode(resampleLinear(pcm, from.pcmSampleRate, to.pcmSampleRate));
    },
  };
}

/**
 * RTP timestamp mapping between codecs of different RTP clock rates (RFC 3550 §5.1: the
 * timestamp "MUST be derived from a clock that increments monotonically and linearly in time").
 * Rule: with equal clock rates the timestamp is copied unchanged. Otherwise the output
 * timestamp is `outBase + round((in − inBase) · outRate / inRate)` modulo 2^32, where `inBase`
 * is the first input timestamp seen (for this SSRC) and `outBase` equals it; the input
 * difference is accumulated from signed 32-bit steps so wrap-around of the input is handled.
 */
export class TimestampRescaler {
  private started = false;
  private ssrc = 0;
  private lastIn = 0;
  private elapsedIn = 0;
  private base = 0;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
  ) {}

  map(ssrc: number, ts: number): number {
    if (!this.started || ssrc !== this.ssrc) {
      this.started = true;
      this.ssrc = ssrc;
      this.lastIn = ts;
      this.elapsedIn = 0;
      this.base = ts;
      return ts;
    }
    this.elapsedIn += (ts - this.lastIn) | 0; // signed 32-bit step
    this.lastIn = ts;
    return (this.base + Math.round((this.elapsedIn * this.outRate) / this.inRate)) >>> 0;
  }
}
