/**
 * Parsing of `Digest` credentials and challenges (RFC 3261 §25.1 `credentials` /
 * `challenge`, RFC 7616 §3.3–§3.4, RFC 7235 §2.1 auth-param): a scheme token, then
 * comma-separated `name = (token / quoted-string)` pairs. Names are case-insensitive; quoted
 * values are returned with their quoted-pairs resolved.
 */
import { quote, unquote } from '../sip/message/index.js';

/** RFC 3261 §25.1 token characters. */
const TOKEN = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') TOKEN[c.charCodeAt(0)] = 1;

export interface AuthParams {
  /** The scheme as written (compare case-insensitively). */
  readonly scheme: string;
  /** Parameter values by lower-case name. */
  readonly params: ReadonlyMap<string, string>;
}

export type ParseAuthResult = { ok: true; value: AuthParams } | { ok: false; error: string };

function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

/** Index just after the closing quote of the quoted-string at `s[i]`, or -1 (RFC 3261 §25.1 quoted-pair aware). */
function scanQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

function isLws(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function skipLws(s: string, i: number): number {
  while (i < s.length && isLws(s.charCodeAt(i))) i++;
  return i;
}

/**
 * An unquoted value: RFC 7616 values like `algorithm`, `qop`, `nc` are tokens; some clients
 * also leave URIs unquoted, so any visible char except `,` and `"` is taken.
 */
function isBareValueChar(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x2c && c !== 0x22;
}

/** Parses `Scheme name=value, name="value", …`. At most 64 parameters; none may repeat. */
export function parseAuthHeader(value: string): ParseAuthResult {
  let i = skipLws(value, 0);
  const schemeStart = i;
  while (i < value.length && isTokenChar(value.charCodeAt(i))) i++;
  if (i === schemeStart) return { ok: false, error: 'missing authentication scheme' };
  const scheme = value.slice(schemeStart, i);
  const params = new Map<string, string>();
  if (i < value.length && !isLws(value.charCodeAt(i))) return { ok: false, error: `bad character after scheme "${scheme}"` };
  i = skipLws(value, i);
  while (i < value.length) {
    // RFC 7230 §7 #rule: empty list elements are tolerated.
    if (value.charCodeAt(i) === 0x2c) {
      i = skipLws(value, i + 1);
      continue;
    }
    const nameStart = i;
    while (i < value.length && isTokenChar(value.charCodeAt(i))) i++;
    if (i === nameStart) return { ok: false, error: `bad character "${value[i]}" at offset ${i}` };
    const name = value.slice(nameStart, i).toLowerCase();
    i = skipLws(value, i);
    if (value.charCodeAt(i) !== 0x3d) return { ok: false, error: `parameter "${name}" has no value` };
    i = skipLws(value, i + 1);
    let v: string;
    if (value.charCodeAt(i) === 0x22) {
      const end = scanQuoted(value, i);
      if (end < 0) return { ok: false, error: `unterminated quoted value of "${name}"` };
      v = unquote(value.slice(i, end));
      i = end;
    } else {
      const start = i;
      while (i < value.length && isBareValueChar(value.charCodeAt(i))) i++;
      if (i === start) return { ok: false, error: `parameter "${name}" has an empty value` };
      v = value.slice(start, i);
    }
    // RFC 7616 §3.4: each parameter appears at most once.
    if (params.has(name)) return { ok: false, error: `parameter "${name}" appears twice` };
    if (params.size >= 64) return { ok: false, error: 'too many parameters' };
    params.set(name, v);
    i = skipLws(value, i);
    if (i < value.length) {
      if (value.charCodeAt(i) !== 0x2c) return { ok: false, error: `expected "," after parameter "${name}"` };
      i = skipLws(value, i + 1);
    }
  }
  return { ok: true, value: { scheme, params } };
}

/** A quoted-string for a challenge or credentials parameter (escapes `"` and `\`). */
export const quoteValue: (s: string) => string = quote;
