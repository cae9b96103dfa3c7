/**
 * parse(Buffer) → SipRequest | SipResponse, or a typed MessageError (RFC 3261 §7, §18.3).
 * Never throws for bad input. Work is linear in the message size, and the message size and
 * header count are bounded by options. Only the headers every layer needs (Via, From, To,
 * Call-ID, CSeq, Max-Forwards, Content-Length) are checked here; the rest stay raw until read.
 */
import { type CSeq, parseContentLength, parseCSeq, parseMaxForwards, isValidCallId } from './cseq.js';
import { type MessageError, messageError } from './errors.js';
import type { HeaderField } from './header-field.js';
import { parseHeaderLine } from './header-lines.js';
import { canonicalName } from './header-names.js';
import { readLatin1 as latin1 } from './latin1.js';
import { isToken, isWsp, splitList } from './lexer.js';
import { SipRequest, SipResponse, type SipMessage } from './message.js';
import { type NameAddr, parseNameAddr } from './name-addr.js';
import { type Uri, parseUri } from './uri.js';
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
  let head: string;
  let bodyStart: number;
  const crlf = buf.indexOf(CRLFCRLF, start);
  if (crlf >= 0) {
    head = latin1(buf, start, crlf);
    bodyStart = crlf + 4;
    const lf = head.indexOf('\n\n');
    if (lf >= 0) {
      head = head.slice(0, lf);
      bodyStart = start + lf + 2;
    }
  } else {
    const lf = buf.indexOf(LFLF, start);
    if (lf >= 0) {
      head = latin1(buf, start, lf);
      bodyStart = lf + 2;
    } else {
      // No empty line: only a datagram can end here (RFC 4475 baddn.dat); no body.
      if (!datagram) return fail(messageError('SIP_ERR_HEADER_LINE', 'Header section not terminated'));
      head = latin1(buf, start, buf.length);
      bodyStart = buf.length;
    }
  }

  const firstNl = head.indexOf('\n');
  const startLine = stripCr(firstNl < 0 ? head : head.slice(0, firstNl));

  const isResponse = startLine.startsWith('SIP/') || startLine.startsWith('sip/');
  let request: RequestLine | undefined;
  let response: StatusLine | undefined;
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

  // Header fields, unfolding continuation lines (§7.3.1). Malformed lines count towards the
  // limit too, so the work stays bounded whatever the input.
  const headers: HeaderField[] = [];
  const len = head.length;
  let pos = firstNl < 0 ? len : firstNl + 1;
  let lines = 0;
  let headerError: MessageError | undefined;
  while (pos < len) {
    let nl = head.indexOf('\n', pos);
    if (nl < 0) nl = len;
    let lineEnd = nl;
    // Continuation lines (starting with SP/HT) belong to this field.
    while (lineEnd + 1 < len && isWsp(head.charCodeAt(lineEnd + 1))) {
      const next = head.indexOf('\n', lineEnd + 1);
      lineEnd = next < 0 ? len : next;
    }
    let end = lineEnd;
    if (end > pos && head.charCodeAt(end - 1) === 0x0d) end--;
    const linePos = pos;
    pos = lineEnd + 1;
    if (end === linePos) continue;
    if (++lines > maxHeaders) {
      headerError = messageError('SIP_ERR_TOO_MANY_HEADERS');
      break;
    }
    const field = parseHeaderLine(head, linePos, end, lineEnd > nl);
    if (field === undefined) {
      headerError ??= messageError('SIP_ERR_HEADER_LINE', 'Malformed header line');
      continue;
    }
    headers.push(field);
  }

  if (startError !== undefined) return fail(startError, partialOf(isResponse, request, headers));
  if (headerError !== undefined) return fail(headerError, partialOf(isResponse, request, headers));

  const checked = checkEssentialHeaders(headers);
  if ('code' in checked) return fail(checked, partialOf(isResponse, request, headers));

  // Body framing (§18.3).
  const available = buf.length - bodyStart;
  let bodyLength = available;
  if (checked.contentLength !== undefined) {
    if (checked.contentLength > available) {
      const e = messageError('SIP_ERR_CONTENT_LENGTH', 'Content-Length larger than message body', 'content-length');
      return fail(e, partialOf(isResponse, request, headers));
    }
    if (!datagram && checked.contentLength !== available) {
      const e = messageError('SIP_ERR_CONTENT_LENGTH', 'Content-Length does not match body', 'content-length');
      return fail(e, partialOf(isResponse, request, headers));
    }
    bodyLength = checked.contentLength;
  }
  // Copy the body out so the message does not pin the receive buffer.
  const body = bodyLength === 0 ? EMPTY_BODY : Buffer.from(buf.subarray(bodyStart, bodyStart + bodyLength));

  let message: SipMessage;
  if (response !== undefined) {
    message = new SipResponse(response.status, response.reason, headers, body);
    message.version = response.version;
  } else {
    message = new SipRequest(request!.method, request!.uri, headers, body);
    message.version = request!.version;
  }
  // The typed views were computed while checking: keep them, so no header is parsed twice.
  message.prime('via', checked.vias);
  message.prime('from', checked.from);
  message.prime('to', checked.to);
  message.prime('call-id', checked.callId);
  message.prime('cseq', checked.cseq);
  if (checked.maxForwards !== undefined) message.prime('max-forwards', checked.maxForwards);
  if (checked.contentLength !== undefined) message.prime('content-length', checked.contentLength);
  return { ok: true, message };
}

