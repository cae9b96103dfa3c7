/** What the four transaction state machines share: timers on the injected Clock, sending, termination. */
import type { Clock, TimerHandle } from '../../lib/index.js';
import type { SipMessage } from '../message/index.js';
import type { Destination, ReceivedContext, SendResult, SipTransport, TransportError } from '../transport/index.js';
import type { TimerValues } from './timers.js';
import type { TransactionUser } from './transaction-user.js';

/**
 * The arrival context alone, without the message: a server transaction keeps it for its
 * whole life, and the received object also holds the parsed message.
 */
export function arrivalOf(rx: ReceivedContext): ReceivedContext {
  return {
    source: rx.source,
    local: rx.local,
    receivedAt: rx.receivedAt,
    ...(rx.connectionId === undefined ? {} : { connectionId: rx.connectionId }),
  };
}

/** What the TransactionLayer gives each transaction. */
export interface TransactionContext {
  readonly transport: SipTransport;
  readonly clock: Clock;
  readonly timers: TimerValues;
  /** §17.2.1: send 100 (Trying) when the TU has not answered an INVITE within 200 ms. */
  readonly autoTrying: boolean;
  readonly user: TransactionUser;
  /** Called once when a transaction reaches Terminated: the layer drops it from its tables. */
  removed(tx: TransactionBase<string>): void;
}

export abstract class TransactionBase<S extends string> {
  private current: S;
  /** Timer A, E or G (request or response retransmission). */
  private retransmitTimer: TimerHandle | undefined;
  /** Timer B, D, F, H, I, J, K, L or M (the state's timeout). */
  private stateTimer: TimerHandle | undefined;
  /** Settles once the latest transmit() has been made (or has failed). */
  private lastSend: Promise<void> | undefined;

  protected constructor(
    readonly id: string,
    protected readonly ctx: TransactionContext,
    initial: S,
  ) {
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  get terminated(): boolean {
    return this.current === 'Terminated';
  }

  protected enter(state: S): void {
    this.current = state;
  }

  /** Starts (or restarts) the retransmission timer. */
  protected setRetransmitTimer(ms: number, fire: () => void): void {
    this.retransmitTimer?.cancel();
    this.retransmitTimer = this.ctx.clock.setTimer(ms, () => {
      this.retransmitTimer = undefined;
      if (!this.terminated) fire();
    });
  }

  protected cancelRetransmitTimer(): void {
    this.retransmitTimer?.cancel();
    this.retransmitTimer = undefined;
  }

  /** Starts (or restarts) the state timer. */
  protected setStateTimer(ms: number, fire: () => void): void {
    this.stateTimer?.cancel();
    this.stateTimer = this.ctx.clock.setTimer(ms, () => {
      this.stateTimer = undefined;
      if (!this.terminated) fire();
    });
  }

  protected cancelStateTimer(): void {
    this.stateTimer?.cancel();
    this.stateTimer = undefined;
  }

  /**
   * Enters a waiting state that ends in Terminated after `ms` (Timers D, I, J, K, L, M).
   * A zero wait (reliable transports) terminates at once.
   */
  protected lingerThenTerminate(state: S, ms: number): void {
    this.enter(state);
    this.cancelRetransmitTimer();
    if (ms <= 0) this.terminate();
    else this.setStateTimer(ms, () => this.terminate());
  }

  /**
   * Messages kept through a wait state (Timers D, H, J, K, L, M) only to be sent again, or
   * not at all: packed (SipMessage.compact) once the last send has been made and published
   * (the trace and metrics read the message as sent), unpacked again if anyone reads them.
   */
  protected compactKept(...messages: SipMessage[]): void {
    const pack = (): void => {
      for (const m of messages) m.compact();
    };
    if (this.lastSend === undefined) pack();
    else void this.lastSend.then(pack);
  }

  /** Passes a message to the transport; a failure reaches onSendFailure unless already terminated. */
  protected transmit(message: SipMessage, dest: Destination): void {
    const sent: Promise<void> = this.ctx.transport.send(message, dest).then((result: SendResult) => {
      if (this.lastSend === sent) this.lastSend = undefined;
      if (this.terminated) return;
      if (result.ok) this.onSent(result);
      else this.onSendFailure(result.error);
    });
    this.lastSend = sent;
  }

  protected onSent(_result: SendResult & { ok: true }): void {
    // Client transactions record the connection used (RFC 3261 §18.1.1); servers need nothing.
  }

  protected abstract onSendFailure(error: TransportError): void;

  /** Hook for the TU notification when the transaction ends. */
  protected abstract onTerminated(): void;

  /** RFC 3261 §17: "Once the transaction is in the Terminated state, it MUST be destroyed immediately." */
  terminate(): void {
    if (this.terminated) return;
    this.cancelRetransmitTimer();
    this.cancelStateTimer();
    this.current = 'Terminated' as S;
    this.ctx.removed(this);
    this.onTerminated();
  }
}
