/**
 * Runs the real Switchboard server as a child process for interop tests: free ports, a fresh
 * data directory, readiness by OPTIONS over UDP, collected JSON log lines, RSS, and a stop that
 * always ends the child (SIGTERM, then SIGKILL after 5 s).
 *
 * The server entry point is $SWITCHBOARD_MAIN when set, else src/app/main.js of the same
 * build output this file was compiled into (dist/src/app/main.js for the normal build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { udpOptions, type Target } from './sip-client.js';

export interface ServerPorts {
  /** UDP and TCP share this port number. */
  sip: number;
  tls: number;
}

export interface StartOptions {
  /** Also listen for TLS on ports.tls (default true). */
  tls?: boolean;
  /** Extra CLI arguments appended after the defaults. */
  extraArgs?: string[];
  /** Give up waiting for readiness after this long (default 10 s). */
  readyTimeoutMs?: number;
  logLevel?: string;
  /** Pick the server's ports in this range (inclusive); default DEFAULT_PORT_RANGE. */
  portRange?: readonly [number, number];
  /** Node options before the entry point, e.g. `--inspect=127.0.0.1:0`. */
  nodeArgs?: string[];
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when SIGTERM was not enough and SIGKILL had to be sent. */
  killed: boolean;
}

/** What `t.after` looks like on node:test's TestContext (kept structural to avoid coupling). */
export interface AfterHook {
  after(fn: () => unknown): void;
}

const STOP_GRACE_MS = 5000;
const live = new Set<ChildProcess>();
// A safety net: never leave a server behind when the test process exits.
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'switchboard') return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function serverMainPath(): string {
  const fromEnv = process.env['SWITCHBOARD_MAIN'];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(repoRoot(), fromEnv);
  // <out>/test/support/server-process.js → <out>/src/app/main.js
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../src/app/main.js');
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      res(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** Where free ports are picked by default: high, clear of well-known and ephemeral ranges. */
export const DEFAULT_PORT_RANGE: readonly [number, number] = [20000, 31999];

/** A random port in `range` (inclusive) that is free for both UDP and TCP on 127.0.0.1 right now. */
export async function freePort(avoid: number[] = [], range: readonly [number, number] = DEFAULT_PORT_RANGE): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));
    if (avoid.includes(port)) continue;
    if ((await udpFree(port)) && (await tcpFree(port))) return port;
  }
  throw new Error('no free port found in 200 attempts');
}

export class ServerProcess {
  readonly logLines: string[] = [];
  readonly stderrLines: string[] = [];
  private exitInfo: ExitInfo | undefined;
  private readonly exited: Promise<void>;
  private killedHard = false;

  constructor(
    readonly child: ChildProcess,
    readonly ports: ServerPorts,
    readonly dataDir: string,
    readonly args: string[],
  ) {
    live.add(child);
    collectLines(child.stdout, this.logLines);
    collectLines(child.stderr, this.stderrLines);
    this.exited = new Promise((res) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal, killed: this.killedHard };
        res();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get sip(): Target {
    return { host: '127.0.0.1', port: this.ports.sip };
  }

  get tls(): Target {
    return { host: '127.0.0.1', port: this.ports.tls };
  }

  /** undefined while the process runs. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** The stdout lines that are JSON objects (pino log records). */
  logs(): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const l of this.logLines) {
      try {
        const v: unknown = JSON.parse(l);
        if (v !== null && typeof v === 'object') out.push(v as Record<string, unknown>);
      } catch {
        // not a JSON line
      }
    }
    return out;
  }

  /** Resident set size from /proc/PID/status (VmRSS), in bytes. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (m === null) throw new Error(`no VmRSS in /proc/${this.pid}/status`);
    return Number(m[1]) * 1024;
  }

  /** The last lines of output, for error messages. */
  outputTail(lines = 40): string {
    return [
      `--- server stdout (last ${lines} lines) ---`,
      ...this.logLines.slice(-lines),
      `--- server stderr (last ${lines} lines) ---`,
      ...this.stderrLines.slice(-lines),
    ].join('\n');
  }

  /** SIGTERM, wait for exit; SIGKILL after 5 s. Idempotent. Removes the data directory. */
  async stop(): Promise<ExitInfo> {
    if (this.exitInfo === undefined) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        this.killedHard = true;
        this.child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    return this.exitInfo!;
  }

  /** Waits up to `ms` for the process to exit by itself. */
  async waitExit(ms: number): Promise<ExitInfo | undefined> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    return this.exitInfo;
  }
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  if (stream === null) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const p of parts) if (p.length > 0) into.push(p);
    // Bounded: keep the most recent 20,000 lines.
    if (into.length > 20000) into.splice(0, into.length - 20000);
  });
  stream.on('end', () => {
    if (pending.length > 0) into.push(pending);
  });
}

/**
 * Starts the server on free loopback ports and resolves once it answers OPTIONS over UDP with
 * 200. With `t` (a node:test context) the server is always stopped after the test, pass or fail.
 */
export async function startServer(t: AfterHook | undefined, opts: StartOptions = {}): Promise<ServerProcess> {
  const main = serverMainPath();
  if (!existsSync(main)) {
    throw new Error(`server entry point ${main} does not exist: build first (npx tsc -p .) or set SWITCHBOARD_MAIN`);
  }
  const sip = await freePort([], opts.portRange);
  const tls = await freePort([sip], opts.portRange);
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-interop-'));
  const args = [
    ...(opts.nodeArgs ?? []),
    main, 'start',
    '--data', dataDir,
    '--listen', `udp:127.0.0.1:${sip}`,
    '--listen', `tcp:127.0.0.1:${sip}`,
    ...(opts.tls === false ? [] : ['--listen', `tls:127.0.0.1:${tls}`]),
    '--domain', '127.0.0.1',
    '--log-level', opts.logLevel ?? 'info',
    // These tests measure the SIP stack with floods of (hostile) messages from loopback; the
    // flood limits and bans are tested on their own (test/interop/security-*.test.ts).
    '--allow', '127.0.0.0/8',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  const server = new ServerProcess(child, { sip, tls }, dataDir, args);
  t?.after(() => server.stop());
  try {
    await waitReady(server, opts.readyTimeoutMs ?? 10000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function waitReady(server: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastStatus = 'no response';
  while (Date.now() < deadline) {
    if (!server.alive) {
      throw new Error(
        `server exited before it was ready (code ${server.exit?.code}, signal ${server.exit?.signal})\n` +
          `command: node ${server.args.join(' ')}\n${server.outputTail()}`,
      );
    }
    const r = await udpOptions(server.sip, Math.min(300, Math.max(1, deadline - Date.now())));
    const final = r.responses.find((x) => x.status >= 200);
    if (final?.status === 200) return;
    if (final !== undefined) lastStatus = `${final.status} ${final.reason}`;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(
    `server not ready after ${timeoutMs} ms (OPTIONS over UDP to ${server.sip.host}:${server.sip.port}: ${lastStatus})\n` +
      `command: node ${server.args.join(' ')}\n${server.outputTail()}`,
  );
}
