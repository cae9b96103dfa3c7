/**
 * The endpoint's module pipeline (pjsip's pjsip_module as the model): each module sees every
 * request and response in priority order and says whether it handled it. Upper layers
 * (security, registrar, proxy, b2bua, applications) plug in here without the endpoint
 * importing them.
 */
import type { SipRequest, SipResponse, ResponseOptions } from '../message/index.js';
import type { ReceivedContext } from '../transport/index.js';

/** Named priorities: lower runs first. */
export const ModulePriority = {
  security: 10,
  endpoint: 20,
  registrar: 30,
  proxy: 40,
  b2bua: 50,
  application: 60,
} as const;

export type ModulePriorityName = keyof typeof ModulePriority;

/** What a module gets for a request that starts a transaction (or an ACK/stray request). */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly rx: ReceivedContext;
  /** The server transaction's id, when the request is handled in one (not ACK, not stateless). */
  readonly transactionId?: string;
  /** True when the Request-URI names this server (one of its domains or listen addresses). */
  readonly isLocal: boolean;
  /**
   * Answers the request: statefully through its server transaction when there is one
   * (retransmissions are then handled), else statelessly (ACK never gets an answer).
   * The same To tag is used for every response to this request.
   */
  respond(status: number, options?: ResponseOptions): void;
  /** Sends a response built by the module (e.g. one relayed by a proxy). */
  send(response: SipResponse): void;
  /** Whether a final response has been sent. */
  readonly answered: boolean;
}

export interface IncomingResponse {
  readonly response: SipResponse;
  readonly rx: ReceivedContext;
}

/** true = handled, stop the pipeline; false = let the next module see it. */
export type Handled = boolean | Promise<boolean>;

export interface EndpointModule {
  readonly name: string;
  /** A named priority or a number (lower runs first). */
  readonly priority: ModulePriorityName | number;
  /** Methods this module implements, for Allow (§20.5); '*' for a module that takes any (a proxy). */
  readonly methods?: readonly string[];
  /**
   * Methods this module answers statelessly when addressed to this server (Kamailio's `sl`):
   * no server transaction is kept, and a retransmission reaches the module again, so its
   * processing of these methods must be idempotent. Saves the 32 s of Timer J per request
   * that registration and keep-alive traffic would otherwise hold.
   */
  readonly statelessMethods?: readonly string[];
  /** Option tags this module supports (for Require checks and Supported, §8.2.2.3). */
  readonly extensions?: readonly string[];
  onRequest?(req: IncomingRequest): Handled;
  /** A response that matched no client transaction (stray; §16.7 / §18.1.2). */
  onStrayResponse?(res: IncomingResponse): Handled;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export function priorityOf(m: EndpointModule): number {
  return typeof m.priority === 'number' ? m.priority : ModulePriority[m.priority];
}
