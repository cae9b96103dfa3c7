/**
 * baresip (Debian baresip-core 1.0.0) as a headless SIP user agent for interop tests: a
 * generated config directory (-f), one account, no audio or video modules (registration
 * needs none) and no console module (stdio.so fails without a terminal: "epoll_ctl ...
 * Operation not permitted"). SIP trace (-s) and status lines are collected from stdout.
 * stop() sends SIGTERM: baresip unregisters ("ua: stop all") and exits; SIGKILL after a bound.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerTool } from '../interop/peer-tools.js';
import type { Target } from './sip-client.js';

export const BARESIP_MODULE_PATH = '/usr/lib/baresip/modules';

export interface BaresipAccount {
  user: string;
  password: string;
  /** The registrar; the AOR is sip:USER@HOST:PORT, so the REGISTER goes there over UDP. */
  registrar: Target;
  /** Registration interval, seconds (the Expires baresip asks for). */
  regint: number;
}

/** For requirePeer() of test/interop/peer-tools.ts. */
export const BARESIP: PeerTool = { command: 'baresip', debianPackage: 'baresip-core' };

/** Throws when the installed baresip lacks the module these tests load (a broken install). */
export function assertBaresipModules(): void {
  const module = join(BARESIP_MODULE_PATH, 'account.so');
  if (!existsSync(module)) throw new Error(`baresip is installed but its account module ${module} is missing`);
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export class Baresip {
  private output = '';
  private readonly exited: Promise<void>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly listenPort: number,
  ) {
    live.add(child);
    const keep = (d: Buffer): void => {
      // Bounded: keep the last 200 kB.
      this.output = (this.output + d.toString('latin1')).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal };
        resolve();
      }),
    );
    child.once('error', (e) => keep(Buffer.from(`\nspawn error: ${e.message}\n`)));
  }

  /** Writes the config directory and starts `baresip -f DIR -s`. */
  static start(account: BaresipAccount, listenPort: number): Baresip {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-baresip-'));
    const aor = `sip:${account.user}@${account.registrar.host}:${account.registrar.port};transport=udp`;
    writeFileSync(join(dir, 'accounts'), `<${aor}>;auth_pass=${account.password};regint=${account.regint}\n`);
    writeFileSync(
      join(dir, 'config'),
      [`sip_listen 127.0.0.1:${listenPort}`, `module_path ${BARESIP_MODULE_PATH}`, 'module account.so', ''].join('\n'),
    );
    const child = spawn('baresip', ['-f', dir, '-s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Baresip(child, dir, listenPort);
  }

  get stdout(): string {
    return this.output;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** Waits until stdout matches `pattern` (polled every 50 ms, at most `timeoutMs`). */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() >= deadline || this.exitInfo !== undefined) return pattern.test(this.output);
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /**
   * SIGTERM and wait up to `graceMs` for baresip to unregister and exit; SIGKILL after that.
   * Returns whether it exited by itself. Idempotent; removes the config directory.
   */
  async stop(graceMs = 10_000): Promise<boolean> {
    const clean = this.exitInfo === undefined ? await terminate(this.child, this.exited, graceMs) : true;
    rmSync(this.dir, { recursive: true, force: true });
    return clean;
  }
}

/**
 * SIGTERM a running baresip and wait up to `graceMs` for `exited`; SIGKILL after that.
 * Returns whether it exited by itself.
 */
export async function terminate(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<boolean> {
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
  clearTimeout(timer);
  if (!timedOut) return true;
  child.kill('SIGKILL');
  await exited;
  return false;
}
