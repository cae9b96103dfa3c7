/** Non-INVITE server transaction: RFC 3261 §17.2.2 (Timer J). */
import type { SipRequest, SipResponse } from '../message/index.js';
import { type Destination, type ReceivedContext, type TransportError, isReliable } from '../transport/index.js';
import { TransactionBase, type TransactionContext, arrivalOf } from './transaction-base.js';
import type { ServerTransaction } from './transaction-user.js';

export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export class NonInviteServerTransaction extends TransactionBase<NonInviteServerState> implements ServerTransaction {
  readonly kind = 'nist' as const;
  private last: SipResponse | undefined;
  private readonly reliable: boolean;
  readonly received: ReceivedContext;

  constructor(
    id: string,
    ctx: TransactionContext,
    readonly request: SipRequest,
    received: ReceivedContext,
    readonly responseDestination: Destination,
  ) {
    super(id, ctx, 'Trying');
    this.received = arrivalOf(received);
    this.reliable = isReliable(responseDestination.transport);
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  respond(response: SipResponse): boolean {
    // §17.2.2: "Any other final responses passed by the TU to the server transaction MUST be
    // discarded while in the 'Completed' state."
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return false;
    this.last = response;
    this.transmit(response, this.responseDestination);
    if (this.terminated) return true;
    if (response.status < 200) {
      // "While in the 'Trying' state, if the TU passes a provisional response to the server
      // transaction, the server transaction MUST enter the 'Proceeding' state."
      this.enter('Proceeding');
      return true;
    }
    // "If the TU passes a final response (status codes 200-699) to the server while in the
    // 'Proceeding' [or 'Trying'] state, the transaction MUST enter the 'Completed' state".
    // "When the server transaction enters the 'Completed' state, it MUST set Timer J to fire
    // in 64*T1 seconds for unreliable transports, and zero seconds for reliable transports."
    // (`wait`: 64·T1 unless configured shorter, as Kamailio's wt_timer; timers.ts.)
    this.lingerThenTerminate('Completed', this.reliable ? 0 : this.ctx.timers.wait);
    this.compactKept(this.request, response);
    return true;
  }

  /** A retransmission of the request (§17.2.3 matched). */
  receiveRetransmission(): void {
    // §17.2.2: "Once in the 'Trying' state, any further request retransmissions are
    // discarded." "If a retransmission of the request is received while in the 'Proceeding'
    // state, the most recently sent provisional response MUST be passed to the transport
    // layer for retransmission." "While in the 'Completed' state, the server transaction MUST
    // pass the final response to the transport layer for retransmission whenever a
    // retransmission of the request is received."
    if ((this.state === 'Proceeding' || this.state === 'Completed') && this.last !== undefined) {
      this.transmit(this.last, this.responseDestination);
    }
  }

  protected onSendFailure(error: TransportError): void {
    // §17.2.4 / Figure 8: "Transport Err. — Inform TU", then Terminated.
    this.ctx.user.onServerTransportError?.(this, error);
    this.terminate();
  }

  protected onTerminated(): void {
    this.ctx.user.onServerTerminated?.(this);
  }
}
