/**
 * Bencode (the encoding of rtpengine's "ng" control protocol, after BitTorrent BEP 3):
 *   byte string  `<length>:<bytes>`      integer `i<digits>e`
 *   list         `l<items>e`             dictionary `d<key><value>...e` (keys are byte strings)
 *
 * Decoded values keep byte strings as raw `Buffer`s (views into the input, no copy); the
 * protocol layer decides which of them are text. Dictionary keys are decoded as latin1
 * ("binary") strings, so every key byte maps to one char and re-encodes byte-exactly.
 * The decoder never throws on input: it returns a typed error, and it caps nesting depth,
 * item count and integer size. The encoder writes into one growing buffer (no quadratic
 * concatenation) and sorts dictionary keys by their raw bytes, as BEP 3 requires ("Keys must
 * be strings and appear in sorted order (sorted as raw strings, not alphanumerics)").
 */
import { type Result, ok, err } from '../lib/index.js';

/** A decoded value. Integers beyond ±2^53 come back as `bigint`. */
export type BencodeValue = Buffer | number | bigint | BencodeValue[] | BencodeDict;
export type BencodeDict = Map<string, BencodeValue>;

/** What the encoder accepts: JS strings are written as UTF-8; `undefined` dict entries are skipped. */
export type BencodeInput =
  | Uint8Array
  | string
  | number
  | bigint
  | readonly BencodeInput[]
  | ReadonlyMap<string, BencodeInput | undefined>
  | { readonly [key: string]: BencodeInput | undefined };

export interface BencodeLimits {
  /** Deepest list/dictionary nesting accepted (default 32). */
  readonly maxDepth?: number;
  /** Total list elements plus dictionary entries accepted (default 65536). */
  readonly maxItems?: number;
  /** Longest integer accepted, in characters including a sign (default 20: any int64). */
  readonly maxIntegerChars?: number;
}

export type BencodeErrorCode = 'truncated' | 'syntax' | 'too-deep' | 'too-many-items' | 'bad-integer' | 'bad-length' | 'duplicate-key' | 'trailing-data';

export interface BencodeError {
  readonly code: BencodeErrorCode;
  readonly message: string;
  /** Byte offset where decoding failed. */
  readonly offset: number;
}

const DEFAULT_MAX_DEPTH = 32;
const DEFAULT_MAX_ITEMS = 65536;
const DEFAULT_MAX_INTEGER_CHARS = 20;
/** Longest string length prefix: 10 digits covers every Buffer we could be handed. */
const MAX_LENGTH_DIGITS = 10;

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;
const CH_D = 0x64;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_L = 0x6c;

/** Decodes exactly one value filling all of `input`. */
export function decodeBencode(input: Buffer, limits: BencodeLimits = {}): Result<BencodeValue, BencodeError> {
  const r = decodeBencodePrefix(input, 0, limits);
  if (!r.ok) return r;
  if (r.value.end !== input.length) {
    return err({ code: 'trailing-data', message: 'data after the end of the value', offset: r.value.end });
  }
  return ok(r.value.value);
}

/** Decodes one value starting at `start`; `end` is the offset just after it. */
export function decodeBencodePrefix(
  input: Buffer,
  start: number,
  limits: BencodeLimits = {},
): Result<{ value: BencodeValue; end: number }, BencodeError> {
  const d = new Decoder(input, start, limits);
  const value = d.value(0);
  if (value === undefined) return err(d.error ?? { code: 'syntax', message: 'invalid bencode', offset: d.pos });
  return ok({ value, end: d.pos });
}

class Decoder {
  pos: number;
  error: BencodeError | undefined;
  private items = 0;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  private readonly maxIntChars: number;

  constructor(
    private readonly buf: Buffer,
    start: number,
    limits: BencodeLimits,
  ) {
    this.pos = start;
    this.maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxItems = limits.maxItems ?? DEFAULT_MAX_ITEMS;
    this.maxIntChars = limits.maxIntegerChars ?? DEFAULT_MAX_INTEGER_CHARS;
  }

  private fail(code: BencodeErrorCode, message: string, offset = this.pos): undefined {
    this.error = { code, message, offset };
    return undefined;
  }

  value(depth: number): BencodeValue | undefined {
    const buf = this.buf;
    if (this.pos >= buf.length) return this.fail('truncated', 'unexpected end of data');
    const c = buf[this.pos];
    if (c === CH_I) return this.integer();
    if (c >= CH_0 && c <= CH_9) return this.bytes();
    if (c === CH_L || c === CH_D) {
      if (depth >= this.maxDepth) return this.fail('too-deep', `nesting deeper than ${this.maxDepth}`);
      return c === CH_L ? this.list(depth + 1) : this.dict(depth + 1);
    }
    return this.fail('syntax', `unexpected byte 0x${c.toString(16).padStart(2, '0')}`);
  }

  private countItem(): boolean {
    if (++this.items > this.maxItems) {
      this.fail('too-many-items', `more than ${this.maxItems} items`);
      return false;
    }
    return true;
  }

  private list(depth: number): BencodeValue[] | undefined {
    const buf = this.buf;
    this.pos++; // 'l'
    const out: BencodeValue[] = [];
    for (;;) {
      if (this.pos >= buf.length) return this.fail('truncated', 'unterminated list');
      if (buf[this.pos] === CH_E) {
        this.pos++;
        return out;
      }
      if (!this.countItem()) return undefined;
      const v = this.value(depth);
      if (v === undefined) return undefined;
      out.push(v);
    }
  }

