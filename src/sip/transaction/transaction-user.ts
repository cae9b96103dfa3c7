/**
 * The transaction layer's contracts with the layer above (the TU, RFC 3261 §17): what it
 * sees of a transaction, and the callbacks it implements.
 */
import type { SipRequest, SipResponse } from '../message/index.js';
import type { Destination, ReceivedContext, ReceivedInvalid, ReceivedMessage, TransportError } from '../transport/index.js';

export type ServerTransactionState = 'Trying' | 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';
export type ClientTransactionState = 'Calling' | 'Trying' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

/** An INVITE (ist) or non-INVITE (nist) server transaction as the TU sees it. */
export interface ServerTransaction {
  readonly id: string;
  readonly kind: 'ist' | 'nist';
  readonly request: SipRequest;
  /** How the request that created the transaction arrived. */
  readonly received: ReceivedContext;
  /** Where responses go (RFC 3261 §18.2.2). */
  readonly responseDestination: Destination;
  readonly state: ServerTransactionState;
  readonly lastResponse: SipResponse | undefined;
  /**
   * Sends a response from the TU through the transaction. Returns false when the state does
   * not accept it (e.g. a second final response, §17.2.2 "Any other final responses passed
   * by the TU to the server transaction MUST be discarded").
   */
  respond(response: SipResponse): boolean;
}

/** An INVITE (ict) or non-INVITE (nict) client transaction as the TU sees it. */
export interface ClientTransaction {
  readonly id: string;
  readonly kind: 'ict' | 'nict';
  readonly request: SipRequest;
  readonly destination: Destination;
  readonly state: ClientTransactionState;
}

/** Per-client-transaction callbacks, given to TransactionLayer.createClientTransaction. */
export interface ClientTransactionCallbacks {
  /**
   * A response for the TU: provisional and final responses once each; for an INVITE, every
   * 2xx received in the Accepted state too (RFC 6026 §8.4), as the TU must ACK each.
   */
  onResponse(response: SipResponse, tx: ClientTransaction, rx: ReceivedMessage): void;
  /** Timer B or F fired: RFC 3261 §8.1.3.1 — the TU treats it as a 408 (Request Timeout). */
  onTimeout(tx: ClientTransaction): void;
  /** RFC 3261 §17.1.4: a transport failure — the TU treats it as a 503 (Service Unavailable). */
  onTransportError(tx: ClientTransaction, error: TransportError): void;
  onTerminated?(tx: ClientTransaction): void;
}

/** The upward interface implemented by the endpoint / proxy core (like SIP.js's TransactionUser). */
export interface TransactionUser {
  /** A request that created a new server transaction (not a retransmission, not an ACK). */
  onRequest(tx: ServerTransaction, rx: ReceivedMessage): void;
  /**
   * An ACK that matched no server transaction — the ACK for a 2xx (RFC 3261 §17.2.3,
   * §13.3.1.4) — or one that matched an INVITE server transaction in the Accepted state
   * (`tx` set; RFC 6026 §8.7: such ACKs are passed to the TU).
   */
  onAck2xx(rx: ReceivedMessage, tx: ServerTransaction | undefined): void;
  /**
   * A response that matched no client transaction: a 2xx retransmission after the client
   * transaction ended (§13.2.2.4) or, in a stateful proxy, one to forward statelessly
   * (§16.7: "the element MUST process the response as if it were a stateless proxy").
   */
  onStrayResponse(rx: ReceivedMessage): void;
  /**
   * A request that would start a server transaction, refused because the table of live
   * transactions is full. The TU answers it statelessly (503 with Retry-After) or drops it.
   */
  onOverload(rx: ReceivedMessage): void;
  /**
   * Offered a request that matches no live transaction, before a server transaction is
   * created for it. Returning true means the TU answers it statelessly (as Kamailio's `sl`
   * does for REGISTER and OPTIONS): no transaction state is kept, and a retransmission is
   * offered again. The TU must then process such requests idempotently.
   */
  onStatelessRequest?(rx: ReceivedMessage): boolean;
  /** A message that failed to parse (the layer can be attached directly to a transport). */
  onInvalid?(rx: ReceivedInvalid): void;
  /** Timer H fired: no ACK came for a non-2xx final response (§17.2.1 "inform the TU"). */
  onServerTimeout?(tx: ServerTransaction): void;
  /** §17.2.4: a response could not be sent; the transaction is terminated. */
  onServerTransportError?(tx: ServerTransaction, error: TransportError): void;
  onServerTerminated?(tx: ServerTransaction): void;
}

export type TransactionErrorCode =
  | 'SIP_TX_OVERLOAD' // the table of live transactions is full
  | 'SIP_TX_ACK' // ACK is not sent in a client transaction (§17.1: only for non-2xx, by the ICT)
  | 'SIP_TX_BRANCH' // the top Via has no RFC 3261 branch (§8.1.1.7 magic cookie)
  | 'SIP_TX_DUPLICATE'; // a live client transaction already has this branch and method

export interface TransactionError {
  readonly code: TransactionErrorCode;
  readonly message: string;
}
