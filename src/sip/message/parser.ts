/**
 * parse(Buffer) → SipRequest | SipResponse, or a typed MessageError (RFC 3261 §7, §18.3).
 * Never throws for bad input. Work is linear in the message size, and the message size and
 * header count are bounded by options. Only the headers every layer needs (Via, From, To,
 * Call-ID, CSeq, Max-Forwards, Content-Length) are checked here; the rest stay raw until read.
 */
import { parseContentLength, parseCSeq, parseMaxForwards, isValidCallId } from './cseq.js';
import { type MessageError, messageError } from './errors.js';
import { HeaderField } from './header-field.js';
import { canonicalName, headerKey, isSingleHeader } from './header-names.js';
import { isToken, isTokenChar, isWsp, splitList } from './lexer.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';
import { parseNameAddr } from './name-addr.js';
import { parseUri } from './uri.js';
import { type Via, parseVia } from './via.js';

export interface ParseOptions {
  /** Largest message accepted, in octets (default 64 KiB). Larger ones get 513. */
  maxMessageSize?: number;
  /** Most header fields accepted (default 256). */
  maxHeaders?: number;
  /**
   * true (default) for a datagram: Content-Length may be absent (body = rest), must not
   * exceed the octets present, and octets beyond it are discarded (§18.3). false for a
   * message already framed by a stream transport: the body is exactly the rest.
   */
  datagram?: boolean;
}

export const DEFAULT_MAX_MESSAGE_SIZE = 65536;
export const DEFAULT_MAX_HEADERS = 256;

/** What could be read of a message that failed to parse: enough to answer a request with 400. */
export interface PartialMessage {
  readonly kind: 'request' | 'response';
  readonly method?: string;
  readonly headers: readonly HeaderField[];
}

export type ParseResult =
  | { ok: true; message: SipMessage }
  | { ok: false; error: MessageError; partial?: PartialMessage };

const SIP_VERSION = /^SIP\/\d{1,3}\.\d{1,3}$/i;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

export function parse(buf: Buffer, options: ParseOptions = {}): ParseResult {
  const maxSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;
  const datagram = options.datagram ?? true;
  if (buf.length > maxSize) return fail(messageError('SIP_ERR_TOO_LARGE'));

  // RFC 3261 §7.5: ignore CRLFs before the start-line.
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (start === buf.length) return fail(messageError('SIP_ERR_EMPTY'));

  // End of the header section: the first empty line (CRLF CRLF, or bare LF LF from lenient peers).
  let headEnd = buf.indexOf(CRLFCRLF, start);
  let bodyStart: number;
  const lf = (headEnd < 0 ? buf.subarray(start) : buf.subarray(start, headEnd + 2)).indexOf(LFLF);
  if (lf >= 0) {
    headEnd = start + lf;
    bodyStart = headEnd + 2;
  } else if (headEnd >= 0) {
    bodyStart = headEnd + 4;
  } else {
    // No empty line: only a datagram can end here (RFC 4475 baddn.dat); no body.
    if (!datagram) return fail(messageError('SIP_ERR_HEADER_LINE', 'Header section not terminated'));
    headEnd = buf.length;
    bodyStart = buf.length;
  }

  const head = buf.toString('latin1', start, headEnd);
  const firstNl = head.indexOf('\n');
  const startLine = stripCr(firstNl < 0 ? head : head.slice(0, firstNl));

  const isResponse = startLine.startsWith('SIP/') || startLine.startsWith('sip/');
  let request: { method: string; uriText: string; version: string } | undefined;
  let response: { status: number; reason: string; version: string } | undefined;
  let startError: MessageError | undefined;
  if (isResponse) {
    const r = parseStatusLine(startLine);
    if ('code' in r) startError = r;
    else response = r;
  } else {
    const r = parseRequestLine(startLine);
    if ('code' in r) startError = r;
    else request = r;
  }

  // Header fields, unfolding continuation lines (§7.3.1).
  const headers: HeaderField[] = [];
  let pos = firstNl < 0 ? head.length : firstNl + 1;
  let headerError: MessageError | undefined;
  while (pos < head.length) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = head.length;
    let lineEnd = nl;
    // Continuation lines (starting with SP/HT) belong to this field.
    while (lineEnd + 1 < head.length && isWsp(head.charCodeAt(lineEnd + 1))) {
      const next = head.indexOf('\n', lineEnd + 1);
      lineEnd = next < 0 ? head.length : next;
    }
    const raw = stripCr(head.slice(pos, lineEnd));
    pos = lineEnd + 1;
    if (raw.length === 0) continue;
    if (headers.length >= maxHeaders) {
      headerError = messageError('SIP_ERR_TOO_MANY_HEADERS');
      break;
    }
    const field = parseHeaderLine(raw, lineEnd > nl);
    if (field === undefined) {
      headerError ??= messageError('SIP_ERR_HEADER_LINE', 'Malformed header line');
      continue;
    }
    headers.push(field);
  }

  const partial: PartialMessage | undefined =
    isResponse || request !== undefined
      ? { kind: isResponse ? 'response' : 'request', method: request?.method, headers }
      : headers.length > 0
        ? { kind: 'request', headers }
        : undefined;
  if (startError !== undefined) return fail(startError, partial);
  if (headerError !== undefined) return fail(headerError, partial);

  const checked = checkEssentialHeaders(headers);
  if ('code' in checked) return fail(checked, partial);

  // Body framing (§18.3).
  const available = buf.length - bodyStart;
  let bodyLength = available;
  if (checked.contentLength !== undefined) {
    if (checked.contentLength > available) {
      return fail(messageError('SIP_ERR_CONTENT_LENGTH', 'Content-Length larger than message body', 'content-length'), partial);
    }
    if (!datagram && checked.contentLength !== available) {
      return fail(messageError('SIP_ERR_CONTENT_LENGTH', 'Content-Length does not match body', 'content-length'), partial);
    }
    bodyLength = checked.contentLength;
  }
  // Copy the body out so the message does not pin the receive buffer.
  const body = bodyLength === 0 ? Buffer.alloc(0) : Buffer.from(buf.subarray(bodyStart, bodyStart + bodyLength));

  let message: SipMessage;
  if (response !== undefined) {
    message = new SipResponse(response.status, response.reason, headers, body);
    message.version = response.version;
  } else {
    const uri = parseUri(request!.uriText);
    if (uri === undefined) return fail(messageError('SIP_ERR_REQUEST_URI'), partial);
    message = new SipRequest(request!.method, uri, headers, body);
    message.version = request!.version;
  }
  message.prime('via', checked.vias);
  return { ok: true, message };
}

