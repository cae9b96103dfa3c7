/**
 * The SIP message model (RFC 3261 §7). Header fields are kept in wire order as
 * `HeaderField`s; typed views (Via, From, To, CSeq, …) are parsed on first use and cached
 * until that header is changed, so a proxy pays only for the headers it reads.
 */
import { type CSeq, isValidCallId, parseContentLength, parseCSeq, parseMaxForwards } from './cseq.js';
import { HeaderField } from './header-field.js';
import { joinHeaderLines, splitHeaderLines } from './header-lines.js';
import { canonicalName, headerKey, isListHeader } from './header-names.js';
import { splitList } from './lexer.js';
import { type NameAddr, parseNameAddr } from './name-addr.js';
import type { Uri } from './uri.js';
import { Via, parseVia } from './via.js';

export type HeaderValue = string | number | { toString(): string };

abstract class SipMessageBase {
  version = 'SIP/2.0';
  body: Buffer;
  /** The header fields in wire order; undefined while packed (compact). */
  private h: HeaderField[] | undefined;
  /** compact()'s packed form: every field line joined with CRLF, as serialize writes them. */
  private packed: string | undefined = undefined;
  /**
   * Typed views, by header key (undefined = not computed yet). Plain fields rather than a Map:
   * parse() primes all of them for every message, so this is on the hot path.
   */
  private cVia: unknown = undefined;
  private cFrom: unknown = undefined;
  private cTo: unknown = undefined;
  private cCallId: unknown = undefined;
  private cCSeq: unknown = undefined;
  private cMaxForwards: unknown = undefined;
  private cContentLength: unknown = undefined;

  constructor(headers: HeaderField[] = [], body: Buffer = EMPTY) {
    this.h = headers;
    this.body = body;
  }

  /** The header fields, in wire order (unpacked again on first use after compact()). */
  get headers(): HeaderField[] {
    if (this.h !== undefined) return this.h;
    this.h = splitHeaderLines(this.packed as string);
    this.packed = undefined;
    return this.h;
  }

  /**
   * The packed header lines (CRLF between them, none after; at least a Content-Length line),
   * while compact(); else undefined.
   */
  get packedHeaderLines(): string | undefined {
    return this.h === undefined ? this.packed : undefined;
  }

