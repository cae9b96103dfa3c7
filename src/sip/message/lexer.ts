/**
 * Lexical helpers for RFC 3261 §25 grammar. Header values arrive here as "wire strings":
 * one char per octet (latin1), already unfolded, so every function is byte-exact and
 * linear in the input length.
 */

const TOKEN = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') {
  TOKEN[c.charCodeAt(0)] = 1;
}

/** RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWsp(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Removes LWS (SP, HT, CR, LF) from both ends. Not String.prototype.trim: on a wire string
 * that would also strip 0xA0 (NBSP in latin1), which is the last octet of many UTF-8
 * characters (e.g. "à" = C3 A0), and corrupt the value.
 */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isLwsChar(s.charCodeAt(a))) a++;
  while (b > a && isLwsChar(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isLwsChar(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Index of the first non-WSP char at or after `i`. */
export function skipWsp(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Parses 1*DIGIT into a number no larger than `max`; undefined for anything else.
 * Leading zeros are allowed (`0068` is 68, RFC 4475 §3.1.1.1). Digit strings too long to be
 * ≤ max are refused without converting them.
 */
export function parseBoundedInt(s: string, max: number): number | undefined {
  if (!isDigits(s)) return undefined;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 0x30) i++;
  if (s.length - i > 16) return undefined;
  const n = Number(s.slice(i));
  return n <= max ? n : undefined;
}

/**
 * Reads a quoted-string starting at `s[i] === '"'`. Returns the index just after the
 * closing quote, or -1 if the string is unterminated. RFC 3261 §25.1: a backslash quotes the
 * next octet (quoted-pair), so `\"` does not end the string.
 */
export function scanQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      j++;
      continue;
    }
    if (c === 0x22) return j + 1;
  }
  return -1;
}

/** The content of a quoted-string (without the quotes) with quoted-pairs resolved. */
export function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  return inner.replace(/\\([\s\S])/g, '$1');
}

/** Quotes a display name or parameter value for output, escaping `"` and `\`. */
export function quote(s: string): string {
  return '"' + s.replace(/(["\\])/g, '\\$1') + '"';
}

/**
 * Splits a list header value at commas that are outside quoted strings and angle brackets
 * (RFC 3261 §7.3.1). Returns undefined for an unterminated quote or unbalanced brackets.
 * Elements are trimmed; empty elements are kept as '' so the caller can reject them.
 */
export function splitList(value: string): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      const end = scanQuoted(value, i);
      if (end < 0) return undefined;
      i = end - 1;
    } else if (c === 0x3c) {
      angle++;
    } else if (c === 0x3e) {
      if (angle === 0) return undefined;
      angle--;
    } else if (c === 0x2c && angle === 0) {
      out.push(trimLws(value.slice(start, i)));
      start = i + 1;
    }
  }
  if (angle !== 0) return undefined;
  out.push(trimLws(value.slice(start)));
  return out;
}

/** A `;name[=value]` parameter exactly as written (name case kept, value unquoted only on request). */
export interface Param {
  readonly name: string;
  /** null for a parameter without `=` (e.g. `;lr`, `;rport`). Quoted values keep their quotes. */
  readonly value: string | null;
}

/** Case-insensitive parameter lookup (RFC 3261 §7.3.1: parameter names are case-insensitive). */
export function getParam(params: readonly Param[], name: string): string | null | undefined {
  const lower = name.toLowerCase();
  for (const p of params) if (p.name.toLowerCase() === lower) return p.value;
  return undefined;
}

export function hasParam(params: readonly Param[], name: string): boolean {
  return getParam(params, name) !== undefined;
}

/** Returns a copy with `name` set (replacing any existing one, case-insensitively) or added last. */
export function withParam(params: readonly Param[], name: string, value: string | null): Param[] {
  const lower = name.toLowerCase();
  let replaced = false;
  const out = params.map((p) => {
    if (p.name.toLowerCase() !== lower) return p;
    replaced = true;
    return { name: p.name, value };
  });
  if (!replaced) out.push({ name, value });
  return out;
}

export function withoutParam(params: readonly Param[], name: string): Param[] {
  const lower = name.toLowerCase();
  return params.filter((p) => p.name.toLowerCase() !== lower);
}

export function formatParams(params: readonly Param[]): string {
  let s = '';
  for (const p of params) s += p.value === null ? `;${p.name}` : `;${p.name}=${p.value}`;
  return s;
}

/**
 * Parses `*( SEMI generic-param )` header parameters (RFC 3261 §25.1):
 * generic-param = token [ EQUAL gen-value ], gen-value = token / host / quoted-string.
 * LWS around `;` and `=` is allowed. `s` starts at the first `;` (or is empty); `from` lets a
 * caller parse the tail of a longer string without copying it.
 * Returns undefined on a syntax error (stray `;`, empty name, bad value).
 */
export function parseHeaderParams(s: string, from = 0): Param[] | undefined {
  const params: Param[] = [];
  let i = skipWsp(s, from);
  while (i < s.length) {
    if (s.charCodeAt(i) !== 0x3b) return undefined;
    i = skipWsp(s, i + 1);
    const nameStart = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return undefined;
    const name = s.slice(nameStart, i);
    i = skipWsp(s, i);
    let value: string | null = null;
    if (i < s.length && s.charCodeAt(i) === 0x3d) {
      i = skipWsp(s, i + 1);
      if (i < s.length && s.charCodeAt(i) === 0x22) {
        const end = scanQuoted(s, i);
        if (end < 0) return undefined;
        value = s.slice(i, end);
        i = end;
      } else {
        const valueStart = i;
        // token / host (host adds ':' '[' ']' for IPv6 references)
        while (i < s.length) {
          const c = s.charCodeAt(i);
          if (isTokenChar(c) || c === 0x3a || c === 0x5b || c === 0x5d) i++;
          else break;
        }
        if (i === valueStart) return undefined;
        value = s.slice(valueStart, i);
      }
      i = skipWsp(s, i);
    }
    params.push({ name, value });
  }
  return params;
}
