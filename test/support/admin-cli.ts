/**
 * The admin CLI as interop tests run it: `switchboard show … / trace …` from the same build
 * output as the server (serverMainPath()), bounded in time; a background `trace` whose output
 * is collected and which is ended with SIGINT (then SIGKILL) after the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AfterHook } from './server-process.js';
import { describeRun, runBounded, type BoundedRun } from '../interop/peer-tools.js';
import { repoRoot, serverMainPath } from './server-process.js';

export async function switchboard(args: readonly string[], timeoutMs = 20_000): Promise<BoundedRun> {
  return runBounded(process.execPath, [serverMainPath(), ...args], { cwd: repoRoot(), timeoutMs });
}

export function explain(args: readonly string[], r: BoundedRun): string {
  return describeRun(`switchboard ${args.join(' ')}`, r);
}

/** A running `switchboard trace …`. */
export class TraceProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(t: AfterHook, args: readonly string[]) {
    this.child = spawn(process.execPath, [serverMainPath(), 'trace', ...args], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (this.stdout.length < 2_000_000) this.stdout += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (this.stderr.length < 200_000) this.stderr += d;
    });
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
    t.after(() => this.stop());
  }

  /** Resolves once the server confirmed the subscription (or false after `timeoutMs`). */
  async subscribed(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.stderr.includes('tracing SIP messages')) return true;
      if (this.child.exitCode !== null) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Waits until `stdout` satisfies `done` (bounded). */
  async waitFor(done: (stdout: string) => boolean, timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (done(this.stdout)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return done(this.stdout);
  }

  /** SIGINT (the user's Ctrl-C), SIGKILL after 5 s; resolves with the exit. Idempotent. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      const r = await this.exited;
      clearTimeout(timer);
      return r;
    }
    return this.exited;
  }
}
