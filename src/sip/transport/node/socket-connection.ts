/** A TCP or TLS socket seen as a StreamConnection (RFC 3261 §18). */
import type { Socket } from 'node:net';
import { canonicalHost } from '../addresses.js';
import type { AcceptConnection, StreamConnection } from '../driver.js';
import type { NetAddress, TransportError, TransportKind } from '../types.js';
import { describeError } from './errors.js';

/** A peer that stops reading is cut off once this much is queued for it. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;
/** After a graceful close, the socket is destroyed if the peer has not finished by then. */
const CLOSE_GRACE_MS = 2000;

export class SocketConnection implements StreamConnection {
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly local: NetAddress,
    readonly remote: NetAddress,
  ) {}

  /**
   * Wraps a connected socket and hands it to `accept`; a refused or already closed socket is
   * destroyed and undefined is returned.
   */
  static attach(socket: Socket, kind: TransportKind, localPort: number, accept: AcceptConnection): SocketConnection | undefined {
    socket.on('error', () => undefined); // 'close' follows every error
    if (socket.remoteAddress === undefined || socket.remotePort === undefined || socket.destroyed) {
      socket.destroy();
      return undefined;
    }
    const local: NetAddress = { transport: kind, host: canonicalHost(socket.localAddress ?? ''), port: localPort };
    const remote: NetAddress = { transport: kind, host: canonicalHost(socket.remoteAddress), port: socket.remotePort };
    const conn = new SocketConnection(socket, local, remote);
    const events = accept(conn);
    if (events === undefined) {
      conn.closed = true;
      socket.destroy();
      return undefined;
    }
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      if (!conn.closed) events.onData(data);
    });
    socket.once('close', () => {
      conn.closed = true;
      events.onClose();
    });
    return conn;
  }

  write(data: Buffer): Promise<TransportError | undefined> {
    if (this.closed || this.socket.destroyed || !this.socket.writable) {
      return Promise.resolve({ code: 'SIP_TRANSPORT_CLOSED', message: `connection to ${this.remote.host}:${this.remote.port} is closed` });
    }
    if (this.socket.writableLength > MAX_QUEUED_BYTES) {
      this.close();
      return Promise.resolve({ code: 'SIP_TRANSPORT_SEND', message: `peer ${this.remote.host}:${this.remote.port} is not reading; connection closed` });
    }
    return new Promise((resolve) => {
      this.socket.write(data, (e) => {
        resolve(e ? { code: 'SIP_TRANSPORT_SEND', message: `write to ${this.remote.host}:${this.remote.port}: ${describeError(e)}` } : undefined);
      });
    });
  }

  close(immediately = false): void {
    if (immediately) {
      this.closed = true;
      this.socket.destroy();
      return;
    }
    if (this.closed) return;
    this.closed = true;
    // Let queued bytes go out, then make sure the socket is really gone.
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }
}