/** Shared by every message without a body; Buffers of length 0 cannot be written into. */
const EMPTY_BODY = Buffer.alloc(0);

function partialOf(isResponse: boolean, request: RequestLine | undefined, headers: HeaderField[]): PartialMessage | undefined {
  if (isResponse || request !== undefined) {
    return { kind: isResponse ? 'response' : 'request', method: request?.method, headers };
  }
  return headers.length > 0 ? { kind: 'request', headers } : undefined;
}

function fail(error: MessageError, partial?: PartialMessage): ParseResult {
  return partial === undefined ? { ok: false, error } : { ok: false, error, partial };
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line;
}

interface RequestLine {
  method: string;
  uri: Uri;
  version: string;
}

interface StatusLine {
  status: number;
  reason: string;
  version: string;
}

/** Request-Line = Method SP Request-URI SP SIP-Version — exactly one SP each (RFC 4475 §3.1.2.9/10). */
function parseRequestLine(line: string): RequestLine | MessageError {
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
  // parseUri refuses CTLs, SP and DEL in every scheme.
  const uri = parseUri(uriText);
  if (uri === undefined) return messageError('SIP_ERR_REQUEST_URI');
  return { method, uri, version: version === 'SIP/2.0' ? version : version.toUpperCase() };
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase; Status-Code is 3 digits, 100–699. */
function parseStatusLine(line: string): StatusLine | MessageError {
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

/** The essential headers, checked and parsed once; parse() primes the message's typed views. */
interface Essentials {
  vias: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
  maxForwards: number | undefined;
  contentLength: number | undefined;
}

/**
 * RFC 3261 §8.1.1 / §20: the mandatory headers are present, appear once where the grammar
 * allows only one, and parse. (Max-Forwards is optional so RFC 2543 peers still work.)
 */
function checkEssentialHeaders(headers: HeaderField[]): Essentials | MessageError {
  const vias: Via[] = [];
  let from: NameAddr | undefined;
  let to: NameAddr | undefined;
  let callId: string | undefined;
  let cseq: CSeq | undefined;
  let maxForwards: number | undefined;
  let contentLength: number | undefined;
  let seenMaxForwards = false;
  let seenContentLength = false;
  for (const f of headers) {
    switch (f.key) {
      case 'via': {
        // Without a comma the value is one via-parm, and parseVia checks quotes itself.
        const parts = f.value.includes(',') ? splitList(f.value) : [f.value];
        if (parts === undefined) return bad('via');
        for (const p of parts) {
          const via = parseVia(p);
          if (via === undefined) return bad('via');
          vias.push(via);
        }
        break;
      }
      case 'from':
        if (from !== undefined) return duplicate('from');
        from = parseNameAddr(f.value);
        if (from === undefined) return bad('from');
        break;
      case 'to':
        if (to !== undefined) return duplicate('to');
        to = parseNameAddr(f.value);
        if (to === undefined) return bad('to');
        break;
      case 'call-id':
        if (callId !== undefined) return duplicate('call-id');
        if (!isValidCallId(f.value)) return bad('call-id');
        callId = f.value;
        break;
      case 'cseq':
        if (cseq !== undefined) return duplicate('cseq');
        cseq = parseCSeq(f.value);
        if (cseq === undefined) return bad('cseq');
        break;
      case 'max-forwards':
        if (seenMaxForwards) return duplicate('max-forwards');
        seenMaxForwards = true;
        maxForwards = parseMaxForwards(f.value);
        if (maxForwards === undefined) return bad('max-forwards');
        break;
      case 'content-length':
        if (seenContentLength) return duplicate('content-length');
        seenContentLength = true;
        contentLength = parseContentLength(f.value);
        if (contentLength === undefined) return messageError('SIP_ERR_CONTENT_LENGTH', 'Bad Content-Length', 'content-length');
        break;
      default:
        break;
    }
  }
  if (vias.length === 0) return missing('via');
  if (from === undefined) return missing('from');
  if (to === undefined) return missing('to');
  if (callId === undefined) return missing('call-id');
  if (cseq === undefined) return missing('cseq');
  return { vias, from, to, callId, cseq, maxForwards, contentLength };
}

function bad(key: string): MessageError {
  return messageError('SIP_ERR_HEADER_SYNTAX', `Malformed ${canonicalName(key)} header`, key);
}

function duplicate(key: string): MessageError {
  return messageError('SIP_ERR_DUPLICATE_HEADER', `Multiple ${canonicalName(key)} headers`, key);
}

function missing(key: string): MessageError {
  return messageError('SIP_ERR_MISSING_HEADER', `Missing ${canonicalName(key)} header`, key);
}
