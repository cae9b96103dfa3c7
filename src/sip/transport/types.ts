/**
 * The transport layer's contract with the layers above (RFC 3261 §18). Transports deliver
 * parsed messages upward through `TransportUser` and send through `SipTransport`; nothing in
 * this folder imports from the transaction layer or above.
 */
import type { MessageError, PartialMessage, SipMessage } from '../message/index.js';

export type TransportKind = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export const TRANSPORT_KINDS = ['udp', 'tcp', 'tls', 'ws', 'wss'] as const satisfies readonly TransportKind[];

export function isTransportKind(s: string): s is TransportKind {
  return (TRANSPORT_KINDS as readonly string[]).includes(s);
}

/** §18: TCP, TLS, WS and WSS are reliable; timers A/E/G/I/J/K change with reliability (§17). */
export function isReliable(kind: TransportKind): boolean {
  return kind !== 'udp';
}

/** The Via transport token for a transport kind (RFC 3261 §20.42, RFC 7118 §5). */
export function viaTransport(kind: TransportKind): string {
  return kind.toUpperCase();
}

/** An address on the wire. `host` is an IP literal without brackets. */
export interface NetAddress {
  readonly transport: TransportKind;
  readonly host: string;
  readonly port: number;
}

/** Where to send: an address, and optionally the connection to reuse (§18.2.2). */
export interface Destination extends NetAddress {
  /** Stream transports: send on this connection if it is still open. */
  readonly connectionId?: string;
  /**
   * Datagram transports: send from this listener when it exists. RFC 3581 §4: a response
   * "MUST be sent from the same address and port that the request was received on", so
   * a NAT pinhole opened towards that port lets it through.
   */
  readonly local?: NetAddress;
}

/** What the layer above learns about each received message. */
export interface ReceivedContext {
  /** The address the packet or connection really came from (for received/rport). */
  readonly source: NetAddress;
  /** The listener it arrived on. */
  readonly local: NetAddress;
  /** Stream transports: the connection it arrived on. */
  readonly connectionId?: string;
  /** Clock time of arrival (Clock.now()). */
  readonly receivedAt: number;
}

export interface ReceivedMessage extends ReceivedContext {
  readonly message: SipMessage;
}

export interface ReceivedInvalid extends ReceivedContext {
  readonly error: MessageError;
  readonly partial?: PartialMessage;
  readonly bytes: Buffer;
}

/** Upward interface: implemented by the layer above (endpoint / transaction layer). */
export interface TransportUser {
  onMessage(rx: ReceivedMessage): void;
  /** A datagram or framed stream message that failed to parse (answer 400 or drop). */
  onInvalid(rx: ReceivedInvalid): void;
}

export type TransportErrorCode =
  | 'SIP_TRANSPORT_NO_LISTENER' // no listener of that transport / address family
  | 'SIP_TRANSPORT_CONNECT' // connection refused or timed out
  | 'SIP_TRANSPORT_CLOSED' // the connection to reuse is gone and a new one is not allowed
  | 'SIP_TRANSPORT_SEND' // the socket reported an error
  | 'SIP_TRANSPORT_TOO_LARGE'; // message exceeds the transport's size limit

export interface TransportError {
  readonly code: TransportErrorCode;
  readonly message: string;
}

export type SendResult = { ok: true; local: NetAddress; connectionId?: string } | { ok: false; error: TransportError };

/** Downward interface: what the transaction layer and the endpoint send through. */
export interface SipTransport {
  /**
   * Sends a message to `dest`. For stream transports an open connection to the destination
   * (or `dest.connectionId`) is reused, else one is opened. Never throws; failures are
   * results (§17.1.4: the transaction layer treats them as a 503).
   */
  send(message: SipMessage, dest: Destination): Promise<SendResult>;
  /**
   * The sent-by address (host, port) of the listener that would send to `dest`, for the Via
   * of a request we originate or forward (§18.1.1). Undefined when no listener fits.
   */
  localAddressFor(dest: NetAddress): NetAddress | undefined;
}
