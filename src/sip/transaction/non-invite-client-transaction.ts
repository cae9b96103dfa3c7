/** Non-INVITE client transaction: RFC 3261 §17.1.2 (Timers E, F, K). */
import type { SipRequest, SipResponse } from '../message/index.js';
import { type Destination, type ReceivedMessage, type SendResult, type TransportError, isReliable } from '../transport/index.js';
import { timeout64 } from './timers.js';
import { TransactionBase, type TransactionContext } from './transaction-base.js';
import type { ClientTransaction, ClientTransactionCallbacks } from './transaction-user.js';

export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

export class NonInviteClientTransaction extends TransactionBase<NonInviteClientState> implements ClientTransaction {
  readonly kind = 'nict' as const;
  private dest: Destination;
  private readonly reliable: boolean;
  private timerE = 0;

  constructor(
    id: string,
    ctx: TransactionContext,
    readonly request: SipRequest,
    destination: Destination,
    private readonly callbacks: ClientTransactionCallbacks,
  ) {
    super(id, ctx, 'Trying');
    this.dest = destination;
    this.reliable = isReliable(destination.transport);
  }

  get destination(): Destination {
    return this.dest;
  }

  /** §17.1.2.2: enter Trying, send the request, start Timer F and (unreliable only) Timer E. */
  start(): void {
    this.transmit(this.request, this.dest);
    // "The 'Trying' state is entered when the TU initiates a new client transaction with a
    // request. When entering this state, the client transaction SHOULD set timer F to fire
    // in 64*T1 seconds. ... If an unreliable transport is in use, the client transaction
    // MUST set timer E to fire in T1 seconds."
    this.setStateTimer(timeout64(this.ctx.timers), () => this.onTimerF());
    if (!this.reliable) {
      this.timerE = this.ctx.timers.t1;
      this.setRetransmitTimer(this.timerE, () => this.onTimerE());
    }
  }

  /** A response matched to this transaction (§17.1.3). */
  receiveResponse(rx: ReceivedMessage): void {
    const res = rx.message as SipResponse;
    if (this.state !== 'Trying' && this.state !== 'Proceeding') {
      // §17.1.2.2: "The 'Completed' state exists to buffer any additional response
      // retransmissions that may be received (which is why the client transaction remains
      // there only for unreliable transports)." They are absorbed.
      return;
    }
    if (res.status < 200) {
      // "If a provisional response is received while in the 'Trying' state, the response
      // MUST be passed to the TU, and then the client transaction SHOULD move to the
      // 'Proceeding' state." In Proceeding, further provisionals also go to the TU.
      this.enter('Proceeding');
      this.callbacks.onResponse(res, this, rx);
      return;
    }
    // "If a final response (status codes 200-699) is received while in the 'Trying' [or
    // 'Proceeding'] state, the response MUST be passed to the TU, and the client
    // transaction MUST transition to the 'Completed' state." ... "Once the client transaction
    // enters the 'Completed' state, it MUST set Timer K to fire in T4 seconds for unreliable
    // transports, and zero seconds for reliable transports."
    this.enter('Completed');
    this.cancelRetransmitTimer();
    this.cancelStateTimer();
    this.callbacks.onResponse(res, this, rx);
    if (!this.terminated) this.lingerThenTerminate('Completed', this.reliable ? 0 : this.ctx.timers.t4);
    this.compactKept(this.request);
  }

  private onTimerE(): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.transmit(this.request, this.dest);
    // §17.1.2.2: in Trying "the timer is reset with a value of MIN(2*T1, T2) ... the next
    // with MIN(4*T1, T2)"; "If Timer E fires while in the 'Proceeding' state, the request
    // MUST be passed to the transport layer for retransmission, and Timer E MUST be reset
    // with a value of T2 seconds."
    this.timerE = this.state === 'Trying' ? Math.min(2 * this.timerE, this.ctx.timers.t2) : this.ctx.timers.t2;
    this.setRetransmitTimer(this.timerE, () => this.onTimerE());
  }

  private onTimerF(): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    // "If Timer F fires while the client transaction is still in the 'Trying' state, the
    // client transaction SHOULD inform the TU about the timeout, and then it SHOULD enter
    // the 'Terminated' state." (likewise in 'Proceeding')
    this.callbacks.onTimeout(this);
    this.terminate();
  }

  protected override onSent(result: SendResult & { ok: true }): void {
    if (result.connectionId !== undefined && this.dest.connectionId === undefined) {
      this.dest = { ...this.dest, connectionId: result.connectionId };
    }
  }

  protected onSendFailure(error: TransportError): void {
    // §17.1.4: "the client transaction SHOULD inform the TU that a transport failure has
    // occurred, and the client transaction SHOULD transition directly to the 'Terminated'
    // state."
    if (this.state === 'Trying' || this.state === 'Proceeding') this.callbacks.onTransportError(this, error);
    this.terminate();
  }

  protected onTerminated(): void {
    this.callbacks.onTerminated?.(this);
  }
}
