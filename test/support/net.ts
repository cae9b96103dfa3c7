/** Loopback network helpers for transport tests: IPv6 detection, a recording TransportUser, waits. */
import { createSocket } from 'node:dgram';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import {
  type ReceivedInvalid,
  type ReceivedMessage,
  StreamFramer,
  type TransportKind,
  type TransportUser,
} from '../../src/sip/transport/index.js';

/** True when a socket can be bound on ::1 (some containers have IPv6 disabled). */
export function ipv6LoopbackAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '::1', port: 0 }, () => server.close(() => resolve(true)));
  });
}

/** Polls `predicate` every 5 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A TransportUser that records what it is given. */
export class RecordingUser implements TransportUser {
  readonly messages: ReceivedMessage[] = [];
  readonly invalid: ReceivedInvalid[] = [];

  onMessage(rx: ReceivedMessage): void {
    this.messages.push(rx);
  }

  onInvalid(rx: ReceivedInvalid): void {
    this.invalid.push(rx);
  }

  async nextMessage(index = this.messages.length, timeoutMs = 3000): Promise<ReceivedMessage> {
    await waitFor(() => this.messages.length > index, timeoutMs, `message #${index + 1}`);
    return this.messages[index];
  }

  async nextInvalid(index = this.invalid.length, timeoutMs = 3000): Promise<ReceivedInvalid> {
    await waitFor(() => this.invalid.length > index, timeoutMs, `invalid message #${index + 1}`);
    return this.invalid[index];
  }
}

/** A raw OPTIONS request as a client would put it on the wire. */
export function rawOptions(opts: {
  transport: string;
  host: string;
  port: number;
  branch?: string;
  body?: string;
  rport?: boolean;
  omitContentLength?: boolean;
}): string {
  const sentBy = opts.host.includes(':') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
  const body = opts.body ?? '';
  return (
    `OPTIONS sip:server@example.com SIP/2.0\r\n` +
    `Via: SIP/2.0/${opts.transport} ${sentBy};branch=z9hG4bK${opts.branch ?? 'abc123'}${opts.rport ? ';rport' : ''}\r\n` +
    `Max-Forwards: 70\r\n` +
    `From: <sip:alice@example.com>;tag=1928301774\r\n` +
    `To: <sip:server@example.com>\r\n` +
    `Call-ID: a84b4c76e66710@client\r\n` +
    `CSeq: 1 OPTIONS\r\n` +
    (body.length > 0 ? 'Content-Type: text/plain\r\n' : '') +
    (opts.omitContentLength ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`) +
    `\r\n` +
    body
  );
}

/** A loopback SIP client on a raw socket, for driving a listener from outside. */
export interface TestClient {
  /** Whole SIP messages received (framed for TCP/TLS). */
  readonly messages: Buffer[];
  /** Every chunk received, unframed. */
  readonly raw: Buffer[];
  readonly closed: () => boolean;
  /** The client's own address as the server sees it. */
  readonly localPort: number;
  send(data: string | Buffer): void;
  nextMessage(index?: number, timeoutMs?: number): Promise<Buffer>;
  close(): Promise<void>;
}

export interface ClientOptions {
  /** PEM CA the TLS / WSS server certificate is checked against. */
  readonly ca?: string | Buffer;
  /** WebSocket sub-protocols to offer (default ['sip']). */
  readonly protocols?: string[];
}

export async function openClient(kind: TransportKind, host: string, port: number, options: ClientOptions = {}): Promise<TestClient> {
  const messages: Buffer[] = [];
  const raw: Buffer[] = [];
  let closed = false;
  const common = {
    messages,
    raw,
    closed: () => closed,
    async nextMessage(index = messages.length, timeoutMs = 3000): Promise<Buffer> {
      await waitFor(() => messages.length > index, timeoutMs, `client message #${index + 1}`);
      return messages[index];
    },
  };
  if (kind === 'udp') {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (m) => {
      raw.push(m);
      messages.push(m);
    });
    await new Promise<void>((r) => socket.bind(0, host, () => r()));
    return {
      ...common,
      localPort: socket.address().port,
      send: (data) => socket.send(Buffer.from(data), port, host),
      close: () => new Promise<void>((r) => socket.close(() => ((closed = true), r()))),
    };
  }
  if (kind === 'ws' || kind === 'wss') {
    const url = `${kind}://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    const ws = new WebSocket(url, options.protocols ?? ['sip'], options.ca !== undefined ? { ca: options.ca } : {});
    ws.on('message', (data: Buffer) => {
      raw.push(data);
      messages.push(data);
    });
    ws.on('close', () => (closed = true));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return {
      ...common,
      localPort: (ws as unknown as { _socket: Socket })._socket.localPort ?? 0,
      send: (data) => ws.send(data),
      close: async () => {
        if (!closed) {
          ws.terminate();
          await waitFor(() => closed, 2000, 'WebSocket close');
        }
      },
    };
  }
  const framer = new StreamFramer();
  const socket: Socket =
    kind === 'tls'
      ? tlsConnect({ host, port, ...(options.ca !== undefined ? { ca: options.ca } : {}) })
      : netConnect({ host, port });
  socket.on('data', (d: Buffer) => {
    raw.push(d);
    for (const e of framer.push(d)) if (e.kind === 'message') messages.push(e.bytes);
  });
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once(kind === 'tls' ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  });
  return {
    ...common,
    localPort: socket.localPort ?? 0,
    send: (data) => socket.write(data),
    close: async () => {
      socket.destroy();
      await waitFor(() => closed, 2000, 'socket close');
    },
  };
}
