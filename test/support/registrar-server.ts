/**
 * A registrar deployment for interop tests: one temporary directory holding the config file
 * and the data directory, users imported through the real CLI (`switchboard user import`),
 * and server processes started on it — several in turn (restart after kill -9) or side by
 * side (two nodes). Unlike startServer(), the data directory outlives each process; it is
 * removed by the cleanup hook after every process of the deployment has been ended.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, runBounded } from '../interop/peer-tools.js';
import { type AfterHook, ServerProcess, freePort, repoRoot, serverMainPath } from './server-process.js';
import { type Target, udpOptions } from './sip-client.js';

export interface UserSpec {
  name: string;
  password: string;
}

export const DOMAIN = '127.0.0.1';
const STOP_GRACE_MS = 5000;

export class RegistrarDeployment {
  readonly dataDir: string;
  readonly configFile: string;
  private readonly processes: RegistrarProcess[] = [];

  private constructor(readonly root: string, configYaml: string) {
    this.dataDir = join(root, 'data');
    this.configFile = join(root, 'switchboard.yaml');
    writeFileSync(this.configFile, configYaml);
  }

  /** A fresh directory with `configYaml` as the config file; removed after the test (`t.after`). */
  static create(t: AfterHook, configYaml: string): RegistrarDeployment {
    const d = new RegistrarDeployment(mkdtempSync(join(tmpdir(), 'switchboard-registrar-')), configYaml);
    t.after(() => d.destroy());
    return d;
  }

  /** Adds the users with `switchboard user import FILE.csv` (header `user,password`). */
  async importUsers(users: readonly UserSpec[]): Promise<void> {
    const csv = join(this.root, `users-${Date.now()}.csv`);
    writeFileSync(csv, ['user,password', ...users.map((u) => `${u.name},${u.password}`)].join('\n') + '\n');
    const args = [serverMainPath(), 'user', 'import', csv, '--domain', DOMAIN, '--data', this.dataDir];
    const r = await runBounded(process.execPath, args, { cwd: repoRoot(), timeoutMs: 30_000 });
    if (r.code !== 0 || !new RegExp(`\\b${users.length} added\\b`).test(r.stdout)) {
      throw new Error(describeRun(`node ${args.join(' ')}`, r));
    }
  }

  /** Starts `switchboard start` on this deployment; resolves when it answers OPTIONS with 200. */
  async start(o: { port?: number; portRange?: readonly [number, number]; readyTimeoutMs?: number; udpOnly?: boolean } = {}): Promise<RegistrarProcess> {
    const port = o.port ?? (await freePort([], o.portRange));
    const args = [
      serverMainPath(), 'start',
      '--config', this.configFile,
      '--data', this.dataDir,
      '--listen', `udp:${DOMAIN}:${port}`,
      ...(o.udpOnly === true ? [] : ['--listen', `tcp:${DOMAIN}:${port}`]),
      '--domain', DOMAIN,
      // Peers here fail authentication on purpose (wrong passwords, stale nonces) and load
      // the server from loopback: loopback is allow-listed (never banned, still challenged).
      // Bans and flood limits have their own tests (test/interop/security-*.test.ts).
      '--allow', '127.0.0.0/8',
    ];
    const child = spawn(process.execPath, args, { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    const p = new RegistrarProcess(new ServerProcess(child, { sip: port, tls: 0 }, this.dataDir, args));
    this.processes.push(p);
    await p.waitReady(o.readyTimeoutMs ?? 15_000);
    return p;
  }

  /** Ends every process started here (SIGTERM, SIGKILL after 5 s), then removes the directory. */
  async destroy(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGTERM')));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** One server process of a deployment. */
export class RegistrarProcess {
  constructor(readonly server: ServerProcess) {}

  get sip(): Target {
    return this.server.sip;
  }

  get port(): number {
    return this.server.ports.sip;
  }

  get alive(): boolean {
    return this.server.alive;
  }

  outputTail(lines = 30): string {
    return this.server.outputTail(lines);
  }

  /**
   * Sends `signal` and waits for the exit; after SIGTERM, SIGKILL follows 5 s later. Never
   * calls ServerProcess.stop(), which would remove the shared data directory.
   */
  async kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (!this.server.alive) return;
    this.server.child.kill(signal);
    if ((await this.server.waitExit(STOP_GRACE_MS)) === undefined) {
      this.server.child.kill('SIGKILL');
      await this.server.waitExit(STOP_GRACE_MS);
    }
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.server.alive) {
        throw new Error(`server exited before it was ready (code ${this.server.exit?.code})\nnode ${this.server.args.join(' ')}\n${this.outputTail()}`);
      }
      const r = await udpOptions(this.sip, 300);
      if (r.responses.some((x) => x.status === 200)) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    await this.kill('SIGKILL');
    throw new Error(`server not ready after ${timeoutMs} ms\nnode ${this.server.args.join(' ')}\n${this.outputTail()}`);
  }
}

/**
 * The config used with peers that read a single WWW-Authenticate: SIPp 3.6.1 fails with
 * "authentication must use MD5" and sipsak with "unsupported authentication algorithm" when
 * the 401 carries a SHA-256 challenge before the MD5 one (RFC 8760 has a UAC use the first
 * challenge whose algorithm it supports; these do not), and baresip 1.0.0 (libre) answers
 * it with "Register: Function not implemented". `auth.algorithms: [md5]` is the deployment
 * knob for such legacy UAs.
 */
export const LEGACY_UA_AUTH = 'auth:\n  algorithms: [md5]\n';
