/**
 * SIP, SIPS and TEL URIs (RFC 3261 §19.1, §25.1; RFC 3966; IPv6 references RFC 5118), and an
 * opaque absolute URI for every other scheme. Components are stored exactly as written
 * (still %-escaped), so `toString()` reproduces the input; `unescape()` decodes a component
 * once, never recursively (RFC 4475 §3.1.1.3).
 */
import { isIPv6 } from 'node:net';
import { type Param, formatParams, getParam } from './lexer.js';

export interface UriHeader {
  readonly name: string;
  readonly value: string;
}

export interface SipUriParts {
  scheme: 'sip' | 'sips';
  user?: string | undefined;
  password?: string | undefined;
  host: string;
  port?: number | undefined;
  params?: readonly Param[];
  headers?: readonly UriHeader[];
}

/** Shared by URIs without parameters or headers (the arrays are readonly). */
const NONE: readonly never[] = Object.freeze([]);

export class SipUri {
  readonly kind = 'sip' as const;
  readonly scheme: 'sip' | 'sips';
  /** User part as written (still escaped); undefined when there is no userinfo. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Host as written; IPv6 references keep their brackets. */
  readonly host: string;
  readonly port: number | undefined;
  readonly params: readonly Param[];
  readonly headers: readonly UriHeader[];
  private readonly raw: string;

  constructor(parts: SipUriParts, raw?: string) {
    this.scheme = parts.scheme;
    this.user = parts.user;
    this.password = parts.password;
    this.host = parts.host;
    this.port = parts.port;
    this.params = parts.params ?? NONE;
    this.headers = parts.headers ?? NONE;
    this.raw = raw ?? formatSipUri(this);
  }

  /** A copy with some parts replaced; the copy is written canonically. */
  with(changes: Partial<SipUriParts>): SipUri {
    return new SipUri({ ...this.parts(), ...changes });
  }

  parts(): SipUriParts {
    return {
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      port: this.port,
      params: this.params,
      headers: this.headers,
    };
  }

  param(name: string): string | null | undefined {
    return getParam(this.params, name);
  }

  /** Host without IPv6 brackets, lower-cased: what sockets and comparisons use. */
  get hostname(): string {
    const h = this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
    return h.toLowerCase();
  }

  /** The `transport` URI parameter, lower-cased, if present. */
  get transport(): string | undefined {
    const t = this.param('transport');
    return t === null || t === undefined ? undefined : t.toLowerCase();
  }

  get lr(): boolean {
    return this.param('lr') !== undefined;
  }

  toString(): string {
    return this.raw;
  }
}

export class TelUri {
  readonly kind = 'tel' as const;
  readonly scheme = 'tel' as const;
  constructor(
    readonly number: string,
    readonly params: readonly Param[],
    private readonly raw: string,
  ) {}

  toString(): string {
    return this.raw;
  }
}

/** Any other absoluteURI (RFC 3261 §25.1): kept opaque, compared byte-wise. */
export class AbsoluteUri {
  readonly kind = 'absolute' as const;
  constructor(
    readonly scheme: string,
    private readonly raw: string,
  ) {}

  toString(): string {
    return this.raw;
  }
}

export type Uri = SipUri | TelUri | AbsoluteUri;

function formatSipUri(u: SipUri): string {
  let s = u.scheme + ':';
  if (u.user !== undefined) {
    s += u.user;
    if (u.password !== undefined) s += ':' + u.password;
    s += '@';
  }
  s += u.host;
  if (u.port !== undefined) s += ':' + u.port;
  s += formatParams(u.params);
  if (u.headers.length > 0) s += '?' + u.headers.map((h) => `${h.name}=${h.value}`).join('&');
  return s;
}

// Character classes of RFC 3261 §25.1 (ASCII only; anything ≥ 0x80 must be %-escaped in a URI).
const UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()";
const USER_CHARS = charset(UNRESERVED + '&=+$,;?/');
const PASSWORD_CHARS = charset(UNRESERVED + '&=+$,');
const PARAM_CHARS = charset(UNRESERVED + '[]/:&+$');
const HEADER_CHARS = charset(UNRESERVED + '[]/?:+$');
const HOST_CHARS = charset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._');
const SCHEME_CHARS = charset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.');
const TEL_CHARS = charset(UNRESERVED + '&=+$,;?/:[]');

function charset(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** True when every char of s[from, to) is in `set` or part of a valid `%HH` escape. */
function allIn(s: string, from: number, to: number, set: Uint8Array): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= to) return false;
      if (!isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return false;
      i += 2;
      continue;
    }
    if (c >= 128 || set[c] !== 1) return false;
  }
  return true;
}

