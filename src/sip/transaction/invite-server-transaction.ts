/**
 * INVITE server transaction: RFC 3261 §17.2.1 (Timers G, H, I) with the Accepted state of
 * RFC 6026 §8.7 (Timer L), and the automatic 100 (Trying).
 */
import { type SipRequest, type SipResponse, createResponse } from '../message/index.js';
import { type Destination, type ReceivedContext, type TransportError, isReliable } from '../transport/index.js';
import { TRYING_DELAY, timeout64 } from './timers.js';
import { TransactionBase, type TransactionContext, arrivalOf } from './transaction-base.js';
import type { ServerTransaction } from './transaction-user.js';

export type InviteServerState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

export class InviteServerTransaction extends TransactionBase<InviteServerState> implements ServerTransaction {
  readonly kind = 'ist' as const;
  private last: SipResponse | undefined;
  private readonly reliable: boolean;
  private timerG = 0;
  private tryingTimer: { cancel(): void } | undefined;
  /** The To tag of the final response sent (RFC 2543 ACK matching, §17.2.3). */
  responseToTag: string | undefined;
  readonly received: ReceivedContext;

  constructor(
    id: string,
    ctx: TransactionContext,
    readonly request: SipRequest,
    received: ReceivedContext,
    readonly responseDestination: Destination,
  ) {
    super(id, ctx, 'Proceeding');
    this.received = arrivalOf(received);
    this.reliable = isReliable(responseDestination.transport);
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /**
   * §17.2.1: "The server transaction MUST generate a 100 (Trying) response unless it knows
   * that the TU will generate a provisional or final response within 200 ms". It waits
   * 200 ms for the TU; if nothing was sent by then, it sends the 100 itself.
   */
  start(): void {
    if (!this.ctx.autoTrying) return;
    this.tryingTimer = this.ctx.clock.setTimer(TRYING_DELAY, () => {
      this.tryingTimer = undefined;
      if (this.state !== 'Proceeding' || this.last !== undefined) return;
      // "The 100 (Trying) response is constructed according to the procedures in Section
      // 8.2.6, except that the insertion of tags in the To header field of the response
      // (when none was present in the request) is downgraded from MAY to SHOULD NOT."
      this.last = createResponse(this.request, 100);
      this.transmit(this.last, this.responseDestination);
    });
  }

  respond(response: SipResponse): boolean {
    const status = response.status;
    if (this.state === 'Accepted') {
      // RFC 6026 §8.7: "Any retransmission of the 2xx response passed from the TU to the
      // transaction while in the 'Accepted' state MUST be passed to the transport layer."
      if (status < 200 || status >= 300) return false;
      this.last = response;
      this.transmit(response, this.responseDestination);
      return true;
    }
    if (this.state !== 'Proceeding') return false;
    this.cancelTrying();
    this.last = response;
    if (status >= 200) this.responseToTag = response.to.tag;
    this.transmit(response, this.responseDestination);
    if (this.terminated || status < 200) return true;
    if (status < 300) {
      // RFC 6026 §8.7: "If, while in the 'Proceeding' state, the TU passes a 2xx response
      // to the server transaction, the server transaction MUST pass this response to the
      // transport layer for transmission ... The server transaction MUST then transition to
      // the 'Accepted' state" and Timer L is set to 64*T1 (`wait`: shorter when configured).
      this.enter('Accepted');
      this.setStateTimer(this.ctx.timers.wait, () => this.terminate());
      this.compactKept(this.request, response);
      return true;
    }
    // §17.2.1: "the state machine MUST enter the 'Completed' state, and the response MUST be
    // passed to the transport layer for transmission. When the 'Completed' state is entered,
    // timer H MUST be set to fire in 64*T1 seconds for all transports. Timer G is set to
    // fire in T1 seconds, and is not set to fire for reliable transports."
    this.enter('Completed');
    this.setStateTimer(timeout64(this.ctx.timers), () => this.onTimerH());
    if (!this.reliable) {
      this.timerG = this.ctx.timers.t1;
      this.setRetransmitTimer(this.timerG, () => this.onTimerG());
    }
    this.compactKept(this.request, response);
    return true;
  }

  /** A retransmission of the INVITE (§17.2.3 matched). */
  receiveRetransmission(): void {
    switch (this.state) {
      case 'Proceeding':
        // §17.2.1: "If a request retransmission is received while in the 'Proceeding'
        // state, the most recent provisional response that was received from the TU MUST
        // be passed to the transport layer for retransmission."
        if (this.last !== undefined) this.transmit(this.last, this.responseDestination);
        return;
      case 'Completed':
        // "while in the 'Completed' state, if a request retransmission is received, the
        // server SHOULD pass the response to the transport for retransmission."
        if (this.last !== undefined) this.transmit(this.last, this.responseDestination);
        return;
      default:
        // Confirmed absorbs; RFC 6026 §8.7: "Any retransmissions of the INVITE received
        // while in the 'Accepted' state MUST be absorbed by the server transaction."
        return;
    }
  }

  /**
   * An ACK matched to this transaction. Returns true when it belongs to the TU (the
   * Accepted state, RFC 6026 §8.7), false when the transaction absorbed it.
   */
  receiveAck(): boolean {
    switch (this.state) {
      case 'Completed':
        // §17.2.1: "If an ACK is received while the server transaction is in the
        // 'Completed' state, the server transaction MUST transition to the 'Confirmed'
        // state. As Timer G is ignored in this state, any retransmissions of the response
        // will cease." Timer I: "T4 seconds for unreliable transports, and zero seconds for
        // reliable transports."
        this.lingerThenTerminate('Confirmed', this.reliable ? 0 : this.ctx.timers.t4);
        return false;
      case 'Accepted':
        return true;
      default:
        // Confirmed: "absorb any additional ACK messages"; an ACK before any final
        // response (Proceeding) matches nothing the TU can use.
        return false;
    }
  }

  private onTimerG(): void {
    if (this.state !== 'Completed' || this.last === undefined) return;
    // §17.2.1: "If timer G fires, the response is passed to the transport layer once more
    // for retransmission, and timer G is set to fire in MIN(2*T1, T2) seconds. From then on,
    // when timer G fires, the response is passed to the transport again for transmission,
    // and timer G is reset with a value that doubles, unless that value exceeds T2".
    this.transmit(this.last, this.responseDestination);
    this.timerG = Math.min(2 * this.timerG, this.ctx.timers.t2);
    this.setRetransmitTimer(this.timerG, () => this.onTimerG());
  }

  private onTimerH(): void {
    if (this.state !== 'Completed') return;
    // §17.2.1: "If timer H fires while in the 'Completed' state, it implies that the ACK was
    // never received. In this case, the server transaction MUST transition to the
    // 'Terminated' state, and MUST indicate to the TU that a transaction failure has
    // occurred."
    this.ctx.user.onServerTimeout?.(this);
    this.terminate();
  }

  private cancelTrying(): void {
    this.tryingTimer?.cancel();
    this.tryingTimer = undefined;
  }

  protected onSendFailure(error: TransportError): void {
    // §17.2.4: when the response cannot be sent the TU is informed and the transaction ends.
    this.ctx.user.onServerTransportError?.(this, error);
    this.terminate();
  }

  protected onTerminated(): void {
    this.cancelTrying();
    this.ctx.user.onServerTerminated?.(this);
  }
}
