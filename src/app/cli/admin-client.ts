/**
 * How `show`, `trace` and `reload` reach a running server: the admin API's URL from
 * `<data_dir>/admin.json` (written by the server), the token from `--token`,
 * $SWITCHBOARD_ADMIN_TOKEN, the config's `admin.token` or `<data_dir>/admin.token`; then
 * plain HTTP requests (JSON) or a streamed ndjson response, with errors a person can act on.
 */
import { readFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import type { Command } from 'commander';
import { readDiscovery, tokenPath } from '../../admin/index.js';
import { type Result, err, ok } from '../../lib/index.js';
import { formatIssue, loadConfig } from '../config/index.js';
import type { CliIo } from './io.js';

export interface AdminFlags {
  readonly config?: string;
  readonly data?: string;
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

export interface AdminTarget {
  readonly url: string;
  readonly token: string;
}

/** Adds the flags every admin command takes. */
export function adminOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML config file (for data_dir and admin.token)')
    .option('--data <dir>', 'data directory of the running server (overrides data_dir)')
    .option('--url <url>', 'admin API URL (default: from <data_dir>/admin.json)')
    .option('--token <token>', 'admin token (default: $SWITCHBOARD_ADMIN_TOKEN, admin.token, <data_dir>/admin.token)');
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Finds the server's admin API and token, or says why not. */
export function resolveAdmin(flags: AdminFlags, io: CliIo): Result<AdminTarget, string> {
  const loaded = loadConfig(flags.config, { overrides: { dataDir: flags.data }, cwd: io.cwd });
  if (!loaded.ok) return err(loaded.error.map(formatIssue).join('\n'));
  const config = loaded.value;
  let url = flags.url;
  if (url === undefined) {
    const found = readDiscovery(config.dataDir);
    if (found === undefined) {
      return err(`no running server found: ${config.dataDir}/admin.json does not exist (start the server, or pass the server's data directory with --data DIR)`);
    }
    if (!processAlive(found.pid)) {
      return err(`the server is not running: ${config.dataDir}/admin.json names pid ${found.pid}, which has exited`);
    }
    url = found.url;
  }
  let token = flags.token ?? process.env['SWITCHBOARD_ADMIN_TOKEN'] ?? config.admin.token;
  if (token === undefined || token === '') {
    const file = tokenPath(config.dataDir);
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch (e) {
      return err(`cannot read the admin token ${file}: ${message(e)} (run as the server's user, or pass --token)`);
    }
  }
  return ok({ url: url.replace(/\/+$/, ''), token });
}

export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}

function describeConnectError(e: unknown, url: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return `the server is not running (connection refused at ${url})`;
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR') return `no answer from the admin API at ${url}`;
  return `cannot reach the admin API at ${url}: ${message(e)}`;
}

function open(target: AdminTarget, method: string, path: string, timeoutMs: number, onResponse: (res: IncomingMessage) => void, onError: (text: string) => void): () => void {
  const req = request(
    `${target.url}${path}`,
    { method, headers: { authorization: `Bearer ${target.token}`, accept: 'application/json' }, timeout: timeoutMs },
    onResponse,
  );
  req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
  req.on('error', (e) => onError(describeConnectError(e, target.url)));
  req.end();
  return () => req.destroy();
}

/** One request; the body parsed as JSON (text when it is not JSON). */
export function adminRequest(target: AdminTarget, method: 'GET' | 'POST', path: string, timeoutMs = 10_000): Promise<Result<AdminResponse, string>> {
  return new Promise((resolve) => {
    open(
      target,
      method,
      path,
      timeoutMs,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => resolve(err(`admin API response failed: ${e.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON (metrics text)
          }
          resolve(ok({ status: res.statusCode ?? 0, body }));
        });
      },
      (text) => resolve(err(text)),
    );
  });
}

/** An error body's text, or the status. */
export function errorText(r: AdminResponse): string {
  if (r.status === 401) return 'the admin API refused the token (401): check --token or <data_dir>/admin.token';
  const b = r.body as { error?: unknown } | undefined;
  return typeof b?.error === 'string' ? `${b.error} (HTTP ${r.status})` : `HTTP ${r.status}`;
}

export interface StreamHandle {
  /** Resolves when the stream ends: ok with the status, or the connection error. */
  readonly done: Promise<Result<number, string>>;
  stop(): void;
}

/** A streamed GET: each ndjson line parsed and handed to `onLine` as it arrives. */
export function adminStream(target: AdminTarget, path: string, onLine: (line: unknown) => void): StreamHandle {
  let stop: () => void = () => {};
  let stopped = false;
  const done = new Promise<Result<number, string>>((resolve) => {
    stop = open(
      target,
      'GET',
      path,
      0,
      (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let body: unknown;
            try {
              body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              body = undefined;
            }
            resolve(err(errorText({ status, body })));
          });
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const l of lines) {
            if (l.trim() === '') continue;
            try {
              onLine(JSON.parse(l));
            } catch {
              // a torn or foreign line: skip it
            }
          }
        });
        res.on('end', () => resolve(ok(status)));
        res.on('error', () => resolve(ok(status)));
        res.on('close', () => resolve(ok(status)));
      },
      (text) => resolve(stopped ? ok(0) : err(text)),
    );
  });
  return {
    done,
    stop: () => {
      stopped = true;
      stop();
    },
  };
}

/** Runs `fn` against the resolved target; prints why the server cannot be reached (exit 1). */
export async function withAdmin(flags: AdminFlags, io: CliIo, fn: (target: AdminTarget) => Promise<number>): Promise<number> {
  const target = resolveAdmin(flags, io);
  if (!target.ok) {
    io.stderr(`error: ${target.error}\n`);
    return 1;
  }
  return fn(target.value);
}