/** Decodes `%HH` escapes once (never recursively); other chars are kept. */
export function unescape(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/**
 * RFC 3261 §25.1 hostname / IPv4address / IPv6reference (RFC 5118). One pass over the text;
 * the IPv4/IPv6 checks only run on strings short enough to be addresses.
 */
export function isValidHost(host: string): boolean {
  const n = host.length;
  if (n === 0 || n > 255) return false;
  if (host.charCodeAt(0) === 0x5b) {
    // RFC 5118 §4.10: the IPv6reference must hold a valid IPv6address — hex digits, ':' and
    // an optional dotted IPv4 tail only (no zone index, no brackets inside).
    if (n > 47 || host.charCodeAt(n - 1) !== 0x5d) return false;
    for (let i = 1; i < n - 1; i++) {
      const c = host.charCodeAt(i);
      if (!(isHex(c) || c === 0x3a || c === 0x2e)) return false;
    }
    return isIPv6(host.slice(1, -1));
  }
  let digitsAndDots = true;
  let prev = 0x2e; // as if preceded by '.', so a leading '.' is caught as '..'
  for (let i = 0; i < n; i++) {
    const c = host.charCodeAt(i);
    if (c >= 128 || HOST_CHARS[c] !== 1) return false;
    if (c === 0x2e && prev === 0x2e) return false;
    if (!(c === 0x2e || (c >= 0x30 && c <= 0x39))) digitsAndDots = false;
    prev = c;
  }
  if (host.charCodeAt(0) === 0x2d) return false;
  // A dotted quad must be a valid IPv4 address, not a hostname made of digits.
  if (digitsAndDots && host.charCodeAt(n - 1) !== 0x2e) return isDottedQuad(host);
  return true;
}

/** IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each ≤ 255 (no leading zeros, as node:net). */
function isDottedQuad(s: string): boolean {
  let parts = 0;
  let i = 0;
  while (i <= s.length) {
    let n = 0;
    const start = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) {
      n = n * 10 + s.charCodeAt(i) - 0x30;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 3 || n > 255 || (len > 1 && s.charCodeAt(start) === 0x30)) return false;
    parts++;
    if (i === s.length) break;
    if (s.charCodeAt(i) !== 0x2e) return false;
    i++;
  }
  return parts === 4;
}

/**
 * Parses a URI. `s` must be the URI alone (no surrounding `<>`, no header parameters).
 * Returns undefined when it is not a valid URI.
 */
export function parseUri(s: string): Uri | undefined {
  // Fast path for the common lower-case schemes.
  if (s.startsWith('sip:')) return parseSipUri(s, 'sip', 4);
  if (s.startsWith('sips:')) return parseSipUri(s, 'sips', 5);
  const colon = s.indexOf(':');
  if (colon <= 0) return undefined;
  const first = s.charCodeAt(0) | 0x20;
  if (!allIn(s, 0, colon, SCHEME_CHARS) || first < 0x61 || first > 0x7a) return undefined;
  const scheme = s.slice(0, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(s, scheme, colon + 1);
  if (scheme === 'tel') return parseTelUri(s, colon + 1);
  // absoluteURI: anything printable without whitespace, at least one char after the colon.
  if (colon + 1 >= s.length) return undefined;
  for (let i = colon + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return undefined;
  }
  return new AbsoluteUri(scheme, s);
}

function parseSipUri(s: string, scheme: 'sip' | 'sips', start: number): SipUri | undefined {
  let user: string | undefined;
  let password: string | undefined;
  let i = start;
  const at = s.indexOf('@', start);
  if (at >= 0) {
    const pwColon = s.indexOf(':', start);
    const userEnd = pwColon >= 0 && pwColon < at ? pwColon : at;
    if (userEnd === start || !allIn(s, start, userEnd, USER_CHARS)) return undefined;
    user = s.slice(start, userEnd);
    if (userEnd < at) {
      if (!allIn(s, userEnd + 1, at, PASSWORD_CHARS)) return undefined;
      password = s.slice(userEnd + 1, at);
    }
    i = at + 1;
  }

  // host
  let hostEnd: number;
  if (s.charCodeAt(i) === 0x5b) {
    hostEnd = s.indexOf(']', i);
    if (hostEnd < 0) return undefined;
    hostEnd++;
  } else {
    hostEnd = i;
    while (hostEnd < s.length) {
      const c = s.charCodeAt(hostEnd);
      if (c === 0x3a || c === 0x3b || c === 0x3f) break;
      hostEnd++;
    }
  }
  const host = s.slice(i, hostEnd);
  if (!isValidHost(host)) return undefined;
  i = hostEnd;

  // port
  let port: number | undefined;
  if (s.charCodeAt(i) === 0x3a) {
    const portStart = i + 1;
    i = portStart;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === portStart || i - portStart > 5) return undefined;
    port = Number(s.slice(portStart, i));
    if (port > 65535) return undefined;
  }

  // uri-parameters
  let params: Param[] | undefined;
  while (i < s.length && s.charCodeAt(i) === 0x3b) {
    // One scan per parameter, bounded by the next ';' or '?' (linear in the URI length).
    let end = i + 1;
    let nameEnd = -1;
    while (end < s.length) {
      const c = s.charCodeAt(end);
      if (c === 0x3b || c === 0x3f) break;
      if (c === 0x3d && nameEnd < 0) nameEnd = end;
      end++;
    }
    if (nameEnd < 0) nameEnd = end;
    if (nameEnd === i + 1 || !allIn(s, i + 1, nameEnd, PARAM_CHARS)) return undefined;
    let value: string | null = null;
    if (nameEnd < end) {
      if (nameEnd + 1 === end || !allIn(s, nameEnd + 1, end, PARAM_CHARS)) return undefined;
      value = s.slice(nameEnd + 1, end);
    }
    (params ??= []).push({ name: s.slice(i + 1, nameEnd), value });
    i = end;
  }

  // headers
  let headers: UriHeader[] | undefined;
  if (i < s.length) {
    headers = [];
    if (s.charCodeAt(i) !== 0x3f) return undefined;
    for (const part of s.slice(i + 1).split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return undefined;
      if (!allIn(part, 0, eq, HEADER_CHARS) || !allIn(part, eq + 1, part.length, HEADER_CHARS)) return undefined;
      headers.push({ name: part.slice(0, eq), value: part.slice(eq + 1) });
    }
  }
  return new SipUri({ scheme, user, password, host, port, params, headers }, s);
}

