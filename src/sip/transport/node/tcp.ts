/** TCP adapter (node:net): listener and outgoing connections (RFC 3261 §18). */
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import type { Result } from '../../../lib/index.js';
import type { AcceptConnection, DriverOptions, ListenerSpec, OpenResult, StreamConnection, StreamListener } from '../driver.js';
import type { NetAddress, TransportError } from '../types.js';
import { describeError } from './errors.js';
import { closeServer, listen } from './listen.js';
import { SocketConnection } from './socket-connection.js';

export async function openTcp(spec: ListenerSpec, options: DriverOptions, accept: AcceptConnection): Promise<OpenResult<StreamListener>> {
  const server = createServer({ noDelay: true });
  const bound = await listen(server, spec);
  if (!bound.ok) return bound;
  const local: NetAddress = { transport: 'tcp', host: spec.host, port: bound.value };
  server.on('connection', (socket) => SocketConnection.attach(socket, 'tcp', local.port, accept));
  return { ok: true, value: new TcpListener(server, local, options) };
}

class TcpListener implements StreamListener {
  constructor(
    private readonly server: Server,
    readonly local: NetAddress,
    private readonly options: DriverOptions,
  ) {}

  connect(host: string, port: number, accept: AcceptConnection): Promise<Result<StreamConnection, TransportError>> {
    return settleConnect(netConnect({ host, port, noDelay: true }), 'connect', host, port, this.local.port, this.options, accept, 'tcp');
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

/**
 * Waits for an outgoing socket to connect (event `readyEvent`), bounded by the connect
 * timeout, then hands it to `accept`. Shared by TCP and TLS.
 */
export function settleConnect(
  socket: Socket,
  readyEvent: 'connect' | 'secureConnect',
  host: string,
  port: number,
  localPort: number,
  options: DriverOptions,
  accept: AcceptConnection,
  kind: 'tcp' | 'tls',
): Promise<Result<StreamConnection, TransportError>> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Result<StreamConnection, TransportError>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off('close', onEarlyClose);
      resolve(r);
    };
    const failure = (message: string): Result<StreamConnection, TransportError> => ({
      ok: false,
      error: { code: 'SIP_TRANSPORT_CONNECT', message: `${kind} connect to ${host}:${port}: ${message}` },
    });
    const onError = (e: Error): void => {
      socket.destroy();
      finish(failure(describeError(e)));
    };
    const onEarlyClose = (): void => finish(failure('connection closed'));
    const timer = setTimeout(() => {
      socket.destroy();
      finish(failure(`timed out after ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
    socket.once('error', onError);
    socket.once('close', onEarlyClose);
    socket.once(readyEvent, () => {
      const conn = SocketConnection.attach(socket, kind, localPort, accept);
      finish(conn === undefined ? failure('connection refused by local limits') : { ok: true, value: conn });
    });
  });
}
