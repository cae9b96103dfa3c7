/**
 * One way to open an ioredis client for the shared stores (location, bans): connect eagerly so
 * a dead Redis fails the start with a clear reason, fail commands fast while disconnected, and
 * never hold the process open after a failed open or a close.
 *
 * ioredis is loaded here, on the first connect, not when the module is: a server on the
 * embedded SQLite store never loads it (about 4 MB less resident memory; bench/sip-load `fill`).
 */
import type { Redis } from 'ioredis';
import { describeError } from './errors.js';
import { redactRedisUrl } from './redis-keys.js';

export interface RedisConnectOptions {
  readonly url: string;
  /** A command waiting longer fails (default 2000 ms). */
  readonly commandTimeoutMs?: number;
  /** Called for connection errors after the first connect (ioredis then reconnects). */
  readonly onConnectionError?: (error: Error) => void;
}

/** The connected client, or the reason (password redacted from the URL) it could not connect. */
export async function connectRedis(options: RedisConnectOptions): Promise<{ ok: true; client: Redis } | { ok: false; reason: string; cause: unknown }> {
  let lastError: Error | undefined;
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient(options.url, {
    lazyConnect: true,
    enableAutoPipelining: true,
    connectTimeout: 5000,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    // While disconnected a command waits for one reconnection, then fails: a request gets an
    // error response quickly instead of hanging on an outage.
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 2000),
    // ioredis arms this timer even for a socket that never connected; the default 2 s would
    // hold the process open after a failed connect or a close.
    disconnectTimeout: 200,
  });
  // Without a listener ioredis would report every connection error on the console.
  client.on('error', (e: Error) => {
    lastError = e;
    options.onConnectionError?.(e);
  });
  try {
    await client.connect();
    return { ok: true, client };
  } catch (e) {
    client.disconnect();
    return { ok: false, reason: `cannot connect to ${redactRedisUrl(options.url)}: ${lastError?.message ?? describeError(e)}`, cause: lastError ?? e };
  }
}
