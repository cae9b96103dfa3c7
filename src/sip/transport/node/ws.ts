/**
 * WebSocket adapter (RFC 7118) on the `ws` package: ws (HTTP) and wss (HTTPS, TLS 1.2+).
 * Each WebSocket message carries exactly one SIP message (RFC 7118 §5.1).
 */
import { isUtf8 } from 'node:buffer';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { canonicalHost } from '../addresses.js';
import type { AcceptConnection, DriverOptions, ListenerSpec, OpenResult, StreamConnection, StreamListener } from '../driver.js';
import type { NetAddress, TransportError, TransportKind } from '../types.js';
import { describeError } from './errors.js';
import { closeServer, listen } from './listen.js';
import { loadCertificate } from './tls.js';

/** RFC 7118 §4.1: the WebSocket sub-protocol of SIP. */
export const SIP_SUBPROTOCOL = 'sip';
const CLOSE_GRACE_MS = 2000;

/** The offered sub-protocol token equal to "sip" (compared case-insensitively), if any. */
export function offeredSipProtocol(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.toLowerCase() === SIP_SUBPROTOCOL);
}

export async function openWs(spec: ListenerSpec, options: DriverOptions, accept: AcceptConnection): Promise<OpenResult<StreamListener>> {
  const kind = spec.transport;
  const refuseHttp = (_req: IncomingMessage, res: import('node:http').ServerResponse): void => {
    res.writeHead(426, { Upgrade: 'websocket', Connection: 'close', 'Content-Length': '0' }).end();
  };
  let server: HttpServer;
  if (kind === 'wss') {
    const pair = await loadCertificate(spec);
    if (!pair.ok) return pair;
    try {
      server = createHttpsServer({ cert: pair.value.cert, key: pair.value.key, minVersion: 'TLSv1.2' }, refuseHttp);
    } catch (e) {
      return { ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `wss ${spec.host}:${spec.port}: bad certificate/key: ${describeError(e)}` } };
    }
    server.on('tlsClientError', (_e: Error, socket: Duplex) => socket.destroy());
  } else {
    server = createHttpServer(refuseHttp);
  }
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageSize,
    perMessageDeflate: false,
    handleProtocols: (protocols) => [...protocols].find((p) => p.toLowerCase() === SIP_SUBPROTOCOL) ?? false,
  });
  const bound = await listen(server, spec);
  if (!bound.ok) return bound;
  const local: NetAddress = { transport: kind, host: spec.host, port: bound.value };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    // RFC 7118 §4.1: the client MUST offer "sip" in Sec-WebSocket-Protocol and the 101 MUST
    // carry it; a handshake without it is refused.
    if (offeredSipProtocol(req.headers['sec-websocket-protocol']) === undefined) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => WsConnection.attach(ws, req, kind, local.port, accept));
  });
  return { ok: true, value: new WsListener(server, wss, local) };
}

class WsListener implements StreamListener {
  constructor(
    private readonly server: HttpServer,
    private readonly wss: WebSocketServer,
    readonly local: NetAddress,
  ) {}

  async close(): Promise<void> {
    this.wss.close();
    const closing = closeServer(this.server);
    // Sockets still in the HTTP phase (no upgrade) would keep the server open.
    this.server.closeAllConnections();
    await closing;
  }
}

class WsConnection implements StreamConnection {
  private closed = false;

  private constructor(
    private readonly ws: WebSocket,
    readonly local: NetAddress,
    readonly remote: NetAddress,
  ) {}

  static attach(ws: WebSocket, req: IncomingMessage, kind: TransportKind, localPort: number, accept: AcceptConnection): void {
    ws.on('error', () => undefined); // 'close' follows
    const s = req.socket;
    if (s.remoteAddress === undefined || s.remotePort === undefined) {
      ws.terminate();
      return;
    }
    const conn = new WsConnection(
      ws,
      { transport: kind, host: canonicalHost(s.localAddress ?? ''), port: localPort },
      { transport: kind, host: canonicalHost(s.remoteAddress), port: s.remotePort },
    );
    const events = accept(conn);
    if (events === undefined) {
      conn.closed = true;
      ws.terminate();
      return;
    }
    ws.on('message', (data: RawData) => {
      if (!conn.closed) events.onData(toBuffer(data));
    });
    ws.once('close', () => {
      conn.closed = true;
      events.onClose();
    });
  }

  write(data: Buffer): Promise<TransportError | undefined> {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ code: 'SIP_TRANSPORT_CLOSED', message: `WebSocket to ${this.remote.host}:${this.remote.port} is closed` });
    }
    // RFC 7118 §5.1: text frames when the message is valid UTF-8, else binary frames.
    return new Promise((resolve) => {
      this.ws.send(data, { binary: !isUtf8(data) }, (e) => {
        resolve(e ? { code: 'SIP_TRANSPORT_SEND', message: `WebSocket send to ${this.remote.host}:${this.remote.port}: ${describeError(e)}` } : undefined);
      });
    });
  }

  close(immediately = false): void {
    if (immediately) {
      this.closed = true;
      this.ws.terminate();
      return;
    }
    if (this.closed) return;
    this.closed = true;
    this.ws.close(1000);
    const t = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    t.unref();
    this.ws.once('close', () => clearTimeout(t));
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
