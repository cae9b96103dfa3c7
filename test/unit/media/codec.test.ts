import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALAW_TO_ULAW,
  type Codec,
  CodecRegistry,
  PCMA,
  PCMU,
  TimestampRescaler,
  ULAW_TO_ALAW,
  alawToLinear,
  linearToAlaw,
  linearToUlaw,
  resampleLinear,
  ulawToLinear,
} from './helpers.js';

describe('G.711 (ITU-T G.711 companding laws)', () => {
  it('decodes reference octets', () => {
    // µ-law: 0xFF and 0x7F are ±0, 0x80 / 0x00 the largest magnitudes (±32124).
    assert.equal(ulawToLinear(0xff), 0);
    assert.equal(ulawToLinear(0x7f), 0);
    assert.equal(ulawToLinear(0x80), 32124);
    assert.equal(ulawToLinear(0x00), -32124);
    assert.equal(ulawToLinear(0xfe), 8);
    // A-law: 0xD5 / 0x55 are ±8 (the smallest step), 0xAA / 0x2A the largest (±32256).
    assert.equal(alawToLinear(0xd5), 8);
    assert.equal(alawToLinear(0x55), -8);
    assert.equal(alawToLinear(0xaa), 32256);
    assert.equal(alawToLinear(0x2a), -32256);
  });

  it('encodes reference samples', () => {
    assert.equal(linearToUlaw(0), 0xff);
    assert.equal(linearToUlaw(-1), 0x7f);
    assert.equal(linearToUlaw(32767), 0x80);
    assert.equal(linearToUlaw(-32768), 0x00);
    assert.equal(linearToAlaw(0), 0xd5);
    assert.equal(linearToAlaw(-1), 0x55);
    assert.equal(linearToAlaw(32767), 0xaa);
    assert.equal(linearToAlaw(-32768), 0x2a);
  });

  it('re-encodes every decoded octet to itself', () => {
    for (let o = 0; o < 256; o++) {
      const u = linearToUlaw(ulawToLinear(o));
      // µ-law has two zeros (0x7F, 0xFF); both decode to 0 which encodes to 0xFF.
      assert.equal(u, o === 0x7f ? 0xff : o, `ulaw ${o}`);
      assert.equal(linearToAlaw(alawToLinear(o)), o, `alaw ${o}`);
    }
  });

  it('direct µ-law ↔ A-law tables map reference values', () => {
    assert.equal(ULAW_TO_ALAW[0xff], 0xd5);
    assert.equal(ULAW_TO_ALAW[0x7f], 0x55);
    assert.equal(ULAW_TO_ALAW[0x80], 0xaa);
    assert.equal(ULAW_TO_ALAW[0x00], 0x2a);
    assert.equal(ALAW_TO_ULAW[0xd5], 0xfe);
    assert.equal(ALAW_TO_ULAW[0xaa], 0x80);
    // Every conversion lands on a nearest level of the other law.
    const nearest = (v: number, decode: (o: number) => number): number => {
      let best = Infinity;
      for (let o = 0; o < 256; o++) best = Math.min(best, Math.abs(decode(o) - v));
      return best;
    };
    for (let o = 0; o < 256; o++) {
      const a = alawToLinear(o);
      assert.ok(Math.abs(ulawToLinear(ALAW_TO_ULAW[o]) - a) <= nearest(a, ulawToLinear) + 0.5 * Math.abs(a) / 16 + 1, `alaw ${o}`);
      const u = ulawToLinear(o);
      assert.ok(Math.abs(alawToLinear(ULAW_TO_ALAW[o]) - u) <= nearest(u, alawToLinear) + 0.5 * Math.abs(u) / 16 + 8, `ulaw ${o}`);
    }
  });

  it('the Codec interface decodes and encodes frames', () => {
    const pcm = PCMU.frameDecode(Buffer.from([0xff, 0x80, 0x00]));
    assert.deepEqual([...pcm], [0, 32124, -32124]);
    assert.deepEqual([...PCMA.encode(pcm)], [0xd5, 0xaa, 0x2a]);
  });
});

describe('CodecRegistry and transcoders', () => {
  it('uses the in-place table transcoder for G.711 pairs', () => {
    const reg = CodecRegistry.withDefaults();
    const t = reg.createTranscoder('pcmu', 'PCMA');
    assert.ok(t.ok);
    const payload = Buffer.from([0xff, 0x80, 0x00]);
    const out = t.value.transcode(payload);
    assert.equal(out, payload);
    assert.deepEqual([...out], [0xd5, 0xaa, 0x2a]);
    const bad = reg.createTranscoder('PCMU', 'G729');
    assert.deepEqual(bad, { ok: false, error: { code: 'unknown-codec', name: 'G729' } });
  });

  it('goes through PCM with resampling for codecs of different rates', () => {
    // A 16 kHz linear codec (L16-like, big-endian) to exercise the generic path.
    const wide: Codec = {
      name: 'L16W',
      rtpClockRate: 16000,
      pcmSampleRate: 16000,
      eModel: { ie: 0, bpl: 10 },
      frameDecode: (p) => {
        const out = new Int16Array(p.length / 2);
        for (let i = 0; i < out.length; i++) out[i] = p.readInt16BE(2 * i);
        return out;
      },
      encode: (pcm) => {
        const b = Buffer.alloc(pcm.length * 2);
        pcm.forEach((s, i) => b.writeInt16BE(s, 2 * i));
        return b;
      },
    };
    const reg = CodecRegistry.withDefaults();
    reg.register(wide);
    const t = reg.createTranscoder('PCMA', 'L16W');
    assert.ok(t.ok);
    const out = t.value.transcode(Buffer.alloc(160, 0xaa)); // 20 ms of +32256
    assert.equal(out.length, 640); // 320 samples at 16 kHz
    assert.equal(out.readInt16BE(0), 32256);
    assert.deepEqual([...resampleLinear(Int16Array.from([0, 100]), 8000, 16000)], [0, 50, 100, 100]);
  });

  it('rescales timestamps across clock rates, through 32-bit wrap-around', () => {
    const r = new TimestampRescaler(8000, 48000);
    const start = 0xffffff00;
    assert.equal(r.map(7, start), start);
    assert.equal(r.map(7, (start + 160) >>> 0), (start + 960) >>> 0);
    assert.equal(r.map(7, (start + 320) >>> 0), (start + 1920) >>> 0);
    // A new SSRC restarts the mapping.
    assert.equal(r.map(8, 1000), 1000);
  });
});
