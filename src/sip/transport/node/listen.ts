/** Starting and stopping a node:net / node:tls / node:http server as a listener. */
import type { Server } from 'node:net';
import type { ListenerSpec, OpenResult } from '../driver.js';
import { describeError } from './errors.js';

/** Listens on spec.host:spec.port; resolves with the bound port, or a clear failure. */
export function listen(server: Server, spec: ListenerSpec): Promise<OpenResult<number>> {
  return new Promise((resolve) => {
    const onError = (e: Error): void => {
      server.close();
      resolve({ ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `cannot listen on ${spec.transport} ${spec.host}:${spec.port}: ${describeError(e)}` } });
    };
    server.once('error', onError);
    server.listen({ host: spec.host, port: spec.port, exclusive: true }, () => {
      server.off('error', onError);
      server.on('error', () => undefined);
      const address = server.address();
      resolve({ ok: true, value: typeof address === 'object' && address !== null ? address.port : spec.port });
    });
  });
}

/** Stops accepting; resolves once the server is closed (connections are closed by the manager). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
  });
}
