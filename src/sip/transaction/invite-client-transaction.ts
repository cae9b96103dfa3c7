/** INVITE client transaction: RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §8.4. */
import type { SipRequest, SipResponse } from '../message/index.js';
import { type Destination, type ReceivedMessage, type SendResult, type TransportError, isReliable } from '../transport/index.js';
import { buildAckForNon2xx } from './request-builders.js';
import { timeout64 } from './timers.js';
import { TransactionBase, type TransactionContext } from './transaction-base.js';
import type { ClientTransaction, ClientTransactionCallbacks } from './transaction-user.js';

export type InviteClientState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

export class InviteClientTransaction extends TransactionBase<InviteClientState> implements ClientTransaction {
  readonly kind = 'ict' as const;
  private dest: Destination;
  private readonly reliable: boolean;
  private ack: SipRequest | undefined;
  private timerA = 0;

  constructor(
    id: string,
    ctx: TransactionContext,
    readonly request: SipRequest,
    destination: Destination,
    private readonly callbacks: ClientTransactionCallbacks,
  ) {
    super(id, ctx, 'Calling');
    this.dest = destination;
    this.reliable = isReliable(destination.transport);
  }

  get destination(): Destination {
    return this.dest;
  }

  /** §17.1.1.2: enter Calling, send the INVITE, start Timers A (unreliable only) and B. */
  start(): void {
    this.transmit(this.request, this.dest);
    if (!this.reliable) {
      // "If an unreliable transport is being used, the client transaction MUST start timer A
      // with a value of T1. If a reliable transport is being used, the client transaction
      // SHOULD NOT start timer A."
      this.timerA = this.ctx.timers.t1;
      this.setRetransmitTimer(this.timerA, () => this.onTimerA());
    }
    // "For any transport, the client transaction MUST start timer B with a value of 64*T1."
    this.setStateTimer(timeout64(this.ctx.timers), () => this.onTimerB());
  }

  /** A response matched to this transaction (§17.1.3). */
  receiveResponse(rx: ReceivedMessage): void {
    const res = rx.message as SipResponse;
    const status = res.status;
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        if (status < 200) {
          // §17.1.1.2: "If the client transaction receives a provisional response while in
          // the 'Calling' state, it transitions to the 'Proceeding' state. In the
          // 'Proceeding' state, the client transaction SHOULD NOT retransmit the request any
          // longer. Furthermore, the provisional response MUST be passed to the TU."
          // Timer B only applies to Calling (Figure 5); in Proceeding the TU's Timer C rules.
          if (this.state === 'Calling') {
            this.enter('Proceeding');
            this.cancelRetransmitTimer();
            this.cancelStateTimer();
          }
          this.callbacks.onResponse(res, this, rx);
        } else if (status < 300) {
          // RFC 6026 §8.4: "If a 2xx response is received while the client INVITE state
          // machine is in the 'Calling' or 'Proceeding' states, it MUST transition to the
          // 'Accepted' state, pass the 2xx response to the TU, and set Timer M to 64*T1."
          // (`wait`: shorter when configured, timers.ts.)
          this.enter('Accepted');
          this.cancelRetransmitTimer();
          this.setStateTimer(this.ctx.timers.wait, () => this.terminate());
          this.callbacks.onResponse(res, this, rx);
          this.compactKept(this.request);
        } else {
          // §17.1.1.2: "When in either the 'Calling' or 'Proceeding' states, reception of a
          // response with status code from 300-699 MUST cause the client transaction to
          // transition to 'Completed'. The client transaction MUST pass the received
          // response up to the TU, and the client transaction MUST generate an ACK request"
          this.ack = buildAckForNon2xx(this.request, res);
          this.enter('Completed');
          this.cancelRetransmitTimer();
          this.transmit(this.ack, this.dest);
          this.callbacks.onResponse(res, this, rx);
          // "The client transaction SHOULD start timer D when it enters the 'Completed'
          // state, with a value of at least 32 seconds for unreliable transports, and a value
          // of zero seconds for reliable transports."
          if (!this.terminated) this.lingerThenTerminate('Completed', this.reliable ? 0 : this.ctx.timers.timerD);
          this.compactKept(this.request);
        }
        return;
      case 'Completed':
        // "Any retransmissions of the final response that are received while in the
        // 'Completed' state MUST cause the ACK to be re-passed to the transport layer for
        // retransmission, but the newly received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack !== undefined) this.transmit(this.ack, this.dest);
        return;
      case 'Accepted':
        // RFC 6026 §8.4: "Any 2xx responses that match this client transaction and that are
        // received while in the 'Accepted' state MUST be passed up to the TU."
        if (status >= 200 && status < 300) this.callbacks.onResponse(res, this, rx);
        return;
      case 'Terminated':
        return;
    }
  }

  private onTimerA(): void {
    if (this.state !== 'Calling') return;
    // §17.1.1.2: "When timer A fires, the client transaction MUST retransmit the request by
    // passing it to the transport layer, and MUST reset the timer with a value of 2*T1."
    // Each further firing doubles the interval again (no cap for INVITE requests).
    this.transmit(this.request, this.dest);
    this.timerA *= 2;
    this.setRetransmitTimer(this.timerA, () => this.onTimerA());
  }

  private onTimerB(): void {
    if (this.state !== 'Calling') return;
    // §17.1.1.2: "If the client transaction is still in the 'Calling' state when timer B
    // fires, the client transaction SHOULD inform the TU that a timeout has occurred."
    this.callbacks.onTimeout(this);
    this.terminate();
  }

  protected override onSent(result: SendResult & { ok: true }): void {
    // Retransmissions and the ACK reuse the connection the INVITE went on (§17.1.1.3:
    // "The ACK MUST be sent to the same address, port, and transport").
    if (result.connectionId !== undefined && this.dest.connectionId === undefined) {
      this.dest = { ...this.dest, connectionId: result.connectionId };
    }
  }

  protected onSendFailure(error: TransportError): void {
    // §17.1.4 / Figure 5: a transport error in Calling informs the TU and terminates. An ACK
    // that cannot be sent only ends the transaction: the TU already has the final response.
    if (this.state === 'Calling' || this.state === 'Proceeding') this.callbacks.onTransportError(this, error);
    this.terminate();
  }

  protected onTerminated(): void {
    this.callbacks.onTerminated?.(this);
  }
}
