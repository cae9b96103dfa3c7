/**
 * Running the third-party SIP peers (SIPp, sipsak) the interop tier drives: presence checks
 * with a clear message, and bounded child processes (a hard kill timer on every run).
 */
import { spawn, spawnSync } from 'node:child_process';

export interface PeerTool {
  command: string;
  debianPackage: string;
}

export const SIPP: PeerTool = { command: 'sipp', debianPackage: 'sip-tester' };
export const SIPSAK: PeerTool = { command: 'sipsak', debianPackage: 'sipsak' };

/** What node:test's TestContext offers that these helpers use. */
export interface SkipContext {
  skip(message?: string): void;
}

/**
 * Whether the tool is installed. When it is not: on CI (CI set) the test fails with a clear
 * message, since CI installs the peers (`node scripts/ensure-build.mjs --system`); elsewhere the
 * test is skipped with the reason printed. Returns false when the caller must return early.
 */
export function requirePeer(t: SkipContext, tool: PeerTool): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${tool.command}`], { encoding: 'utf8' });
  if (r.status === 0) return true;
  const message =
    `${tool.command} is not installed (Debian package ${tool.debianPackage}); ` +
    'install it with `node scripts/ensure-build.mjs --system` (as root) or `apt-get install ' + tool.debianPackage + '`';
  if (process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false') {
    throw new Error(message);
  }
  console.log(`# SKIP: ${message}`);
  t.skip(message);
  return false;
}

export interface BoundedRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  elapsedMs: number;
}

const MAX_CAPTURE = 1_000_000;

/** Runs a command with a hard kill timer (SIGKILL after `timeoutMs`); never rejects. */
export function runBounded(
  command: string,
  args: string[],
  opts: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<BoundedRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('latin1').on('data', (d: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += d;
    });
    child.stderr.setEncoding('latin1').on('data', (d: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    const onExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', onExit);
    child.once('error', (err) => {
      stderr += `\nspawn error: ${err.message}`;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', onExit);
      resolve({ code, signal, stdout, stderr, timedOut, elapsedMs: Date.now() - started });
    });
  });
}

/** A short description of a run for assertion messages. */
export function describeRun(name: string, r: BoundedRun, extra = ''): string {
  return [
    `${name}: exit ${r.code}, signal ${r.signal}${r.timedOut ? ' (killed by the hard timer)' : ''}, ${r.elapsedMs} ms`,
    `--- stdout (tail) ---`,
    r.stdout.slice(-3000),
    `--- stderr (tail) ---`,
    r.stderr.slice(-3000),
    extra,
  ].join('\n');
}
