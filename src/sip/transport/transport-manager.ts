/**
 * TransportManager: the SipTransport of the server (RFC 3261 §18). It owns the listeners,
 * sends over UDP (or TCP for a large request, §18.1.1), and parses what arrives; the stream
 * connections, their limits and framing are StreamConnections' (stream-connections.ts).
 * Sockets live in the driver (node/); time comes from the injected Clock.
 */
import { type Clock, type Result, ok, systemClock } from '../../lib/index.js';
import { DEFAULT_MAX_MESSAGE_SIZE, SipRequest, type SipMessage, parse, serialize } from '../message/index.js';
import type { ConnectionInfo } from './connection-table.js';
import type { DriverOptions, ListenFailure, ListenerSpec, TransportDriver } from './driver.js';
import { type OpenListener, ListenerSet } from './listener-set.js';
import { nodeDriver } from './node/node-driver.js';
import { StreamConnections, type TransportEvent } from './stream-connections.js';
import { withTopViaTransport } from './top-via-transport.js';
import type {
  Destination,
  NetAddress,
  ReceivedContext,
  SendResult,
  SipTransport,
  TransportError,
  TransportUser,
} from './types.js';
import { isUdpKeepAlive } from './udp-keepalive.js';
import { stunBindingResponse } from './stun-keepalive.js';
import { stampReceived } from './response-route.js';
import { publishReceived, publishSent } from './diagnostics.js';
import type { DatagramShard, ForwardedDatagram } from './shard.js';

export interface TransportManagerOptions {
  readonly listeners: readonly ListenerSpec[];
  /** Receives every message; may also be given later with setUser() (before start()). */
  readonly user?: TransportUser;
  readonly clock?: Clock;
  /** Largest message accepted, in octets (default 64 KiB); larger ones are refused. */
  readonly maxMessageSize?: number;
  /** Incoming connections allowed from one IP address (default 32); extra ones are closed at once. */
  readonly maxConnectionsPerIp?: number;
  /** Open connections allowed in all, incoming and outgoing (default 10 000). */
  readonly maxConnections?: number;
  /** A connection without traffic for this long is closed (default 5 minutes). */
  readonly idleTimeoutMs?: number;
  /** UDP SO_RCVBUF to ask for (default 4 MiB). */
  readonly udpRecvBufferSize?: number;
  /** UDP socket engine and SO_REUSEPORT (DriverOptions). */
  readonly udp?: Pick<DriverOptions, 'udpEngine' | 'udpReusePort'>;
  /** Outgoing TCP/TLS connect timeout (default 10 s). */
  readonly connectTimeoutMs?: number;
  readonly tlsClient?: DriverOptions['tlsClient'];
  /** Sockets; the real ones unless a test injects others. */
  readonly driver?: TransportDriver;
  /** Connection-level happenings, for logs and metrics. */
  readonly onEvent?: (event: TransportEvent) => void;
  /**
   * Admission control (bans, flood limits), asked before anything else for every datagram,
   * every new incoming connection and every message on a connection. false = drop silently
   * (a connection is closed). Called on the hot path: keep it O(1).
   */
  readonly admit?: (source: NetAddress) => boolean;
  /**
   * Several worker processes share the UDP sockets: a datagram whose call another worker owns
   * is forwarded there after admission (shard.ts). Absent: this process handles everything.
   */
  readonly shard?: DatagramShard;
}

export type { CloseReason, TransportEvent } from './stream-connections.js';

/** RFC 3261 §18.1.1: requests larger than this go over a congestion-controlled transport. */
export const UDP_SIZE_THRESHOLD = 1300;
/** The largest UDP payload over IPv4 (65535 − 8 − 20). */
const MAX_DATAGRAM = 65507;

export class TransportManager implements SipTransport {
  private user: TransportUser | undefined;
  private readonly clock: Clock;
  private readonly driver: TransportDriver;
  private readonly maxMessageSize: number;
  private readonly driverOptions: DriverOptions;
  private readonly listeners: ListenerSet;
  private readonly streams: StreamConnections;
  private running = false;
  /** UDP listeners in configuration order: the index a forwarded datagram names. */
  private readonly datagramListeners: OpenListener[] = [];

