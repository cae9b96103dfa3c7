/**
 * The transaction layer (RFC 3261 §17): matches received messages to transactions
 * (§17.1.3, §17.2.3), creates server transactions for new requests, creates client
 * transactions for the TU, and keeps the tables bounded.
 */
import { type Clock, type Result, err, ok } from '../../lib/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';
import {
  type Destination,
  type ReceivedInvalid,
  type ReceivedMessage,
  type SipTransport,
  type TransportUser,
  responseDestination,
} from '../transport/index.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import {
  ackLookupKeys,
  ackMatches2543,
  cancelTargetKey,
  clientKey,
  isRfc3261Branch,
  responseClientKey,
  serverKey,
  usesRfc3261Matching,
} from './matching.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import { type TimerOptions, resolveTimers } from './timers.js';
import type { TransactionBase, TransactionContext } from './transaction-base.js';
import type {
  ClientTransaction,
  ClientTransactionCallbacks,
  ServerTransaction,
  TransactionError,
  TransactionUser,
} from './transaction-user.js';

export const DEFAULT_MAX_TRANSACTIONS = 200_000;

export interface TransactionLayerOptions extends TimerOptions {
  /** The layer above; it receives new requests, stray messages and server-side events. */
  user: TransactionUser;
  /** Most live transactions (client + server) at once; default 200,000. */
  maxTransactions?: number;
  /** §17.2.1 automatic 100 (Trying) for INVITEs the TU has not answered in 200 ms (default true). */
  autoTrying?: boolean;
}

export interface TransactionLayerStats {
  readonly client: number;
  readonly server: number;
  /** New server transactions refused because the table was full, since creation. */
  readonly refused: number;
}

type ServerTx = InviteServerTransaction | NonInviteServerTransaction;
type ClientTx = InviteClientTransaction | NonInviteClientTransaction;

export class TransactionLayer implements TransportUser {
  private readonly clients = new Map<string, ClientTx>();
  private readonly servers = new Map<string, ServerTx>();
  private readonly ctx: TransactionContext;
  private readonly user: TransactionUser;
  private readonly max: number;
  private refusedCount = 0;

  constructor(
    readonly transport: SipTransport,
    readonly clock: Clock,
    options: TransactionLayerOptions,
  ) {
    this.user = options.user;
    this.max = options.maxTransactions ?? DEFAULT_MAX_TRANSACTIONS;
    if (!Number.isInteger(this.max) || this.max < 1) throw new Error(`maxTransactions must be a positive integer, got ${this.max}`);
    this.ctx = {
      transport,
      clock,
      timers: resolveTimers(options),
      autoTrying: options.autoTrying ?? true,
      user: options.user,
      removed: (tx) => this.remove(tx),
    };
  }

  /** Live transactions, client and server. */
  get size(): number {
    return this.clients.size + this.servers.size;
  }

  stats(): TransactionLayerStats {
    return { client: this.clients.size, server: this.servers.size, refused: this.refusedCount };
  }

  // --- TransportUser -------------------------------------------------------------------

  onMessage(rx: ReceivedMessage): void {
    this.receiveMessage(rx);
  }

  onInvalid(rx: ReceivedInvalid): void {
    this.user.onInvalid?.(rx);
  }

  /** Entry point for every parsed message from the transport. */
  receiveMessage(rx: ReceivedMessage): void {
    if (rx.message.kind === 'request') this.receiveRequest(rx, rx.message);
    else this.receiveResponse(rx, rx.message);
  }

  // --- client side -----------------------------------------------------------------------

