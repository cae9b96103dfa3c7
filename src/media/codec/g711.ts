/**
 * ITU-T G.711 µ-law (PCMU, RFC 3551 PT 0) and A-law (PCMA, PT 8), 8 kHz, one octet per sample.
 * The conversion follows the classic reference code of the G.711 companding laws (the
 * segment/mantissa algorithm of ITU-T G.191's g711.c): µ-law with bias 0x84 and clip 32635,
 * A-law with even-bit inversion (XOR 0x55). Decode tables (256 entries) and the direct
 * µ-law ↔ A-law octet tables are built once at module load.
 */
import type { Codec, Transcoder } from './codec.js';

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

/** Linear 16-bit sample → µ-law octet. */
export function linearToUlaw(sample: number): number {
  let pcm = sample;
  let mask: number;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (pcm > ULAW_CLIP) pcm = ULAW_CLIP;
  pcm += ULAW_BIAS;
  // Segment = number of significant bits of the biased magnitude above bit 7.
  let seg = 0;
  for (let v = pcm >> 8; v > 0; v >>= 1) seg++;
  const uval = (seg << 4) | ((pcm >> (seg + 3)) & 0x0f);
  return (uval ^ mask) & 0xff;
}

/** µ-law octet → linear 16-bit sample. */
export function ulawToLinear(octet: number): number {
  const u = ~octet & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** Linear 16-bit sample → A-law octet. */
export function linearToAlaw(sample: number): number {
  // A-law works on 13-bit magnitudes.
  let pcm = sample >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5; // sign bit = 1, even bits inverted
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  let seg = 0;
  for (let v = pcm >> 5; v > 0; v >>= 1) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (pcm >> 1) & 0x0f : (pcm >> seg) & 0x0f);
  return (aval ^ mask) & 0xff;
}

/** A-law octet → linear 16-bit sample. */
export function alawToLinear(octet: number): number {
  const a = octet ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

const ULAW_DECODE = new Int16Array(256);
const ALAW_DECODE = new Int16Array(256);
/**
 * Direct µ-law → A-law and A-law → µ-law octet tables, built by decoding each octet and
 * re-quantizing the value in the other law (sign kept). A → µ → A is transparent.
 */
export const ULAW_TO_ALAW = new Uint8Array(256);
export const ALAW_TO_ULAW = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawToLinear(i);
  ALAW_DECODE[i] = alawToLinear(i);
}
for (let i = 0; i < 256; i++) {
  // µ-law has a negative zero (0x7F); keep its sign so it maps to A-law's smallest negative level.
  const lin = ULAW_DECODE[i] === 0 && (i & 0x80) === 0 ? -1 : ULAW_DECODE[i];
  ULAW_TO_ALAW[i] = linearToAlaw(lin);
  ALAW_TO_ULAW[i] = linearToUlaw(ALAW_DECODE[i]);
}

function decodeWith(table: Int16Array, payload: Buffer): Int16Array {
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]];
  return out;
}

function encodeWith(fn: (s: number) => number, pcm: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = fn(pcm[i]);
  return out;
}

// G.113 Appendix I (Table I.3): G.711 Ie = 0; Bpl = 25.1 with packet loss concealment
// (G.711 Appendix I), 4.3 without. Nearly every endpoint conceals loss, so 25.1 is used.
const G711_EMODEL = { ie: 0, bpl: 25.1 } as const;

export const PCMU: Codec = {
  name: 'PCMU',
  rtpClockRate: 8000,
  pcmSampleRate: 8000,
  staticPayloadType: 0,
  eModel: G711_EMODEL,
  frameDecode: (payload) => decodeWith(ULAW_DECODE, payload),
  encode: (pcm) => encodeWith(linearToUlaw, pcm),
};

export const PCMA: Codec = {
  name: 'PCMA',
  rtpClockRate: 8000,
  pcmSampleRate: 8000,
  staticPayloadType: 8,
  eModel: G711_EMODEL,
  frameDecode: (payload) => decodeWith(ALAW_DECODE, payload),
  encode: (pcm) => encodeWith(linearToAlaw, pcm),
};

/** An octet-for-octet table transcoder: converts in place, no allocation. */
export function tableTranscoder(from: Codec, to: Codec, table: Uint8Array): Transcoder {
  return {
    from,
    to,
    transcode(payload: Buffer): Buffer {
      for (let i = 0; i < payload.length; i++) payload[i] = table[payload[i]];
      return payload;
    },
  };
}
