/**
 * Bencode (BEP 3) encoder/decoder: fixed vectors, limits, a round-trip property over generated
 * values, and arbitrary or mutated bytes never making the decoder throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type BencodeValue, decodeBencode, decodeBencodePrefix, encodeBencode } from '../../../src/ng/index.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const dec = (s: string | Buffer) => decodeBencode(typeof s === 'string' ? b(s) : s);

describe('bencode decode', () => {
  it('decodes the BEP 3 examples', () => {
    assert.deepEqual(dec('4:spam'), { ok: true, value: b('spam') });
    assert.deepEqual(dec('0:'), { ok: true, value: b('') });
    assert.deepEqual(dec('i3e'), { ok: true, value: 3 });
    assert.deepEqual(dec('i-3e'), { ok: true, value: -3 });
    assert.deepEqual(dec('i0e'), { ok: true, value: 0 });
    assert.deepEqual(dec('l4:spam4:eggse'), { ok: true, value: [b('spam'), b('eggs')] });
    assert.deepEqual(dec('d3:cow3:moo4:spam4:eggse'), {
      ok: true,
      value: new Map([
        ['cow', b('moo')],
        ['spam', b('eggs')],
      ]),
    });
    assert.deepEqual(dec('d4:spaml1:a1:bee'), { ok: true, value: new Map([['spam', [b('a'), b('b')]]]) });
    assert.deepEqual(dec('le'), { ok: true, value: [] });
    assert.deepEqual(dec('de'), { ok: true, value: new Map() });
  });

  it('decodes an rtpengine ping and its reply', () => {
    assert.deepEqual(dec('d7:command4:pinge'), { ok: true, value: new Map([['command', b('ping')]]) });
    assert.deepEqual(encodeBencode({ result: 'pong' }).toString(), 'd6:result4:ponge');
  });

  it('keeps byte strings raw, including non-UTF-8 and NUL bytes', () => {
    const raw = Buffer.from([0xff, 0x00, 0xc3, 0x28]);
    const r = dec(Buffer.concat([b('4:'), raw]));
    assert.ok(r.ok);
    assert.deepEqual(r.value, raw);
  });

  it('accepts unsorted dictionary keys (rtpengine does not sort either)', () => {
    const r = dec('d1:bi1e1:ai2ee');
    assert.ok(r.ok);
    assert.deepEqual([...(r.value as Map<string, BencodeValue>).keys()], ['b', 'a']);
  });

  it('returns large integers as bigint', () => {
    assert.deepEqual(dec('i9223372036854775807e'), { ok: true, value: 9223372036854775807n });
    assert.deepEqual(dec('i-9007199254740991e'), { ok: true, value: -9007199254740991 });
  });

  const bad: Array<[string, string]> = [
    ['', 'truncated'],
    ['i', 'truncated'],
    ['i12', 'truncated'],
    ['ie', 'bad-integer'],
    ['i-e', 'bad-integer'],
    ['i03e', 'bad-integer'],
    ['i-0e', 'bad-integer'],
    ['i1.5e', 'bad-integer'],
    ['i123456789012345678901e', 'bad-integer'],
    ['5:abc', 'truncated'],
    ['05:abcde', 'bad-length'],
    ['3abc', 'syntax'],
    ['12345678901:x', 'bad-length'],
    ['l', 'truncated'],
    ['l4:spam', 'truncated'],
    ['d', 'truncated'],
    ['d3:cow', 'truncated'],
    ['di1e3:mooe', 'syntax'],
    ['d1:ai1e1:ai2ee', 'duplicate-key'],
    ['x', 'syntax'],
    ['i1ei2e', 'trailing-data'],
    ['4:spamx', 'trailing-data'],
  ];
  for (const [input, code] of bad) {
    it(`rejects ${JSON.stringify(input)} as ${code}`, () => {
      const r = dec(input);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, code);
    });
  }

  it('caps nesting depth and item count', () => {
    const deep = 'l'.repeat(40) + 'e'.repeat(40);
    const r1 = dec(deep);
    assert.equal(r1.ok, false);
    if (!r1.ok) assert.equal(r1.error.code, 'too-deep');
    assert.equal(decodeBencode(b('l'.repeat(5) + 'e'.repeat(5)), { maxDepth: 5 }).ok, true);
    assert.equal(decodeBencode(b('l'.repeat(6) + 'e'.repeat(6)), { maxDepth: 5 }).ok, false);
    const many = 'l' + 'i1e'.repeat(11) + 'e';
    const r2 = decodeBencode(b(many), { maxItems: 10 });
    assert.equal(r2.ok, false);
    if (!r2.ok) assert.equal(r2.error.code, 'too-many-items');
    assert.equal(decodeBencode(b('l' + 'i1e'.repeat(10) + 'e'), { maxItems: 10 }).ok, true);
  });

  it('decodes a prefix and reports where it ended', () => {
    const r = decodeBencodePrefix(b('xx4:spamrest'), 2);
    assert.ok(r.ok);
    assert.deepEqual(r.value, { value: b('spam'), end: 8 });
  });
});

describe('bencode encode', () => {
  it('sorts dictionary keys as raw bytes and skips undefined entries', () => {
    const out = encodeBencode({ zeta: 1, Alpha: 2, alpha: 'x', gone: undefined, list: ['a', 5, []] });
    assert.equal(out.toString(), 'd5:Alphai2e5:alpha1:x4:listl1:ai5elee4:zetai1ee');
  });

  it('writes JS strings as UTF-8 and Buffers verbatim, after an optional prefix', () => {
    assert.equal(encodeBencode('é').toString('latin1'), '2:\xc3\xa9');
    assert.deepEqual(encodeBencode(Buffer.from([0xe9])), Buffer.from([0x31, 0x3a, 0xe9]));
    assert.equal(encodeBencode(new Map([['k', 7n]]), b('cookie ')).toString(), 'cookie d1:ki7ee');
  });

  it('throws (a caller bug) on non-integer numbers', () => {
    assert.throws(() => encodeBencode(1.5), RangeError);
    assert.throws(() => encodeBencode({ x: Number.NaN }), RangeError);
  });

  it('encodes and decodes a large list (buffer growth)', () => {
    const big = Array.from({ length: 5000 }, (_, i) => ({ i, s: 'x'.repeat(i % 50) }));
    const out = encodeBencode(big);
    const back = decodeBencode(out, { maxItems: 100000 });
    assert.ok(back.ok);
    assert.equal((back.value as BencodeValue[]).length, 5000);
  });
});

// --- properties ---------------------------------------------------------------------------------

/** Generated decoded-shape values (Maps with latin1 keys, Buffers, safe integers and bigints). */
const valueArb: fc.Arbitrary<BencodeValue> = fc.letrec<{ v: BencodeValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((n) => n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)),
    fc.array(tie('v'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 8 }), tie('v')), {
        maxLength: 5,
        selector: (e) => e[0],
      })
      .map((entries) => new Map(entries)),
  ),
})).v;

describe('bencode properties', () => {
  it('decode(encode(v)) equals v, and re-encoding is byte-identical', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        const bytes = encodeBencode(v);
        const back = decodeBencode(bytes);
        assert.ok(back.ok, back.ok ? '' : back.error.message);
        assert.deepEqual(back.value, v);
        assert.deepEqual(encodeBencode(back.value), bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (u) => {
        const r = decodeBencode(Buffer.from(u));
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on mutated valid encodings', () => {
    fc.assert(
      fc.property(valueArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (v, edits, cut) => {
        const bytes = Buffer.from(encodeBencode(v));
        for (const [at, byte] of edits) if (bytes.length > 0) bytes[at % bytes.length] = byte;
        const r = decodeBencode(bytes.subarray(0, bytes.length === 0 ? 0 : cut % (bytes.length + 1)));
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 500 },
    );
  });
});
