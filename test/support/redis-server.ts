/**
 * A throwaway `redis-server` for tests and benchmarks: a free 127.0.0.1 port, a temporary
 * directory, no persistence; ready once it answers PING; stop() kills it and removes the dir.
 * When the binary is missing, CI (CI=true) must fail and a developer machine skips.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The redis-server binary on PATH (or $REDIS_SERVER), or undefined. */
export function findRedisServer(): string | undefined {
  const explicit = process.env.REDIS_SERVER;
  const candidates = explicit !== undefined && explicit !== '' ? [explicit] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'redis-server'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const REDIS_MISSING = 'redis-server is not installed (not on PATH, REDIS_SERVER unset); apt-get install redis-server';

/**
 * How a Redis test file should treat a missing binary: `{ binary }` to run; `{ skip }` with the
 * reason (already printed) outside CI; in CI (CI=true) `{ fail }`, which the file turns into a
 * failing test.
 */
export function redisTestMode(): { binary: string } | { skip: string } | { fail: string } {
  const binary = findRedisServer();
  if (binary !== undefined) return { binary };
  if (process.env.CI === 'true') return { fail: `${REDIS_MISSING} — CI must install it` };
  console.log(`# skipping Redis tests: ${REDIS_MISSING}`);
  return { skip: REDIS_MISSING };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when the server at `port` answers PING with PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts redis-server; rejects (with its output) when it does not answer within `timeoutMs`. */
export async function startRedisServer(binary: string, timeoutMs = 5000): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port))) {
    if (spawnError !== undefined || child.exitCode !== null || Date.now() > deadline) {
      await stop();
      const why = spawnError?.message ?? (child.exitCode !== null ? `exited with ${child.exitCode}` : `no PONG within ${timeoutMs} ms`);
      throw new Error(`redis-server on 127.0.0.1:${port} did not start: ${why}\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