  constructor(private readonly options: TransportManagerOptions) {
    this.user = options.user;
    this.clock = options.clock ?? systemClock;
    this.driver = options.driver ?? nodeDriver;
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.driverOptions = {
      recvBufferSize: options.udpRecvBufferSize ?? 4 * 1024 * 1024,
      ...options.udp,
      maxMessageSize: this.maxMessageSize,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      tlsClient: options.tlsClient,
    };
    this.listeners = new ListenerSet((family) => this.driver.interfaceAddress(family));
    this.streams = new StreamConnections({
      clock: this.clock,
      listeners: this.listeners,
      maxMessageSize: this.maxMessageSize,
      maxPerIp: options.maxConnectionsPerIp ?? 32,
      maxConnections: options.maxConnections ?? 10_000,
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      admit: options.admit,
      emit: (event) => options.onEvent?.(event),
      deliver: (bytes, ctx, datagram) => this.deliver(bytes, ctx, datagram),
    });
  }

  setUser(user: TransportUser): void {
    this.user = user;
  }

  /**
   * Opens every listener. When one cannot be opened (port in use, bad address, unreadable
   * certificate) the others are closed again and the failure says which one and why.
   */
  async start(): Promise<Result<readonly NetAddress[], ListenFailure>> {
    if (this.running) throw new Error('TransportManager.start() called twice');
    if (this.user === undefined) throw new Error('TransportManager.start() without a TransportUser');
    this.running = true;
    this.streams.start();
    this.options.shard?.setReceiver((f) => this.onForwarded(f));
    for (const spec of this.options.listeners) {
      const opened = await this.open(spec);
      if (!opened.ok) {
        await this.stop();
        return opened;
      }
      this.listeners.add(opened.value);
    }
    return ok(this.listeners.all().map((l) => l.local));
  }

  /** Closes every connection and listener. */
  async stop(): Promise<void> {
    this.running = false;
    this.streams.stop();
    this.datagramListeners.length = 0;
    await Promise.all(this.listeners.clear().map((l) => (l.kind === 'datagram' ? l.endpoint.close() : l.listener.close())));
  }

  /** The bound addresses (real ports when 0 was configured). */
  boundAddresses(): readonly NetAddress[] {
    return this.listeners.all().map((l) => l.local);
  }

  /** Per bound UDP address: the granted receive buffer size and the socket engine. */
  udpSockets(): { local: NetAddress; size: number | undefined; engine: 'native' | 'dgram' | undefined }[] {
    return this.listeners.all().flatMap((l) => (l.kind === 'datagram' ? [{ local: l.local, size: l.endpoint.recvBufferSize, engine: l.endpoint.engine }] : []));
  }

  /** The connection table. */
  connections(): ConnectionInfo[] {
    return this.streams.list();
  }

  localAddressFor(dest: NetAddress): NetAddress | undefined {
    const l = this.listeners.pick(dest.transport, dest.host);
    return l === undefined ? undefined : this.listeners.sentBy(l, dest.host);
  }

  send(message: SipMessage, dest: Destination): Promise<SendResult> {
    if (!this.running) return Promise.resolve(fail('SIP_TRANSPORT_CLOSED', 'transports are stopped'));
    const bytes = serialize(message);
    if (dest.transport !== 'udp') return this.streams.send(bytes, dest).then((r) => published(message, bytes, dest, r));
    // RFC 3261 §18.1.1: "If a request is within 200 bytes of the path MTU, or if it is larger
    // than 1300 bytes and the path MTU is unknown, the request MUST be sent using an RFC 2914
    // congestion controlled transport protocol, such as TCP. If this causes a change in the
    // transport protocol from the one indicated in the top Via, the value in the top Via MUST
    // be changed."
    const tcp = bytes.length > UDP_SIZE_THRESHOLD ? this.listeners.pick('tcp', dest.host) : undefined;
    if (tcp !== undefined && message instanceof SipRequest && message.topVia.transport === 'UDP') return this.sendLargeRequest(message, bytes, dest, tcp);
    return this.sendUdp(message, bytes, dest);
  }

  private async sendLargeRequest(message: SipRequest, bytes: Buffer, dest: Destination, tcp: OpenListener): Promise<SendResult> {
    const overTcp = withTopViaTransport(message, 'TCP', this.listeners.sentBy(tcp, dest.host).port);
    const tcpDest: Destination = { transport: 'tcp', host: dest.host, port: dest.port };
    const r = published(message, overTcp, tcpDest, await this.streams.send(overTcp, tcpDest));
    // §18.1.1: if the connection attempt fails (ICMP, reset), the element SHOULD retry over UDP.
    if (r.ok || r.error.code !== 'SIP_TRANSPORT_CONNECT') return r;
    return this.sendUdp(message, bytes, dest);
  }