  private dict(depth: number): BencodeDict | undefined {
    const buf = this.buf;
    this.pos++; // 'd'
    const out: BencodeDict = new Map();
    for (;;) {
      if (this.pos >= buf.length) return this.fail('truncated', 'unterminated dictionary');
      const c = buf[this.pos];
      if (c === CH_E) {
        this.pos++;
        return out;
      }
      if (c < CH_0 || c > CH_9) return this.fail('syntax', 'dictionary key is not a byte string');
      if (!this.countItem()) return undefined;
      const keyAt = this.pos;
      const keyBytes = this.bytes();
      if (keyBytes === undefined) return undefined;
      const key = keyBytes.toString('latin1');
      if (out.has(key)) return this.fail('duplicate-key', `duplicate dictionary key '${key}'`, keyAt);
      const v = this.value(depth);
      if (v === undefined) return undefined;
      out.set(key, v);
    }
  }

  private bytes(): Buffer | undefined {
    const buf = this.buf;
    const start = this.pos;
    let len = 0;
    let i = start;
    while (i < buf.length && buf[i] >= CH_0 && buf[i] <= CH_9) {
      len = len * 10 + (buf[i] - CH_0);
      i++;
      if (i - start > MAX_LENGTH_DIGITS) return this.fail('bad-length', 'string length too long', start);
    }
    if (i >= buf.length) return this.fail('truncated', 'unterminated string length', start);
    if (buf[i] !== CH_COLON) return this.fail('syntax', "expected ':' after string length", i);
    if (buf[start] === CH_0 && i - start > 1) return this.fail('bad-length', 'string length has a leading zero', start);
    const from = i + 1;
    if (len > buf.length - from) return this.fail('truncated', `string of ${len} bytes runs past the end`, start);
    this.pos = from + len;
    return buf.subarray(from, from + len);
  }

  private integer(): number | bigint | undefined {
    const buf = this.buf;
    const start = this.pos + 1; // after 'i'
    const end = buf.indexOf(CH_E, start);
    if (end < 0) return this.fail('truncated', 'unterminated integer', this.pos);
    const len = end - start;
    if (len === 0) return this.fail('bad-integer', 'empty integer', this.pos);
    if (len > this.maxIntChars) return this.fail('bad-integer', `integer longer than ${this.maxIntChars} characters`, this.pos);
    const neg = buf[start] === CH_MINUS;
    const digitsAt = neg ? start + 1 : start;
    if (digitsAt === end) return this.fail('bad-integer', 'integer without digits', this.pos);
    for (let i = digitsAt; i < end; i++) {
      if (buf[i] < CH_0 || buf[i] > CH_9) return this.fail('bad-integer', 'integer contains a non-digit', i);
    }
    // BEP 3: "i-0e is invalid. All encodings with a leading zero, such as i03e, are invalid".
    if (buf[digitsAt] === CH_0 && (end - digitsAt > 1 || neg)) return this.fail('bad-integer', 'integer has a leading zero or is -0', this.pos);
    const text = buf.toString('latin1', start, end);
    this.pos = end + 1;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
}

/** Encodes a key or identifier: latin1 when every char fits a byte (byte-exact for decoded keys), else UTF-8. */
export function binaryStringBytes(s: string): Buffer {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) return Buffer.from(s, 'utf8');
  }
  return Buffer.from(s, 'latin1');
}

const MAX_ENCODE_DEPTH = 64;

/** Encodes a value; throws only on values that are not encodable (a bug in the caller). */
export function encodeBencode(value: BencodeInput, prefix?: Uint8Array): Buffer {
  const w = new Writer(prefix === undefined ? 256 : prefix.length + 256);
  if (prefix !== undefined) w.bytes(prefix);
  w.value(value, 0);
  return w.result();
}

class Writer {
  private buf: Buffer;
  private pos = 0;

  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  ascii(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byteString(b: Uint8Array): void {
    this.ascii(`${b.length}:`);
    this.bytes(b);
  }

  value(v: BencodeInput, depth: number): void {
    if (depth > MAX_ENCODE_DEPTH) throw new RangeError(`bencode: value nested deeper than ${MAX_ENCODE_DEPTH} (cycle?)`);
    if (typeof v === 'string') {
      const n = Buffer.byteLength(v, 'utf8');
      this.ascii(`${n}:`);
      this.ensure(n);
      this.pos += this.buf.write(v, this.pos, 'utf8');
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new RangeError(`bencode: ${v} is not a safe integer`);
      this.ascii(`i${v}e`);
    } else if (typeof v === 'bigint') {
      this.ascii(`i${v}e`);
    } else if (v instanceof Uint8Array) {
      this.byteString(v);
    } else if (Array.isArray(v)) {
      this.ascii('l');
      for (const item of v as readonly BencodeInput[]) this.value(item, depth + 1);
      this.ascii('e');
    } else {
      const entries = v instanceof Map ? [...(v as ReadonlyMap<string, BencodeInput | undefined>)] : Object.entries(v);
      const keyed: Array<[Buffer, BencodeInput]> = [];
      for (const [k, item] of entries) {
        if (item !== undefined) keyed.push([binaryStringBytes(k), item]);
      }
      keyed.sort((a, b) => Buffer.compare(a[0], b[0]));
      this.ascii('d');
      for (let i = 0; i < keyed.length; i++) {
        if (i > 0 && keyed[i - 1][0].equals(keyed[i][0])) throw new RangeError('bencode: two keys encode to the same bytes');
        this.byteString(keyed[i][0]);
        this.value(keyed[i][1], depth + 1);
      }
      this.ascii('e');
    }
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
