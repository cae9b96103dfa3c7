/**
 * Checks above the grammar of the essential headers: what RFC 3261 §8.2 (UAS), §16.3 (proxy)
 * and RFC 4475 §3.3 ask a receiver to verify before acting on a message. parse() already
 * checked Via, From, To, Call-ID, CSeq, Max-Forwards and Content-Length; `validateRequest`
 * adds the version, the Request-URI, the CSeq method, and — for elements that consume the
 * message rather than forward it — the syntax of every other header it knows.
 */
import { type MessageError, messageError } from './errors.js';
import { isToken, splitList, trimLws } from './lexer.js';
import type { SipMessage, SipRequest, SipResponse } from './message.js';
import { parseNameAddr } from './name-addr.js';

export interface ValidateOptions {
  /** URI schemes this element can handle in a Request-URI (default sip, sips, tel). */
  uriSchemes?: readonly string[];
  /** When given, a method outside this list is answered 501 (UAS behaviour, §8.2.1). */
  knownMethods?: readonly string[];
  /** Parse every known header (default true). A forwarding proxy may turn this off. */
  deep?: boolean;
}

const DEFAULT_SCHEMES = ['sip', 'sips', 'tel'];

/** Returns undefined when the request may be processed, else the error to answer with. */
export function validateRequest(req: SipRequest, options: ValidateOptions = {}): MessageError | undefined {
  // §8.2 / RFC 4475 §3.1.2.16: only SIP/2.0 is understood.
  if (req.version !== 'SIP/2.0') return messageError('SIP_ERR_VERSION');
  if (options.deep ?? true) {
    const e = validateHeaderSyntax(req);
    if (e !== undefined) return e;
  }
  // §8.2.2.1: an unsupported Request-URI scheme is answered 416.
  const schemes = options.uriSchemes ?? DEFAULT_SCHEMES;
  if (!schemes.includes(req.uri.scheme)) return messageError('SIP_ERR_URI_SCHEME');
  // §19.1.1 (table): headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (req.uri.kind === 'sip' && req.uri.headers.length > 0) return messageError('SIP_ERR_RURI_HEADERS');
  // §8.2.1: a method the UAS does not implement gets 501 — before the CSeq check, so an
  // unknown method with a mismatched CSeq is 501 as RFC 4475 §3.1.2.18 prefers.
  if (options.knownMethods !== undefined && !options.knownMethods.includes(req.method)) {
    return messageError('SIP_ERR_METHOD_UNKNOWN');
  }
  // §8.1.1.5: the CSeq method MUST match the request method (RFC 4475 §3.1.2.17).
  if (req.cseq.method !== req.method) return messageError('SIP_ERR_CSEQ_METHOD');
  return undefined;
}

/** A response is usable when it is SIP/2.0 and its headers parse; otherwise it is dropped. */
export function validateResponse(res: SipResponse, options: Pick<ValidateOptions, 'deep'> = {}): MessageError | undefined {
  if (res.version !== 'SIP/2.0') return messageError('SIP_ERR_VERSION');
  if (options.deep ?? false) return validateHeaderSyntax(res);
  return undefined;
}

type Check = (value: string) => boolean;

const nameAddrList: Check = (v) => {
  const parts = splitList(v);
  return parts !== undefined && parts.length > 0 && parts.every((p) => parseNameAddr(p) !== undefined);
};

const contactList: Check = (v) => {
  if (trimLws(v) === '*') return true;
  const parts = splitList(v);
  if (parts === undefined || parts.length === 0) return false;
  for (const p of parts) {
    const na = parseNameAddr(p);
    if (na === undefined) return false;
    const expires = na.param('expires');
    if (expires === null || (expires !== undefined && !/^\d+$/.test(expires))) return false;
    const q = na.param('q');
    if (q === null || (q !== undefined && !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(q))) return false;
  }
  return true;
};

/** option-tag lists and Allow: comma-separated tokens; may be empty (§20.37 Supported). */
const tokenList: Check = (v) => {
  if (trimLws(v) === '') return true;
  const parts = splitList(v);
  return parts !== undefined && parts.every((p) => isToken(p));
};

const deltaSeconds: Check = (v) => /^\d+$/.test(trimLws(v));

/** RFC 3261 §25.1 SIP-date = rfc1123-date, and only "GMT" (RFC 4475 §3.1.2.12). */
const sipDate: Check = (v) =>
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(
    trimLws(v),
  );

const mediaType: Check = (v) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*(;.*)?$/.test(trimLws(v));

const mediaRangeList: Check = (v) => {
  if (trimLws(v) === '') return true;
  const parts = splitList(v);
  return parts !== undefined && parts.every((p) => mediaType(p));
};

const HEADER_CHECKS: Record<string, Check> = {
  contact: contactList,
  route: nameAddrList,
  'record-route': nameAddrList,
  path: nameAddrList,
  'service-route': nameAddrList,
  'reply-to': (v) => parseNameAddr(v) !== undefined,
  expires: deltaSeconds,
  'min-expires': deltaSeconds,
  date: sipDate,
  require: tokenList,
  'proxy-require': tokenList,
  supported: tokenList,
  unsupported: tokenList,
  allow: tokenList,
  'content-type': mediaType,
  accept: mediaRangeList,
};

/** Parses every header this module knows a grammar for; the first failure is a 400 naming it. */
export function validateHeaderSyntax(message: SipMessage): MessageError | undefined {
  for (const f of message.headers) {
    const check = HEADER_CHECKS[f.key];
    if (check !== undefined && !check(f.value)) {
      return messageError('SIP_ERR_HEADER_SYNTAX', `Malformed ${f.name} header`, f.key);
    }
  }
  return undefined;
}