  /** Value of the first field with this name (any case, compact or long form). */
  header(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.headers) if (f.key === key) return f.value;
    return undefined;
  }

  hasHeader(name: string): boolean {
    return this.header(name) !== undefined;
  }

  /** Every field with this name, in order. */
  fields(name: string): HeaderField[] {
    const key = headerKey(name);
    return this.headers.filter((f) => f.key === key);
  }

  /**
   * Every value of this header in order: list headers (§7.3.1) are split at top-level commas
   * across all their fields; other headers give one value per field. Undefined when a list
   * header has an unterminated quote or unbalanced brackets.
   */
  headerValues(name: string): string[] | undefined {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.headers) {
      if (f.key !== key) continue;
      if (!isListHeader(key)) {
        out.push(f.value);
        continue;
      }
      const parts = splitList(f.value);
      if (parts === undefined) return undefined;
      for (const p of parts) out.push(p);
    }
    return out;
  }

  /** Replaces every field of this name with one field (at the first one's position, else last). */
  setHeader(name: string, value: HeaderValue): this {
    const key = headerKey(name);
    const field = new HeaderField(displayName(name, key), key, String(value));
    const at = this.headers.findIndex((f) => f.key === key);
    this.removeHeader(key);
    if (at < 0) this.headers.push(field);
    else this.headers.splice(at, 0, field);
    this.primeCache(key, value);
    return this;
  }

  /** Adds a field: `first` puts it above every field of the same name (e.g. a new Via). */
  addHeader(name: string, value: HeaderValue, position: 'first' | 'last' = 'last'): this {
    const key = headerKey(name);
    const field = new HeaderField(displayName(name, key), key, String(value));
    // A proxy's own Via on top of a parsed list: keep the typed list instead of parsing
    // every Via again on the next read (transaction matching reads it for each message).
    const vias = this.cVia as readonly Via[] | undefined;
    if (key === 'via' && position === 'first' && value instanceof Via && vias !== undefined) this.cVia = [value, ...vias];
    else this.forget(key);
    if (position === 'first') {
      const at = this.headers.findIndex((f) => f.key === key);
      this.headers.splice(at < 0 ? this.headers.length : at, 0, field);
    } else {
      this.headers.push(field);
    }
    return this;
  }

  removeHeader(name: string): this {
    const key = headerKey(name);
    for (let i = this.headers.length - 1; i >= 0; i--) if (this.headers[i].key === key) this.headers.splice(i, 1);
    this.forget(key);
    return this;
  }

  /**
   * Removes the first value of a list header (the top Via, the first Route), splitting a
   * field that holds several values. Returns the removed value text, or undefined.
   */
  removeFirstValue(name: string): string | undefined {
    const key = headerKey(name);
    const at = this.headers.findIndex((f) => f.key === key);
    if (at < 0) return undefined;
    const field = this.headers[at];
    // Without a comma the field holds one value (a comma inside quotes is still a comma).
    const parts = field.value.includes(',') ? splitList(field.value) : [field.value];
    // The first value goes: so does the first typed Via, the others stay valid.
    const vias = this.cVia as readonly Via[] | undefined;
    if (key === 'via' && vias !== undefined && parts !== undefined) this.cVia = vias.slice(1);
    else this.forget(key);
    if (parts === undefined || parts.length <= 1) {
      this.headers.splice(at, 1);
      return field.value;
    }
    this.headers[at] = new HeaderField(field.name, key, parts.slice(1).join(', '));
    return parts[0];
  }

  /** Replaces the body and keeps Content-Length (and Content-Type, if given) in step. */
  setBody(body: Buffer | string, contentType?: string): this {
    this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (contentType !== undefined) this.setHeader('content-type', contentType);
    else if (this.body.length === 0) this.removeHeader('content-type');
    this.setHeader('content-length', this.body.length);
    return this;
  }

  // --- typed views of the headers checked at parse time (always valid on a parsed message) ---

  /** All Via values, topmost first. */
  get vias(): readonly Via[] {
    // The cached view first: typed() takes a closure, and these getters run many times per message.
    if (this.cVia !== undefined) return this.cVia as readonly Via[];
    return this.typed('via', () => {
      const values = this.headerValues('via');
      if (values === undefined) return undefined;
      const out: Via[] = [];
      for (const v of values) {
        const via = parseVia(v);
        if (via === undefined) return undefined;
        out.push(via);
      }
      return out;
    });
  }

  get topVia(): Via {
    const v = this.vias[0];
    if (v === undefined) throw new Error('message has no Via');
    return v;
  }

  get from(): NameAddr {
    if (this.cFrom !== undefined) return this.cFrom as NameAddr;
    return this.typed('from', () => parseOne(this.header('from'), parseNameAddr));
  }

  get to(): NameAddr {
    if (this.cTo !== undefined) return this.cTo as NameAddr;
    return this.typed('to', () => parseOne(this.header('to'), parseNameAddr));
  }

  get callId(): string {
    if (this.cCallId !== undefined) return this.cCallId as string;
    return this.typed('call-id', () => {
      const v = this.header('call-id');
      return v !== undefined && isValidCallId(v) ? v : undefined;
    });
  }

  get cseq(): CSeq {
    if (this.cCSeq !== undefined) return this.cCSeq as CSeq;
    return this.typed('cseq', () => parseOne(this.header('cseq'), parseCSeq));
  }

  /** Undefined when absent (RFC 2543 peers omit it; a proxy then assumes 70). */
  get maxForwards(): number | undefined {
    // Cached only while the field is there (removing or setting it drops the view).
    if (this.cMaxForwards !== undefined) return this.cMaxForwards as number;
    const v = this.header('max-forwards');
    if (v === undefined) return undefined;
    return this.typed('max-forwards', () => parseMaxForwards(v));
  }

  get contentLength(): number | undefined {
    if (this.cContentLength !== undefined) return this.cContentLength as number;
    const v = this.header('content-length');
    if (v === undefined) return undefined;
    return this.typed('content-length', () => parseContentLength(v));
  }

  /** Reads a typed view, caching it. A failure here is a bug: parse() validated these. */
  private typed<T>(key: string, compute: () => T | undefined): T {
    const cached = this.cached(key);
    if (cached !== undefined) return cached as T;
    const v = compute();
    if (v === undefined) throw new Error(`invalid or missing ${key} header on a validated message`);
    this.prime(key, v);
    return v;
  }

  private cached(key: string): unknown {
    switch (key) {
      case 'via':
        return this.cVia;
      case 'from':
        return this.cFrom;
      case 'to':
        return this.cTo;
      case 'call-id':
        return this.cCallId;
      case 'cseq':
        return this.cCSeq;
      case 'max-forwards':
        return this.cMaxForwards;
      case 'content-length':
        return this.cContentLength;
      default:
        return undefined;
    }
  }

  /**
   * Parse-time hook: store a typed view computed while validating. Only the keys with a typed
   * accessor (via, from, to, call-id, cseq, max-forwards, content-length) are kept.
   */
  prime(key: string, value: unknown): void {
    switch (key) {
      case 'via':
        this.cVia = value;
        break;
      case 'from':
        this.cFrom = value;
        break;
      case 'to':
        this.cTo = value;
        break;
      case 'call-id':
        this.cCallId = value;
        break;
      case 'cseq':
        this.cCSeq = value;
        break;
      case 'max-forwards':
        this.cMaxForwards = value;
        break;
      case 'content-length':
        this.cContentLength = value;
        break;
      default:
        break;
    }
  }

  /**
   * Takes `source`'s typed views, those it has computed (none is parsed here): for a copy with
   * the same header fields. The views are immutable; the copy's own changes drop them.
   */
  adoptViews(source: SipMessageBase): this {
    this.cVia = source.cVia;
    this.cFrom = source.cFrom;
    this.cTo = source.cTo;
    this.cCallId = source.cCallId;
    this.cCSeq = source.cCSeq;
    this.cMaxForwards = source.cMaxForwards;
    this.cContentLength = source.cContentLength;
    return this;
  }

  private forget(key: string): void {
    this.prime(key, undefined);
  }

  /**
   * For a message kept while nothing reads it (a transaction's wait for retransmissions,
   * Timers D, J, L, M): drops the typed views (Via, From, To, CSeq, …) and packs the header
   * fields into one string, the lines serialize() writes (with the Content-Length it would
   * add). Both come back on first use. Kept whole, such a message is some twenty objects that
   * the young generation copies and then promotes, at every call, for the whole wait.
   */
  compact(): this {
    this.cVia = this.cFrom = this.cTo = this.cCallId = this.cCSeq = this.cMaxForwards = this.cContentLength = undefined;
    // A body read off the wire or written by code is a slice of one of Node's shared 8 KiB
    // pool slabs: kept, it would pin the whole slab (at 800 calls/s and 64·T1 waits, 79 MB).
    const body = this.body;
    if (body.length > 0 && body.byteLength < body.buffer.byteLength) {
      this.body = Buffer.allocUnsafeSlow(body.length);
      body.copy(this.body);
    }
    const fields = this.h;
    if (fields === undefined) return this;
    // One flat string (join), not a rope of two: the Content-Length goes in as a line.
    this.packed = fields.some((f) => f.key === 'content-length')
      ? joinHeaderLines(fields)
      : joinHeaderLines([...fields, new HeaderField('Content-Length', 'content-length', String(this.body.length))]);
    this.h = undefined;
    return this;
  }

  private primeCache(key: string, value: HeaderValue): void {
    this.forget(key);
    if (typeof value === 'object' && key !== 'via') this.prime(key, value);
    if (typeof value === 'object' && key === 'via') this.prime(key, [value]);
  }
}

function parseOne<T>(value: string | undefined, parse: (v: string) => T | undefined): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function displayName(name: string, key: string): string {
  return name === key || name.length === 1 ? canonicalName(key) : name;
}

const EMPTY = Buffer.alloc(0);

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;

  constructor(
    public method: string,
    public uri: Uri,
    headers?: HeaderField[],
    body?: Buffer,
  ) {
    super(headers, body);
  }

  startLine(): string {
    return `${this.method} ${this.uri.toString()} ${this.version}`;
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;

  constructor(
    public status: number,
    public reason: string,
    headers?: HeaderField[],
    body?: Buffer,
  ) {
    super(headers, body);
  }

  startLine(): string {
    return `${this.version} ${this.status} ${this.reason}`;
  }
}

export type SipMessage = SipRequest | SipResponse;
