/**
 * The fields every log line about a SIP message carries, so all lines of a call or of a user
 * can be found with one grep: `callId`, and `user` — the From URI's user of a request (a
 * response has its request's From), or the address-of-record (`user@domain`, the To URI) of a
 * REGISTER and its responses. Absent fields are left out; a malformed header never throws.
 */
import { type HeaderField, type NameAddr, type PartialMessage, type SipMessage, type Uri, parseNameAddr, unescape } from '../message/index.js';

export interface SipLogFields {
  callId?: string;
  user?: string;
}

function safe<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

/** The user part of a sip/sips URI (unescaped) or a tel URI's number; undefined otherwise. */
export function uriLogUser(uri: Uri | undefined): string | undefined {
  if (uri === undefined) return undefined;
  if (uri.kind === 'tel') return uri.number;
  if (uri.kind !== 'sip' || uri.user === undefined) return undefined;
  return unescape(uri.user);
}

/** RFC 3261 §10.3: the AOR is the To URI, `user@domain` (as the registrar keys it). */
function aorOf(uri: Uri | undefined): string | undefined {
  if (uri === undefined || uri.kind !== 'sip') return uriLogUser(uri);
  return `${uri.user === undefined ? '' : unescape(uri.user)}@${uri.hostname}`;
}

function fields(callId: string | undefined, method: string | undefined, from: () => NameAddr | undefined, to: () => NameAddr | undefined): SipLogFields {
  const user = method === 'REGISTER' ? aorOf(safe(to)?.uri) : uriLogUser(safe(from)?.uri);
  const out: SipLogFields = {};
  if (callId !== undefined) out.callId = callId;
  if (user !== undefined) out.user = user;
  return out;
}

/** A request's method, or a response's CSeq method; undefined (never a throw) when unreadable. */
export function messageMethod(m: SipMessage): string | undefined {
  return m.kind === 'request' ? m.method : safe(() => m.cseq.method);
}

/** `{ callId, user }` of a parsed message. */
export function sipLogFields(m: SipMessage): SipLogFields {
  return fields(
    safe(() => m.callId),
    messageMethod(m),
    () => m.from,
    () => m.to,
  );
}

/** `{ callId, user }` of what a message that failed to parse let the parser read. */
export function partialLogFields(p: PartialMessage | undefined): SipLogFields {
  if (p === undefined) return {};
  const value = (key: string): string | undefined => p.headers.find((f: HeaderField) => f.key === key)?.value.trim();
  const method = p.method ?? value('cseq')?.split(/\s+/)[1];
  // Unvalidated bytes: a bounded slice is enough to find the call.
  const callId = value('call-id')?.slice(0, 256);
  return fields(
    callId === undefined || callId === '' ? undefined : callId,
    method?.toUpperCase(),
    () => parseNameAddr(value('from') ?? ''),
    () => parseNameAddr(value('to') ?? ''),
  );
}
