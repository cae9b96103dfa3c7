/**
 * A deployment for the security interop tests: a temporary directory with the config file and
 * the data directory, users imported with the real CLI, server processes started on it in turn
 * (bans must survive a restart), and the `ban` CLI run against it. Readiness is probed from a
 * chosen loopback address (default 127.0.0.9), since 127.0.0.1 is the attacker and may be banned.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BoundedRun, describeRun, runBounded } from '../interop/peer-tools.js';
import { type AfterHook, ServerProcess, freePort, repoRoot, serverMainPath } from './server-process.js';
import { type Target, buildOptions, parseResponse, randomToken } from './sip-client.js';

export const DOMAIN = '127.0.0.1';
/** The address readiness probes and "is the server still answering" checks come from. */
export const PROBE_HOST = '127.0.0.9';

export interface SecurityUser {
  name: string;
  password: string;
}

export class SecurityDeployment {
  readonly dataDir: string;
  readonly configFile: string;
  private readonly servers: ServerProcess[] = [];

  private constructor(readonly root: string, configYaml: string) {
    this.dataDir = join(root, 'data');
    this.configFile = join(root, 'switchboard.yaml');
    writeFileSync(this.configFile, configYaml);
  }

  static create(t: AfterHook, configYaml: string): SecurityDeployment {
    const d = new SecurityDeployment(mkdtempSync(join(tmpdir(), 'switchboard-security-')), configYaml);
    t.after(() => d.destroy());
    return d;
  }

  /** Runs `switchboard ARGS --config … --data …` (bounded), e.g. `ban list --json`. */
  cli(args: readonly string[], timeoutMs = 20_000): Promise<BoundedRun> {
    return runBounded(process.execPath, [serverMainPath(), ...args, '--config', this.configFile, '--data', this.dataDir], { cwd: repoRoot(), timeoutMs });
  }

  async importUsers(users: readonly SecurityUser[]): Promise<void> {
    const csv = join(this.root, `users-${randomToken(4)}.csv`);
    writeFileSync(csv, ['user,password', ...users.map((u) => `${u.name},${u.password}`)].join('\n') + '\n');
    const r = await this.cli(['user', 'import', csv, '--domain', DOMAIN]);
    if (r.code !== 0) throw new Error(describeRun('user import', r));
  }

  /** Starts the server on `port` (or a free one); resolves once it answers OPTIONS sent from PROBE_HOST. */
  async start(o: { port?: number; extraArgs?: readonly string[] } = {}): Promise<ServerProcess> {
    const port = o.port ?? (await freePort());
    const args = [
      serverMainPath(), 'start',
      '--config', this.configFile,
      '--data', this.dataDir,
      '--listen', `udp:${DOMAIN}:${port}`,
      '--listen', `tcp:${DOMAIN}:${port}`,
      '--domain', DOMAIN,
      ...(o.extraArgs ?? []),
    ];
    const child = spawn(process.execPath, args, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child, { sip: port, tls: 0 }, this.dataDir, args);
    this.servers.push(server);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (!server.alive) throw new Error(`server exited before it was ready\nnode ${args.join(' ')}\n${server.outputTail()}`);
      if ((await optionsFrom(server.sip, PROBE_HOST, 300)) === 200) return server;
      await new Promise((r) => setTimeout(r, 100));
    }
    await stopServer(server);
    throw new Error(`server not ready after 15 s\nnode ${args.join(' ')}\n${server.outputTail()}`);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.servers.map(stopServer));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** SIGTERM and wait (SIGKILL after 5 s), without removing the shared data directory. */
export async function stopServer(server: ServerProcess): Promise<void> {
  if (!server.alive) return;
  server.child.kill('SIGTERM');
  if ((await server.waitExit(5000)) === undefined) {
    server.child.kill('SIGKILL');
    await server.waitExit(5000);
  }
}

/** Sends one OPTIONS over UDP from `fromHost`; the final status, or undefined without an answer. */
export function optionsFrom(target: Target, fromHost: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    let done = false;
    const finish = (status: number | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(status);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on('error', () => finish(undefined));
    socket.on('message', (msg) => {
      const r = parseResponse(msg);
      if (r !== undefined && r.status >= 200) finish(r.status);
    });
    socket.bind(0, fromHost, () => {
      const local = socket.address();
      socket.send(buildOptions({ target, transport: 'UDP', local: { host: fromHost, port: local.port } }), target.port, target.host);
    });
  });
}

/** Polls until `check` holds (every 200 ms), for at most `timeoutMs`; returns whether it did. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

/** The server's security event log lines (`securityEvent` field), in order. */
export function securityEvents(server: ServerProcess): Array<{ securityEvent: string; source?: string; user?: string; reason?: string }> {
  return server.logs().filter((l) => typeof l['securityEvent'] === 'string') as Array<{ securityEvent: string; source?: string; user?: string; reason?: string }>;
}

/** A config for these tests: MD5 digest for the legacy peers, then the given security lines. */
export function securityConfig(o: { security?: string; extra?: string } = {}): string {
  return ['auth:', '  algorithms: [md5]', ...(o.security === undefined ? [] : ['security:', o.security.trimEnd()]), o.extra ?? '', ''].join('\n');
}
