/**
 * The stream side of the TransportManager (RFC 3261 §18.3, RFC 7118): the table of TCP, TLS
 * and WebSocket connections, incoming and outgoing, with its limits (in all, per IP address,
 * idle time), framing of what arrives, and sending on a connection (§18.2.2 / §18.1.1: the
 * one the request came on if open, else one to that address, else a new one).
 */
import { type Clock, type Result, type TimerHandle, err, ok } from '../../lib/index.js';
import { ConnectionTable, type ConnectionInfo, type TableEntry } from './connection-table.js';
import type { StreamConnection } from './driver.js';
import type { ListenerSet, OpenListener } from './listener-set.js';
import { KEEPALIVE_PONG, StreamFramer } from './stream-framer.js';
import type { Destination, NetAddress, ReceivedContext, SendResult, TransportError } from './types.js';
import { isUdpKeepAlive } from './udp-keepalive.js';

export type CloseReason = 'remote' | 'idle' | 'framing' | 'shutdown' | 'not-admitted';

export type TransportEvent =
  | { readonly kind: 'connection-open'; readonly connection: ConnectionInfo }
  | { readonly kind: 'connection-closed'; readonly connection: ConnectionInfo; readonly reason: CloseReason }
  | { readonly kind: 'connection-refused'; readonly remote: NetAddress; readonly reason: 'per-ip-limit' | 'total-limit' | 'not-admitted' }
  | { readonly kind: 'framing-error'; readonly connection: ConnectionInfo; readonly reason: string };

export interface StreamConnectionsOptions {
  readonly clock: Clock;
  readonly listeners: ListenerSet;
  readonly maxMessageSize: number;
  /** Incoming connections allowed from one IP address. */
  readonly maxPerIp: number;
  /** Open connections allowed in all, incoming and outgoing. */
  readonly maxConnections: number;
  /** A connection without traffic for this long is closed. */
  readonly idleTimeoutMs: number;
  /** Admission control, asked for every new incoming connection and every message on one. */
  readonly admit?: (source: NetAddress) => boolean;
  readonly emit: (event: TransportEvent) => void;
  /** One whole message (`datagram`: a WebSocket message, not framed) for parsing. */
  readonly deliver: (bytes: Buffer, ctx: ReceivedContext, datagram: boolean) => void;
}

interface Connection {
  readonly conn: StreamConnection;
  readonly framer: StreamFramer | undefined;
  readonly listener: OpenListener;
}

type Entry = TableEntry<Connection>;

/** What a listener's accept callback gets back: the connection's event handlers. */
export interface ConnectionEvents {
  readonly onData: (data: Buffer) => void;
  readonly onClose: () => void;
}

export class StreamConnections {
  private readonly table = new ConnectionTable<Connection>();
  private readonly connecting = new Map<string, Promise<Result<Entry, TransportError>>>();
  private sweepTimer: TimerHandle | undefined;
  private running = false;
  private nextId = 1;

  constructor(private readonly o: StreamConnectionsOptions) {}

  /** Starts accepting and the idle sweep. */
  start(): void {
    this.running = true;
    this.scheduleSweep();
  }

  /** Closes every connection at once; nothing is accepted afterwards. */
  stop(): void {
    this.running = false;
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
    for (const e of this.table.entries()) this.closeEntry(e, 'shutdown', true);
  }

  /** The connection table. */
  list(): ConnectionInfo[] {
    return this.table.entries().map((e) => e.info);
  }

  /** Closes every connection from `host` (e.g. when it gets banned); returns how many. */
  closeFrom(host: string): number {
    let n = 0;
    for (const e of this.table.entries()) {
      if (e.info.remote.host === host) {
        this.closeEntry(e, 'not-admitted', true);
        n++;
      }
    }
    return n;
  }

  /** §18.2.2 / §18.1.1: the given connection if open, else one to that address, else a new one. */
  async send(bytes: Buffer, dest: Destination): Promise<SendResult> {
    let entry = dest.connectionId === undefined ? undefined : this.table.get(dest.connectionId);
    entry ??= this.table.findByRemote(dest.transport, dest.host, dest.port);
    if (entry === undefined) {
      const opened = await this.connect(dest);
      if (!opened.ok) return opened;
      entry = opened.value;
    }
    const e = await entry.payload.conn.write(bytes);
    if (e !== undefined) return { ok: false, error: e };
    this.table.touch(entry, this.o.clock.now());
    return { ok: true, local: this.o.listeners.sentBy(entry.payload.listener, dest.host), connectionId: entry.info.id };
  }

  /** An incoming connection on `listener`: its event handlers, or undefined when refused (closed at once). */
  acceptIncoming(conn: StreamConnection, listener: OpenListener): ConnectionEvents | undefined {
    return this.accept(conn, listener, false)?.events;
  }

  /** Opens an outgoing TCP/TLS connection; concurrent sends to one address share it. */
  private connect(dest: NetAddress): Promise<Result<Entry, TransportError>> {
    if (dest.transport === 'ws' || dest.transport === 'wss') {
      return Promise.resolve(err({ code: 'SIP_TRANSPORT_CLOSED', message: `no open ${dest.transport} connection to ${dest.host}:${dest.port}` }));
    }
    const key = `${dest.transport}|${dest.host}|${dest.port}`;
    let pending = this.connecting.get(key);
    if (pending === undefined) {
      pending = this.openOutgoing(dest).finally(() => this.connecting.delete(key));
      this.connecting.set(key, pending);
    }
    return pending;
  }

