/**
 * Ending a call from the middle (Kamailio's dlg_end_dlg): when the media relay sees no RTP
 * for too long, the proxy sends a BYE to each party of the confirmed dialog, as the other
 * party would have — From/To with their tags, the dialog's Call-ID, a CSeq above the last
 * one seen from that side, to the address the party is reached at (its pinhole or Contact).
 * Only dialogs that were record-routed through this proxy, and whose media the relay
 * carries (the only ones that can time out), are known here.
 */
import { newBranch } from '../lib/index.js';
import type { Endpoint } from '../sip/endpoint/index.js';
import { type NameAddr, type SipMessage, type SipRequest, type SipResponse, type Uri, createRequest, parseNameAddr } from '../sip/message/index.js';
import { type Destination, localViaFor } from '../sip/transport/index.js';

interface Party {
  /** The party's remote target (its Contact) and where to send to reach it. */
  readonly target: Uri;
  readonly destination: Destination;
  /** The party's own identity in the dialog (name-addr with its tag). */
  readonly self: NameAddr;
  /** Highest CSeq the party sent (our BYE *to* the other side must exceed the other side's). */
  cseq: number;
}

interface Dialog {
  readonly callId: string;
  readonly caller: Party;
  readonly callee: Party;
}

export class DialogTerminator {
  private readonly dialogs = new Map<string, Dialog>();

  constructor(private readonly endpoint: Endpoint) {}

  get size(): number {
    return this.dialogs.size;
  }

  /** The 2xx of an initial INVITE went upstream: the dialog is confirmed. */
  confirmed(invite: SipRequest, inviteSource: Destination, ok: SipResponse, calleeDestination: Destination | undefined): void {
    if (this.dialogs.has(invite.callId) || calleeDestination === undefined) return;
    const callerContact = contactUri(invite);
    const calleeContact = contactUri(ok);
    if (callerContact === undefined || calleeContact === undefined || ok.to.tag === undefined) return;
    this.dialogs.set(invite.callId, {
      callId: invite.callId,
      caller: { target: callerContact, destination: inviteSource, self: invite.from, cseq: invite.cseq.seq },
      callee: { target: calleeContact, destination: calleeDestination, self: ok.to, cseq: 0 },
    });
  }

  /** An in-dialog request passed: keeps CSeq numbers current; a BYE ends the record. */
  inDialog(r: SipRequest): void {
    const d = this.dialogs.get(r.callId);
    if (d === undefined) return;
    if (r.method === 'BYE') {
      this.dialogs.delete(r.callId);
      return;
    }
    const from = r.from.tag === d.caller.self.tag ? d.caller : d.callee;
    from.cseq = Math.max(from.cseq, r.cseq.seq);
  }

  forget(callId: string): void {
    this.dialogs.delete(callId);
  }

  /** Sends BYE to both parties; false when the dialog is not known here. */
  terminate(callId: string, reason: string): boolean {
    const d = this.dialogs.get(callId);
    if (d === undefined) return false;
    this.dialogs.delete(callId);
    // To the callee as if from the caller, and to the caller as if from the callee.
    this.bye(d, d.callee, d.caller, reason);
    this.bye(d, d.caller, d.callee, reason);
    return true;
  }

  private bye(d: Dialog, to: Party, as: Party, reason: string): void {
    const via = localViaFor(this.endpoint.transport, to.destination, newBranch());
    if (via === undefined) return;
    as.cseq += 1;
    const request = createRequest({
      method: 'BYE',
      uri: to.target,
      via,
      from: as.self,
      to: to.self,
      callId: d.callId,
      cseq: as.cseq,
      // RFC 3326: why the call ended.
      headers: [['Reason', `SIP;cause=408;text="${reason.replace(/["\\]/g, '')}"`]],
    });
    this.endpoint.transactions.createClientTransaction(request, to.destination, { onResponse() {}, onTimeout() {}, onTransportError() {} });
  }
}

function contactUri(m: SipMessage): Uri | undefined {
  const first = m.headerValues('contact')?.[0];
  return first === undefined ? undefined : parseNameAddr(first)?.uri;
}
