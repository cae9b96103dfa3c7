/** Shared test helpers for the media relay tests. */
import { createSocket, type Socket } from 'node:dgram';
export * from '../../../src/media/index.js';
export { ManualClock, ok, err } from '../../../src/lib/index.js';
import { loadRtpAddon } from '../../../src/media/index.js';

/** The forwarding engines to run the relay tests against; native is skipped (with the reason) when its addon is not built. */
export function engines(): { engine: 'js' | 'native'; skip: string | false }[] {
  const load = loadRtpAddon();
  return [
    { engine: 'js', skip: false },
    { engine: 'native', skip: load.ok ? false : load.reason },
  ];
}

export interface Endpoint {
  readonly socket: Socket;
  readonly port: number;
  readonly received: { data: Buffer; port: number }[];
  /** Resolves when `count` datagrams have arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<void>;
  send(data: Buffer, port: number): Promise<void>;
  close(): Promise<void>;
}

export async function endpoint(host = '127.0.0.1'): Promise<Endpoint> {
  const socket = createSocket('udp4');
  const received: { data: Buffer; port: number }[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data, rinfo) => {
    received.push({ data, port: rinfo.port });
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((r) => socket.bind(0, host, () => r()));
  return {
    socket,
    port: socket.address().port,
    received,
    waitFor(count, ms = 2000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} packets (got ${received.length})`)), ms);
        const check = (): void => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    send(data, port) {
      return new Promise((resolve, reject) => socket.send(data, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    },
    close() {
      return new Promise((r) => socket.close(() => r()));
    },
  };
}

/** Lets queued datagrams be delivered (loopback delivery is immediate, the event loop is not). */
export const settle = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));