  /**
   * Closes every connection from `host` (e.g. when it gets banned); returns how many.
   */
  closeConnectionsFrom(host: string): number {
    return this.streams.closeFrom(host);
  }

  /** One promise per datagram: this is every UDP message the server sends. */
  private sendUdp(message: SipMessage, bytes: Buffer, dest: Destination): Promise<SendResult> {
    const l = (dest.local !== undefined ? this.listeners.find(dest.local) : undefined) ?? this.listeners.pick('udp', dest.host);
    if (l === undefined || l.kind !== 'datagram') return Promise.resolve(fail('SIP_TRANSPORT_NO_LISTENER', `no UDP listener reaches ${dest.host}`));
    if (bytes.length > MAX_DATAGRAM) return Promise.resolve(fail('SIP_TRANSPORT_TOO_LARGE', `${bytes.length} octets do not fit in a UDP datagram`));
    return new Promise((resolve) => {
      l.endpoint.send(bytes, dest.host, dest.port, (e) => {
        resolve(published(message, bytes, dest, e === undefined ? { ok: true, local: this.listeners.sentBy(l, dest.host) } : { ok: false, error: e }));
      });
    });
  }

  private async open(spec: ListenerSpec): Promise<Result<OpenListener, ListenFailure>> {
    if (spec.transport === 'udp') {
      let listener: OpenListener | undefined;
      const index = this.datagramListeners.length;
      const r = await this.driver.openDatagram(spec, this.driverOptions, (data, host, port) => {
        if (listener !== undefined) this.onDatagram(listener, index, data, host, port);
      });
      if (!r.ok) return r;
      listener = { kind: 'datagram', spec, local: r.value.local, endpoint: r.value };
      this.datagramListeners.push(listener);
      return ok(listener);
    }
    let listener: OpenListener | undefined;
    const r = await this.driver.openStream(spec, this.driverOptions, (conn) =>
      listener === undefined ? undefined : this.streams.acceptIncoming(conn, listener),
    );
    if (!r.ok) return r;
    listener = { kind: 'stream', spec, local: r.value.local, listener: r.value };
    return ok(listener);
  }

  private onDatagram(listener: OpenListener, index: number, data: Buffer, host: string, port: number): void {
    if (!this.running) return;
    // RFC 5626 §4.4.2 / §3.5.1: keep-alives on a UDP port are not SIP messages.
    const source: NetAddress = { transport: 'udp', host, port };
    if (this.options.admit !== undefined && !this.options.admit(source)) return;
    if (isUdpKeepAlive(data)) {
      const stun = stunBindingResponse(data, host, port);
      if (stun !== undefined && listener.kind === 'datagram') listener.endpoint.send(stun, host, port, ignoreSendResult);
      return;
    }
    if (this.options.shard?.forward(index, data, host, port) === true) return;
    this.deliver(data, { source, local: listener.local, receivedAt: this.clock.now() }, true);
  }

  /** A datagram another worker read and admitted on our shared listener `f.listener`. */
  private onForwarded(f: ForwardedDatagram): void {
    const listener = this.datagramListeners[f.listener];
    if (!this.running || listener === undefined) return;
    this.deliver(f.data, { source: { transport: 'udp', host: f.host, port: f.port }, local: listener.local, receivedAt: this.clock.now() }, true);
  }

  /** Parses one framed message or datagram and hands it to the user. */
  private deliver(bytes: Buffer, ctx: ReceivedContext, datagram: boolean): void {
    const user = this.user;
    if (user === undefined) return;
    const r = parse(bytes, { datagram, maxMessageSize: this.maxMessageSize });
    publishReceived(bytes, r.ok ? r.message : undefined, ctx);
    if (!r.ok) {
      user.onInvalid(r.partial === undefined ? { ...ctx, error: r.error, bytes } : { ...ctx, error: r.error, partial: r.partial, bytes });
      return;
    }
    if (r.message instanceof SipRequest) stampReceived(r.message, ctx.source);
    user.onMessage({ ...ctx, message: r.message });
  }

}

/** A STUN keep-alive answer: a lost one is the client's to retry. */
function ignoreSendResult(): void {}

/** Publishes a sent message on the diagnostics channel (once the send is done) and passes the result on. */
function published(message: SipMessage, bytes: Buffer, dest: Destination, r: SendResult): SendResult {
  publishSent(message, bytes, dest, r);
  return r;
}

function fail(code: TransportError['code'], message: string): SendResult {
  return { ok: false, error: { code, message } };
}
