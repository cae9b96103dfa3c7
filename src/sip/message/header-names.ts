/**
 * Header names: RFC 3261 §7.3.3 compact forms, canonical spelling for output, and which
 * headers carry comma-separated lists (§7.3.1) or may appear only once.
 */

/** Compact form (§7.3.3, plus RFC 3265/3515/3841/4028 additions) → canonical key. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  y: 'identity',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
};

/** Canonical output spelling for headers whose spelling is not plain Title-Case. */
const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/**
 * Headers whose value is a comma-separated list (§7.3.1). Only these are split; any other
 * header (including every header we do not know) is one opaque value, commas and all.
 */
const LIST_HEADERS = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'path',
  'service-route',
  'allow',
  'allow-events',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-language',
  'alert-info',
  'call-info',
  'error-info',
  'in-reply-to',
  'warning',
  'p-asserted-identity',
  'p-preferred-identity',
  'reason',
]);

/** Headers that MUST NOT appear more than once (§7.3.1, §20): repetitions are a 400. */
const SINGLE_HEADERS = new Set(['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length']);

const keyCache = new Map<string, string>();

/** Canonical key of a header name as it appears on the wire: lower case, long form. */
export function headerKey(name: string): string {
  const known = knownHeaderKey(name, 0, name.length);
  if (known !== undefined) return known;
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = COMPACT[lower] ?? KNOWN_KEYS.get(lower) ?? lower;
  if (keyCache.size < 4096) keyCache.set(name, key);
  return key;
}

/**
 * The key of the header name s[from, to) when it is one of the names seen on nearly every
 * message (any case, compact forms included), else undefined. Works on the received text in
 * place — no slicing, no hashing — and returns an interned literal, so later comparisons of
 * keys are pointer comparisons.
 */
export function knownHeaderKey(s: string, from: number, to: number): string | undefined {
  const c = s.charCodeAt(from) | 0x20;
  let candidate: string | undefined;
  switch (to - from) {
    case 1:
      return COMPACT_BY_CODE[c];
    case 2:
      candidate = 'to';
      break;
    case 3:
      candidate = 'via';
      break;
    case 4:
      candidate = c === 0x66 ? 'from' : 'cseq';
      break;
    case 5:
      candidate = c === 0x72 ? 'route' : 'allow';
      break;
    case 7:
      candidate = c === 0x63 ? (s.charCodeAt(from + 1) === 0x61 || s.charCodeAt(from + 1) === 0x41 ? 'call-id' : 'contact') : 'expires';
      break;
    case 9:
      candidate = 'supported';
      break;
    case 10:
      candidate = 'user-agent';
      break;
    case 12:
      candidate = c === 0x6d ? 'max-forwards' : c === 0x63 ? 'content-type' : 'record-route';
      break;
    case 13:
      candidate = 'authorization';
      break;
    case 14:
      candidate = 'content-length';
      break;
    default:
      return undefined;
  }
  return equalsIgnoreCase(s, from, candidate) ? candidate : undefined;
}

/** s[from, from + lower.length) equals `lower` (lower-case letters, digits, '-') ignoring case. */
function equalsIgnoreCase(s: string, from: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const a = s.charCodeAt(from + i);
    const b = lower.charCodeAt(i);
    if (a !== b && !(b >= 0x61 && b <= 0x7a && a === b - 0x20)) return false;
  }
  return true;
}

/** COMPACT indexed by the (lower-cased) char code of the one-letter name. */
const COMPACT_BY_CODE: (string | undefined)[] = [];
for (const [letter, key] of Object.entries(COMPACT)) COMPACT_BY_CODE[letter.charCodeAt(0)] = key;

/** Interned spellings of the keys this module knows, so a key read off the wire is the literal. */
const KNOWN_KEYS = new Map<string, string>(
  [...Object.values(COMPACT), ...Object.keys(CANONICAL), ...LIST_HEADERS, ...SINGLE_HEADERS].map((k) => [k, k]),
);

/** Spelling used when we write a header ourselves: `Call-ID`, `CSeq`, `Max-Forwards`, … */
export function canonicalName(key: string): string {
  const cached = canonicalCache.get(key);
  if (cached !== undefined) return cached;
  const special = CANONICAL[key];
  const name = special ?? key.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
  if (canonicalCache.size < 4096) canonicalCache.set(key, name);
  return name;
}

/** canonicalName runs for every header written by code (a proxy's Via): remember the answers. */
const canonicalCache = new Map<string, string>();

export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

export function isSingleHeader(key: string): boolean {
  return SINGLE_HEADERS.has(key);
}