function parseTelUri(s: string, start: number): TelUri | undefined {
  const semi = s.indexOf(';', start);
  const numEnd = semi < 0 ? s.length : semi;
  if (numEnd === start || !allIn(s, start, s.length, TEL_CHARS)) return undefined;
  const params: Param[] = [];
  if (semi >= 0) {
    for (const part of s.slice(semi + 1).split(';')) {
      if (part.length === 0) return undefined;
      const eq = part.indexOf('=');
      params.push(eq < 0 ? { name: part, value: null } : { name: part.slice(0, eq), value: part.slice(eq + 1) });
    }
  }
  return new TelUri(s.slice(start, numEnd), params, s);
}

/**
 * RFC 3261 §19.1.4 URI comparison for SIP/SIPS URIs: scheme, user (case-sensitive after
 * unescaping), password, host (case-insensitive), port (absent ≠ 5060), the parameters
 * user/ttl/method/maddr/transport when present in either, other parameters only when present
 * in both, and headers. Other URI kinds compare by scheme-insensitive text.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind !== 'sip' || b.kind !== 'sip') {
    return a.kind === b.kind && a.toString().toLowerCase() === b.toString().toLowerCase();
  }
  if (a.scheme !== b.scheme) return false;
  if (unescape(a.user ?? '') !== unescape(b.user ?? '') || (a.user === undefined) !== (b.user === undefined)) return false;
  if (unescape(a.password ?? '') !== unescape(b.password ?? '')) return false;
  if (unescape(a.hostname) !== unescape(b.hostname) || a.port !== b.port) return false;
  for (const name of ['user', 'ttl', 'method', 'maddr', 'transport']) {
    const av = a.param(name);
    const bv = b.param(name);
    if ((av === undefined) !== (bv === undefined)) return false;
    if (av !== undefined && unescape((av ?? '').toLowerCase()) !== unescape((bv ?? '').toLowerCase())) return false;
  }
  for (const p of a.params) {
    const bv = b.param(p.name);
    if (bv !== undefined && unescape((p.value ?? '').toLowerCase()) !== unescape((bv ?? '').toLowerCase())) return false;
  }
  if (a.headers.length !== b.headers.length) return false;
  if (a.headers.length === 0) return true;
  // Indexed by name, so many URI headers stay linear.
  const others = new Map<string, string>();
  for (const x of b.headers) {
    const key = unescape(x.name).toLowerCase();
    if (!others.has(key)) others.set(key, unescape(x.value));
  }
  for (const h of a.headers) {
    const other = others.get(unescape(h.name).toLowerCase());
    if (other === undefined || other !== unescape(h.value)) return false;
  }
  return true;
}
