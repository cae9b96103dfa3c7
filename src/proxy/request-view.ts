/** The read-only request view given to route rules and hooks. */
import { type SipRequest, unescape } from '../sip/message/index.js';
import type { NetAddress } from '../sip/transport/index.js';
import type { RequestView } from './routing/index.js';

export function requestView(r: SipRequest, source: NetAddress, user: string | undefined): RequestView {
  const uri = r.uri;
  const from = r.from.uri;
  return {
    method: r.method,
    ruri: uri.toString(),
    ruriUser: uri.kind === 'sip' ? unescape(uri.user ?? '') : '',
    ruriHost: uri.kind === 'sip' ? uri.hostname : '',
    from: from.toString(),
    fromUser: from.kind === 'sip' ? unescape(from.user ?? '') : '',
    to: r.to.uri.toString(),
    callId: r.callId,
    source,
    user,
    header: (name) => r.header(name),
  };
}
