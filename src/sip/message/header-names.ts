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
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = COMPACT[lower] ?? lower;
  if (keyCache.size < 4096) keyCache.set(name, key);
  return key;
}

/** Spelling used when we write a header ourselves: `Call-ID`, `CSeq`, `Max-Forwards`, … */
export function canonicalName(key: string): string {
  const special = CANONICAL[key];
  if (special !== undefined) return special;
  return key.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}

export function isSingleHeader(key: string): boolean {
  return SINGLE_HEADERS.has(key);
}
