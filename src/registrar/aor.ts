/**
 * Address-of-record keys. RFC 3261 §10.3 step 5: the registrar "MUST convert [the To URI] to a
 * canonical form ... all URI parameters MUST be removed (including the user-param), and any
 * escaped characters MUST be converted to their unescaped form". The port goes too: when the
 * host is ours, `sip:bob@host` and `sip:bob@host:5060` are the same AOR; sip and sips share one.
 */
import { type SipUri, unescape } from '../sip/message/index.js';

/** `user@domain` with the user unescaped (case kept) and the domain lower-cased. */
export function aorKey(uri: SipUri): string {
  const user = uri.user === undefined ? '' : unescape(uri.user);
  return `${user}@${uri.hostname}`;
}