  /**
   * Starts a client transaction for `request` (its top Via must carry a fresh RFC 3261
   * branch, §8.1.1.7) towards `destination`. INVITE gets an ICT, anything else but ACK a
   * NICT (§17.1). Refused when the table is full.
   */
  createClientTransaction(
    request: SipRequest,
    destination: Destination,
    callbacks: ClientTransactionCallbacks,
  ): Result<ClientTransaction, TransactionError> {
    if (request.method === 'ACK') {
      return err({ code: 'SIP_TX_ACK', message: 'ACK is not sent in a client transaction (§17.1)' });
    }
    const branch = request.vias[0]?.branch;
    if (!isRfc3261Branch(branch)) {
      return err({ code: 'SIP_TX_BRANCH', message: 'top Via needs a branch starting with z9hG4bK (§8.1.1.7)' });
    }
    const key = clientKey(branch, request.method);
    if (this.clients.has(key)) return err({ code: 'SIP_TX_DUPLICATE', message: `a client transaction ${request.method} ${branch} is live` });
    if (this.size >= this.max) return err({ code: 'SIP_TX_OVERLOAD', message: `${this.max} transactions are live` });
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, this.ctx, request, destination, callbacks)
        : new NonInviteClientTransaction(key, this.ctx, request, destination, callbacks);
    this.clients.set(key, tx);
    tx.start();
    return ok(tx);
  }

  /** The live client transaction for a branch and method (§17.1.3), if any. */
  findClientTransaction(branch: string, method: string): ClientTransaction | undefined {
    return this.clients.get(clientKey(branch, method));
  }

  private receiveResponse(rx: ReceivedMessage, res: SipResponse): void {
    const key = responseClientKey(res);
    const tx = key === undefined ? undefined : this.clients.get(key);
    // §17.1.1.2 / §16.7: a response that matches no transaction goes to the TU (the core
    // of a UA drops or handles 2xx retransmissions; a proxy forwards statelessly).
    if (tx === undefined) this.user.onStrayResponse(rx);
    else tx.receiveResponse(rx);
  }

  // --- server side -----------------------------------------------------------------------

  /**
   * §9.2: the INVITE server transaction a CANCEL refers to, matched as in §17.2.3 with the
   * CANCEL's method taken as INVITE. Undefined when none is live (the TU answers 481).
   */
  findInviteForCancel(cancel: SipRequest): ServerTransaction | undefined {
    const tx = this.servers.get(cancelTargetKey(cancel));
    return tx?.kind === 'ist' ? tx : undefined;
  }

  private receiveRequest(rx: ReceivedMessage, req: SipRequest): void {
    if (req.method === 'ACK') {
      this.receiveAck(rx, req);
      return;
    }
    const key = serverKey(req);
    const existing = this.servers.get(key);
    if (existing !== undefined) {
      // §17.2.3: the request matches a live transaction — a retransmission.
      existing.receiveRetransmission();
      return;
    }
    if (this.user.onStatelessRequest?.(rx) === true) return;
    if (this.size >= this.max) {
      // Bounded state: a full table refuses new server transactions; the TU answers
      // statelessly (503, RFC 3261 §21.5.4) or drops.
      this.refusedCount++;
      this.user.onOverload(rx);
      return;
    }
    const dest = responseDestination(req.topVia, rx);
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(key, this.ctx, req, rx, dest)
        : new NonInviteServerTransaction(key, this.ctx, req, rx, dest);
    this.servers.set(key, tx);
    if (tx.kind === 'ist') tx.start();
    this.user.onRequest(tx, rx);
  }

  private receiveAck(rx: ReceivedMessage, ack: SipRequest): void {
    const rfc3261 = usesRfc3261Matching(ack);
    let tx: InviteServerTransaction | undefined;
    for (const key of ackLookupKeys(ack)) {
      const candidate = this.servers.get(key);
      if (candidate?.kind !== 'ist') continue;
      // RFC 2543: "the To tag of the ACK matches the To tag of the response sent".
      if (!rfc3261 && !ackMatches2543(ack, candidate.responseToTag)) continue;
      tx = candidate;
      break;
    }
    if (tx !== undefined && !tx.receiveAck()) return;
    // §17.2.3 / RFC 6026 §8.7: the ACK for a 2xx belongs to the TU.
    this.user.onAck2xx(rx, tx);
  }

  /**
   * Shutdown: every transaction ends now and its timers are cancelled, so a stopped server
   * neither retransmits nor keeps timers of 64·T1 waits (Timers B, D, F, H, J, K, L, M)
   * armed. Returns how many there were.
   */
  terminateAll(): number {
    const all = [...this.clients.values(), ...this.servers.values()];
    for (const tx of all) tx.terminate();
    return all.length;
  }

  // --- tables ----------------------------------------------------------------------------

  private remove(tx: TransactionBase<string>): void {
    if (this.clients.get(tx.id) === tx) this.clients.delete(tx.id);
    else if (this.servers.get(tx.id) === tx) this.servers.delete(tx.id);
  }
}
