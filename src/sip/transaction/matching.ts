/**
 * Transaction matching keys (RFC 3261 §17.1.3 client side, §17.2.3 server side with the
 * RFC 2543 fallback, §9.2 CANCEL). Pure functions of the message: equal keys mean "matches".
 */
import { BRANCH_MAGIC_COOKIE } from '../../lib/index.js';
import type { SipRequest, SipResponse, Via } from '../message/index.js';

const SEP = '\u0000';

/** §17.2.3: a branch "beginning with the magic cookie z9hG4bK" comes from an RFC 3261 element. */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > BRANCH_MAGIC_COOKIE.length;
}

/**
 * §17.1.3: a response matches a client transaction when the branch of its top Via equals the
 * request's and its CSeq method equals the method of the request that created it.
 */
export function clientKey(branch: string, method: string): string {
  return branch + SEP + method;
}

/** The client key a response looks up, or undefined when its top Via has no branch. */
export function responseClientKey(response: SipResponse): string | undefined {
  const branch = response.vias[0]?.branch;
  return branch === undefined ? undefined : clientKey(branch, response.cseq.method);
}

/** §17.2.3: the sent-by of a Via (host and port; an absent port is the transport default). */
function sentBy(via: Via): string {
  const port = via.port ?? (via.transport === 'TLS' ? 5061 : 5060);
  return `${via.hostname}:${port}`;
}

/**
 * §17.2.3 (RFC 2543 fallback): the fields an old-style request is matched on, except the
 * To tag and method, which vary by case. The top Via is compared by protocol, sent-by and
 * branch (a received/rport added on receipt must not change the key).
 */
function rfc2543Base(req: SipRequest): string {
  const via = req.vias[0];
  const viaKey = `${via.transport} ${sentBy(via)} ${via.branch ?? ''}`;
  return ['2543', req.uri.toString(), req.from.tag ?? '', req.callId, String(req.cseq.seq), viaKey].join(SEP);
}

function inviteKey2543(req: SipRequest, toTag: string | undefined): string {
  return rfc2543Base(req) + SEP + 'INVITE' + SEP + (toTag ?? '');
}

/**
 * The key of the server transaction a request creates or is a retransmission for
 * (not for ACK: see ackLookupKeys).
 * - §17.2.3, RFC 3261 branch: branch + sent-by + method.
 * - RFC 2543: "the Request-URI, To tag, From tag, Call-ID, CSeq, and top Via header field
 *   match those of the INVITE request which created the transaction" (and likewise for
 *   non-INVITE requests, with the CSeq method).
 */
export function serverKey(req: SipRequest): string {
  const via = req.vias[0];
  if (isRfc3261Branch(via.branch)) return via.branch + SEP + sentBy(via) + SEP + req.method;
  if (req.method === 'INVITE') return inviteKey2543(req, req.to.tag);
  return rfc2543Base(req) + SEP + req.method + SEP + (req.to.tag ?? '');
}

/** Whether a request carries an RFC 3261 branch (matched by branch) or not (RFC 2543). */
export function usesRfc3261Matching(req: SipRequest): boolean {
  return isRfc3261Branch(req.vias[0]?.branch);
}

/**
 * The keys of INVITE server transactions an ACK may belong to.
 * - §17.2.3: "the method of the request that created the transaction is INVITE" for an ACK.
 * - RFC 2543: "the Request-URI, From tag, Call-ID, CSeq number (not the method), and top
 *   Via header field match those of the INVITE request which created the transaction, and
 *   the To tag of the ACK matches the To tag of the response sent by the server
 *   transaction". The INVITE had either no To tag (initial) or the dialog's, which is the
 *   ACK's: both candidates are returned; the caller then checks ackMatches2543().
 */
export function ackLookupKeys(ack: SipRequest): string[] {
  const via = ack.vias[0];
  if (isRfc3261Branch(via.branch)) return [via.branch + SEP + sentBy(via) + SEP + 'INVITE'];
  const tag = ack.to.tag;
  return tag === undefined ? [inviteKey2543(ack, undefined)] : [inviteKey2543(ack, tag), inviteKey2543(ack, undefined)];
}

/** RFC 2543 ACK rule: its To tag equals the To tag of the response the transaction sent. */
export function ackMatches2543(ack: SipRequest, responseToTag: string | undefined): boolean {
  return responseToTag !== undefined && ack.to.tag === responseToTag;
}

/**
 * §9.2: the key of the INVITE server transaction a CANCEL refers to. "The CANCEL method
 * requests that the TU at the server side cancel a pending transaction. The TU determines
 * the transaction to be cancelled by taking the CANCEL request, and then assuming that the
 * request method is anything but CANCEL or ACK and applying the transaction matching
 * procedures of Section 17.2.3." A CANCEL copies the INVITE's To (with its tag, if any,
 * §9.1), so the RFC 2543 key is the INVITE's own.
 */
export function cancelTargetKey(cancel: SipRequest): string {
  const via = cancel.vias[0];
  if (isRfc3261Branch(via.branch)) return via.branch + SEP + sentBy(via) + SEP + 'INVITE';
  return inviteKey2543(cancel, cancel.to.tag);
}