  private async openOutgoing(dest: NetAddress): Promise<Result<Entry, TransportError>> {
    const l = this.o.listeners.pick(dest.transport, dest.host);
    if (l === undefined || l.kind !== 'stream' || l.listener.connect === undefined) {
      return err({ code: 'SIP_TRANSPORT_NO_LISTENER', message: `no ${dest.transport} listener reaches ${dest.host}` });
    }
    if (this.table.size >= this.o.maxConnections) {
      return err({ code: 'SIP_TRANSPORT_CONNECT', message: `connection limit (${this.o.maxConnections}) reached` });
    }
    let entry: Entry | undefined;
    const r = await l.listener.connect(dest.host, dest.port, (conn) => {
      const accepted = this.accept(conn, l, true);
      entry = accepted?.entry;
      return accepted?.events;
    });
    if (!r.ok) return r;
    if (entry === undefined) return err({ code: 'SIP_TRANSPORT_CONNECT', message: 'connection refused by local limits' });
    return ok(entry);
  }

  /** A new connection: admitted within the limits, or refused (closed at once). */
  private accept(conn: StreamConnection, listener: OpenListener, outgoing: boolean): { entry: Entry; events: ConnectionEvents } | undefined {
    if (!this.running) return undefined;
    if (this.table.size >= this.o.maxConnections) {
      this.o.emit({ kind: 'connection-refused', remote: conn.remote, reason: 'total-limit' });
      return undefined;
    }
    if (!outgoing && this.o.admit !== undefined && !this.o.admit({ ...conn.remote, transport: listener.spec.transport })) {
      this.o.emit({ kind: 'connection-refused', remote: conn.remote, reason: 'not-admitted' });
      return undefined;
    }
    if (!outgoing && this.table.incomingFrom(conn.remote.host) >= this.o.maxPerIp) {
      this.o.emit({ kind: 'connection-refused', remote: conn.remote, reason: 'per-ip-limit' });
      return undefined;
    }
    const now = this.o.clock.now();
    const transport = listener.spec.transport;
    const info: ConnectionInfo = {
      id: `${transport}-${this.nextId++}`,
      transport,
      local: conn.local,
      remote: conn.remote,
      outgoing,
      openedAt: now,
      lastActivity: now,
    };
    // RFC 7118 §5.1: a WebSocket message is one whole SIP message; TCP/TLS need framing (§18.3).
    const framed = transport === 'tcp' || transport === 'tls';
    const framer = framed ? new StreamFramer({ maxMessageSize: this.o.maxMessageSize }) : undefined;
    const entry = this.table.add(info, { conn, framer, listener });
    this.o.emit({ kind: 'connection-open', connection: info });
    const events = {
      onData: (data: Buffer) => this.onData(entry, data),
      onClose: () => this.removeEntry(entry, 'remote'),
    };
    return { entry, events };
  }

  private onData(entry: Entry, data: Buffer): void {
    if (this.table.get(entry.info.id) !== entry) return;
    if (this.o.admit !== undefined && !this.o.admit(entry.info.remote)) {
      this.closeEntry(entry, 'not-admitted', true);
      return;
    }
    const now = this.o.clock.now();
    this.table.touch(entry, now);
    const ctx: ReceivedContext = { source: entry.info.remote, local: entry.info.local, connectionId: entry.info.id, receivedAt: now };
    const { framer, conn } = entry.payload;
    if (framer === undefined) {
      // Some WebSocket clients send the CRLF keep-alive of RFC 5626 §4.4.1 as a message.
      if (isUdpKeepAlive(data)) {
        if (data.toString('latin1') === '\r\n\r\n') void conn.write(KEEPALIVE_PONG);
        return;
      }
      this.o.deliver(data, ctx, true);
      return;
    }
    for (const ev of framer.push(data)) {
      if (ev.kind === 'message') {
        this.o.deliver(ev.bytes, { ...ctx, receivedAt: this.o.clock.now() }, false);
      } else if (ev.kind === 'ping') {
        // RFC 5626 §4.4.1: a CRLF CRLF "ping" is answered with a single CRLF "pong".
        void conn.write(KEEPALIVE_PONG);
      } else {
        this.o.emit({ kind: 'framing-error', connection: entry.info, reason: ev.reason });
        this.closeEntry(entry, 'framing', true);
      }
      if (this.table.get(entry.info.id) !== entry) return;
    }
  }

  private closeEntry(entry: Entry, reason: CloseReason, immediately = false): void {
    entry.payload.conn.close(immediately);
    this.removeEntry(entry, reason);
  }

  private removeEntry(entry: Entry, reason: CloseReason): void {
    if (!this.table.remove(entry.info.id)) return;
    this.o.emit({ kind: 'connection-closed', connection: entry.info, reason });
  }

  /** Closes connections idle for idleTimeoutMs; runs every quarter of it (at most every 30 s). */
  private scheduleSweep(): void {
    const interval = Math.min(30_000, Math.max(1, Math.floor(this.o.idleTimeoutMs / 4)));
    this.sweepTimer = this.o.clock.setTimer(interval, () => {
      if (!this.running) return;
      for (const e of this.table.idle(this.o.clock.now(), this.o.idleTimeoutMs)) this.closeEntry(e, 'idle');
      this.scheduleSweep();
    });
  }
}
