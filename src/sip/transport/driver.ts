/**
 * The seam between the socket-free TransportManager and the socket adapters (node/). The
 * manager decides (limits, framing, routing); a driver only opens sockets and moves bytes.
 */
import type { Result } from '../../lib/index.js';
import type { NetAddress, TransportError, TransportKind } from './types.js';

/** One listener: `{ transport, host, port, tls? }`. Port 0 picks a free port. */
export interface ListenerSpec {
  readonly transport: TransportKind;
  /** IP literal to bind (0.0.0.0 / :: for every interface), without brackets. */
  readonly host: string;
  readonly port: number;
  /** TLS and WSS: the PEM certificate (chain) and private key files. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
}

export interface DriverOptions {
  /** UDP: SO_RCVBUF to ask for, in octets. */
  readonly recvBufferSize: number;
  /**
   * UDP: the native socket (recvmmsg batches, node-gyp addon), node:dgram, or the native one
   * when it is built (default).
   */
  readonly udpEngine?: UdpEngine;
  /**
   * UDP on the native socket: set SO_REUSEPORT, so that each process of a worker group binds
   * its own socket to the port. node:dgram ignores it (there node:cluster shares one socket).
   */
  readonly udpReusePort?: boolean;
  /** WS: largest WebSocket message accepted. */
  readonly maxMessageSize: number;
  /** Outgoing TCP/TLS connections: give up after this many milliseconds. */
  readonly connectTimeoutMs: number;
  /** Outgoing TLS: verify the server certificate (default true) against these CAs (PEM). */
  readonly tlsClient?: { readonly rejectUnauthorized?: boolean; readonly ca?: readonly string[] };
}

export type UdpEngine = 'auto' | 'native' | 'dgram';

/** Why a listener could not be opened (port in use, bad address, unreadable key file…). */
export interface ListenFailure {
  readonly code: 'SIP_TRANSPORT_LISTEN';
  readonly message: string;
}

export type OpenResult<T> = Result<T, ListenFailure>;

/** An open UDP socket. */
export interface DatagramEndpoint {
  /** The bound address (the real port when 0 was asked for). */
  readonly local: NetAddress;
  /** The SO_RCVBUF the kernel granted, when known. */
  readonly recvBufferSize: number | undefined;
  /** What moves the datagrams: the native socket or node:dgram (absent: a test double). */
  readonly engine?: 'native' | 'dgram';
  /**
   * Queues a datagram; `done` is called once it has been handed to the kernel (undefined) or
   * has failed. A callback rather than a promise: this is every UDP message the server sends.
   */
  send(data: Buffer, host: string, port: number, done: (e: TransportError | undefined) => void): void;
  close(): Promise<void>;
}

/** What the manager does with a connection's traffic. */
export interface ConnectionEvents {
  /** TCP/TLS: the next bytes of the stream. WS/WSS: one whole WebSocket message. */
  onData(data: Buffer): void;
  /** The connection is gone (either side closed it, or it failed). Called once. */
  onClose(): void;
}

/** One open connection (TCP, TLS, WS or WSS). */
export interface StreamConnection {
  readonly local: NetAddress;
  readonly remote: NetAddress;
  write(data: Buffer): Promise<TransportError | undefined>;
  /**
   * Closes the connection, letting queued bytes go out first unless `immediately`; onClose
   * follows. Harmless when already closed.
   */
  close(immediately?: boolean): void;
}

/**
 * Called for every new connection, incoming or outgoing, before any data is read. Returning
 * undefined refuses it: the driver closes it at once.
 */
export type AcceptConnection = (conn: StreamConnection) => ConnectionEvents | undefined;

export interface StreamListener {
  readonly local: NetAddress;
  /** TCP/TLS: opens an outgoing connection. Absent for WS/WSS (a server cannot dial a browser). */
  connect?(host: string, port: number, accept: AcceptConnection): Promise<Result<StreamConnection, TransportError>>;
  /** Stops accepting; open connections are left to the manager. */
  close(): Promise<void>;
}

export interface TransportDriver {
  openDatagram(
    spec: ListenerSpec,
    options: DriverOptions,
    onDatagram: (data: Buffer, host: string, port: number) => void,
  ): Promise<OpenResult<DatagramEndpoint>>;
  openStream(spec: ListenerSpec, options: DriverOptions, accept: AcceptConnection): Promise<OpenResult<StreamListener>>;
  /** An address of this host in that family, to advertise when a listener is bound to a wildcard. */
  interfaceAddress(family: 4 | 6): string | undefined;
}
