/** TLS adapter (node:tls, TLS 1.2 or later): listener and outgoing connections (RFC 3261 §18, §26.2). */
import { readFile } from 'node:fs/promises';
import { connect as tlsConnect, createServer, type Server } from 'node:tls';
import type { Result } from '../../../lib/index.js';
import type { AcceptConnection, DriverOptions, ListenerSpec, OpenResult, StreamConnection, StreamListener } from '../driver.js';
import type { NetAddress, TransportError } from '../types.js';
import { describeError } from './errors.js';
import { closeServer, listen } from './listen.js';
import { SocketConnection } from './socket-connection.js';
import { settleConnect } from './tcp.js';

/** A client that has not finished the TLS handshake by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface CertificatePair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads the PEM certificate and key named by a listener spec. */
export async function loadCertificate(spec: ListenerSpec): Promise<OpenResult<CertificatePair>> {
  if (spec.tls === undefined) {
    return { ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `${spec.transport} ${spec.host}:${spec.port}: no certificate/key configured` } };
  }
  try {
    const [cert, key] = await Promise.all([readFile(spec.tls.certFile), readFile(spec.tls.keyFile)]);
    return { ok: true, value: { cert, key } };
  } catch (e) {
    return { ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `${spec.transport} ${spec.host}:${spec.port}: cannot read certificate/key: ${describeError(e)}` } };
  }
}

export async function openTls(spec: ListenerSpec, options: DriverOptions, accept: AcceptConnection): Promise<OpenResult<StreamListener>> {
  const pair = await loadCertificate(spec);
  if (!pair.ok) return pair;
  let server: Server;
  try {
    server = createServer({ cert: pair.value.cert, key: pair.value.key, minVersion: 'TLSv1.2', handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  } catch (e) {
    return { ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `tls ${spec.host}:${spec.port}: bad certificate/key: ${describeError(e)}` } };
  }
  // A failed handshake only concerns that client.
  server.on('tlsClientError', (_e, socket) => socket.destroy());
  const bound = await listen(server, spec);
  if (!bound.ok) return bound;
  const local: NetAddress = { transport: 'tls', host: spec.host, port: bound.value };
  server.on('secureConnection', (socket) => SocketConnection.attach(socket, 'tls', local.port, accept));
  return { ok: true, value: new TlsListener(server, local, options) };
}

class TlsListener implements StreamListener {
  constructor(
    private readonly server: Server,
    readonly local: NetAddress,
    private readonly options: DriverOptions,
  ) {}

  connect(host: string, port: number, accept: AcceptConnection): Promise<Result<StreamConnection, TransportError>> {
    const client = this.options.tlsClient;
    const socket = tlsConnect({
      host,
      port,
      minVersion: 'TLSv1.2',
      // RFC 3261 §26.3.1 / RFC 5922: the server's certificate is verified unless configured otherwise.
      rejectUnauthorized: client?.rejectUnauthorized ?? true,
      ...(client?.ca !== undefined ? { ca: [...client.ca] } : {}),
    });
    return settleConnect(socket, 'secureConnect', host, port, this.local.port, this.options, accept, 'tls');
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