function fail(error: MessageError, partial?: PartialMessage): ParseResult {
  return partial === undefined ? { ok: false, error } : { ok: false, error, partial };
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line;
}

/** Request-Line = Method SP Request-URI SP SIP-Version — exactly one SP each (RFC 4475 §3.1.2.9/10). */
function parseRequestLine(line: string): { method: string; uriText: string; version: string } | MessageError {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
    return messageError('SIP_ERR_START_LINE', 'Malformed Request-Line');
  }
  const method = line.slice(0, sp1);
  const uriText = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) return messageError('SIP_ERR_START_LINE', 'Malformed method');
  if (!SIP_VERSION.test(version)) return messageError('SIP_ERR_START_LINE', 'Malformed SIP-Version');
  if (uriText.length === 0 || /[\x00-\x20\x7f]/.test(uriText) || parseUri(uriText) === undefined) {
    return messageError('SIP_ERR_REQUEST_URI');
  }
  return { method, uriText, version: version.toUpperCase() };
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase; Status-Code is 3 digits, 100–699. */
function parseStatusLine(line: string): { status: number; reason: string; version: string } | MessageError {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0) return messageError('SIP_ERR_START_LINE', 'Malformed Status-Line');
  const version = line.slice(0, sp1);
  if (!SIP_VERSION.test(version)) return messageError('SIP_ERR_START_LINE', 'Malformed SIP-Version');
  const rest = line.slice(sp1 + 1);
  const sp2 = rest.indexOf(' ');
  const code = sp2 < 0 ? rest : rest.slice(0, sp2);
  if (!/^[1-6]\d\d$/.test(code)) return messageError('SIP_ERR_STATUS_CODE');
  return { status: Number(code), reason: sp2 < 0 ? '' : rest.slice(sp2 + 1), version: version.toUpperCase() };
}

/** field-name HCOLON field-value; HCOLON = *( SP / HTAB ) ":" SWS */
function parseHeaderLine(raw: string, folded: boolean): HeaderField | undefined {
  const colon = raw.indexOf(':');
  if (colon <= 0) return undefined;
  let nameEnd = colon;
  while (nameEnd > 0 && isWsp(raw.charCodeAt(nameEnd - 1))) nameEnd--;
  const name = raw.slice(0, nameEnd);
  for (let i = 0; i < name.length; i++) if (!isTokenChar(name.charCodeAt(i))) return undefined;
  if (name.length === 0) return undefined;
  let value = raw.slice(colon + 1);
  if (folded) value = value.replace(/\r?\n[ \t]+/g, ' ');
  return new HeaderField(name, headerKey(name), value.trim(), raw);
}

interface Essentials {
  vias: Via[];
  contentLength: number | undefined;
}

const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/**
 * RFC 3261 §8.1.1 / §20: the mandatory headers are present, appear once where the grammar
 * allows only one, and parse. (Max-Forwards is optional so RFC 2543 peers still work.)
 */
function checkEssentialHeaders(headers: HeaderField[]): Essentials | MessageError {
  const seen = new Set<string>();
  const vias: Via[] = [];
  let contentLength: number | undefined;
  for (const f of headers) {
    const key = f.key;
    if (isSingleHeader(key)) {
      if (seen.has(key)) return messageError('SIP_ERR_DUPLICATE_HEADER', `Multiple ${name(key)} headers`, key);
    }
    seen.add(key);
    switch (key) {
      case 'via': {
        const parts = splitList(f.value);
        if (parts === undefined) return bad(key);
        for (const p of parts) {
          const via = parseVia(p);
          if (via === undefined) return bad(key);
          vias.push(via);
        }
        break;
      }
      case 'from':
      case 'to':
        if (parseNameAddr(f.value) === undefined) return bad(key);
        break;
      case 'call-id':
        if (!isValidCallId(f.value)) return bad(key);
        break;
      case 'cseq':
        if (parseCSeq(f.value) === undefined) return bad(key);
        break;
      case 'max-forwards':
        if (parseMaxForwards(f.value) === undefined) return bad(key);
        break;
      case 'content-length':
        contentLength = parseContentLength(f.value);
        if (contentLength === undefined) {
          return messageError('SIP_ERR_CONTENT_LENGTH', 'Bad Content-Length', key);
        }
        break;
      default:
        break;
    }
  }
  for (const key of REQUIRED) {
    if (!seen.has(key)) return messageError('SIP_ERR_MISSING_HEADER', `Missing ${name(key)} header`, key);
  }
  return { vias, contentLength };
}

function bad(key: string): MessageError {
  return messageError('SIP_ERR_HEADER_SYNTAX', `Malformed ${name(key)} header`, key);
}

const name = canonicalName;
