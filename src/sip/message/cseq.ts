/** CSeq (RFC 3261 §20.16) and the other small scalar headers. */
import { isToken, isWsp, parseBoundedInt, trimLws } from './lexer.js';

/** RFC 4475 §3.1.2.4: CSeq numbers above 2**32-1 are invalid. */
export const MAX_CSEQ = 0xffffffff;

export class CSeq {
  constructor(
    readonly seq: number,
    readonly method: string,
  ) {}

  toString(): string {
    return `${this.seq} ${this.method}`;
  }
}

/** CSeq = 1*DIGIT LWS Method */
export function parseCSeq(value: string): CSeq | undefined {
  const s = trimLws(value);
  let i = 0;
  while (i < s.length && !isWsp(s.charCodeAt(i))) i++;
  const seq = parseBoundedInt(s.slice(0, i), MAX_CSEQ);
  if (seq === undefined) return undefined;
  const method = trimLws(s.slice(i));
  if (!isToken(method)) return undefined;
  return new CSeq(seq, method);
}

/** Max-Forwards = 1*DIGIT, 0–255 (RFC 3261 §20.22; RFC 4475 §3.1.2.4). */
export function parseMaxForwards(value: string): number | undefined {
  return parseBoundedInt(trimLws(value), 255);
}

/** Content-Length = 1*DIGIT (RFC 3261 §20.14). Negative or non-numeric values are refused. */
export function parseContentLength(value: string): number | undefined {
  return parseBoundedInt(trimLws(value), Number.MAX_SAFE_INTEGER);
}

/** delta-seconds for Expires / Min-Expires; values above 2**32-1 are refused. */
export function parseDeltaSeconds(value: string): number | undefined {
  return parseBoundedInt(trimLws(value), MAX_CSEQ);
}

/** RFC 3261 §25.1 Call-ID = word [ "@" word ] */
export function isValidCallId(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}
