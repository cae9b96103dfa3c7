/** Building messages from code: canonical output, mandatory headers in RFC 3261 order. */
import { newTag } from '../../lib/index.js';
import { CSeq } from './cseq.js';
import { HeaderField } from './header-field.js';
import { canonicalName, headerKey } from './header-names.js';
import { type HeaderValue, SipRequest, SipResponse } from './message.js';
import { type NameAddr, parseNameAddr } from './name-addr.js';
import { reasonPhrase } from './status-codes.js';
import type { Uri } from './uri.js';
import type { Via } from './via.js';

export interface RequestSpec {
  method: string;
  uri: Uri;
  via: Via | readonly Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: number;
  maxForwards?: number;
  /** Further headers, in order, as [name, value] pairs. */
  headers?: ReadonlyArray<readonly [string, HeaderValue]>;
  body?: Buffer | string;
  contentType?: string;
}

function field(name: string, value: HeaderValue): HeaderField {
  const key = headerKey(name);
  return new HeaderField(canonicalName(key), key, String(value));
}

/** RFC 3261 §8.1.1: a request with To, From, CSeq, Call-ID, Max-Forwards and Via. */
export function createRequest(spec: RequestSpec): SipRequest {
  const vias = Array.isArray(spec.via) ? (spec.via as readonly Via[]) : [spec.via as Via];
  const headers: HeaderField[] = vias.map((v) => field('via', v));
  headers.push(
    field('max-forwards', spec.maxForwards ?? 70),
    field('from', spec.from),
    field('to', spec.to),
    field('call-id', spec.callId),
    field('cseq', new CSeq(spec.cseq, spec.method)),
  );
  for (const [name, value] of spec.headers ?? []) headers.push(field(name, value));
  const req = new SipRequest(spec.method, spec.uri, headers);
  req.setBody(spec.body ?? Buffer.alloc(0), spec.body === undefined ? undefined : spec.contentType);
  return req;
}

export interface ResponseOptions {
  reason?: string;
  /**
   * RFC 3261 §8.2.6.2: the To tag the UAS adds when the request's To has none. Pass the same
   * tag for every response of a transaction; a fresh one is made when omitted (not for 100).
   */
  toTag?: string;
  headers?: ReadonlyArray<readonly [string, HeaderValue]>;
  body?: Buffer | string;
  contentType?: string;
}

/**
 * RFC 3261 §8.2.6.2: a response copies From, Call-ID, CSeq and every Via (in order) from the
 * request, and To with a tag added if the request had none. The copies are the received
 * field lines, so they are byte-identical to the request's (§17.1.3 matching depends on it).
 * Works on the fields of a request that failed to parse too, to answer it with a 400.
 */
export function createResponse(
  request: SipRequest | { headers: readonly HeaderField[] },
  status: number,
  options: ResponseOptions = {},
): SipResponse {
  const headers: HeaderField[] = [];
  let toField: HeaderField | undefined;
  for (const f of request.headers) {
    if (f.key === 'via' || f.key === 'from' || f.key === 'call-id' || f.key === 'cseq') headers.push(f);
    else if (f.key === 'to' && toField === undefined) {
      toField = f;
      headers.push(f);
    }
  }
  if (toField !== undefined && status > 100 && !hasTag(toField.value)) {
    const tagged = new HeaderField(toField.name, 'to', `${toField.value};tag=${options.toTag ?? newTag()}`);
    headers[headers.indexOf(toField)] = tagged;
  }
  if (status === 100 && request instanceof SipRequest) {
    // §8.2.6.1: a Timestamp in the request is copied into the 100 (Trying).
    const ts = request.fields('timestamp')[0];
    if (ts !== undefined) headers.push(ts);
  }
  for (const [name, value] of options.headers ?? []) headers.push(field(name, value));
  const res = new SipResponse(status, options.reason ?? reasonPhrase(status), headers);
  res.setBody(options.body ?? Buffer.alloc(0), options.body === undefined ? undefined : options.contentType);
  return res;
}

function hasTag(to: string): boolean {
  const parsed = parseNameAddr(to);
  // A To that does not parse (answering a malformed request) is checked textually.
  return parsed !== undefined ? parsed.tag !== undefined : /;\s*tag\s*=/i.test(to);
}

/**
 * A copy of a request for forwarding (RFC 3261 §16.6 step 1: "copy the received request").
 * Header fields are immutable and shared; the copy's header list, Request-URI and body can be
 * changed without touching the original.
 */
export function copyRequest(request: SipRequest): SipRequest {
  const copy = new SipRequest(request.method, request.uri, [...request.headers], request.body);
  copy.version = request.version;
  return copy.adoptViews(request);
}
