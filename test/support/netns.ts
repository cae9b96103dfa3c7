/**
 * Network isolation for wire tests with hostile or corpus messages (DEVELOPERS rule): such
 * messages name foreign hosts in Via/Route/Contact, so the server under test must run in a
 * network namespace that has only loopback, where no packet can leave the machine.
 *
 * `runInIsolatedNetns` runs a compiled node script as
 *   unshare -n sh -c 'ip link set lo up && exec node SCRIPT ARGS'
 * The script starts the server and does all its sending inside the namespace, and prints its
 * result as JSON on the last line of stdout.
 */
import { spawn, spawnSync } from 'node:child_process';

let cachedReason: string | null | undefined;

/**
 * Why isolated namespaces cannot be used here, or undefined when they can. Checked once:
 * root, `unshare -n`, and that only loopback exists inside.
 */
export function isolatedNetnsUnavailable(): string | undefined {
  if (cachedReason !== undefined) return cachedReason ?? undefined;
  cachedReason = probe();
  return cachedReason ?? undefined;
}

function probe(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root: `unshare -n` needs root to create an isolated network namespace';
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip -o link show'], { encoding: 'utf8', timeout: 10000 });
  if (r.error !== undefined) return `cannot run unshare: ${r.error.message}`;
  if (r.status !== 0) return `\`unshare -n\` failed (exit ${r.status}): ${r.stderr.trim()}`;
  const links = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.split(':')[1]?.trim());
  if (links.length !== 1 || links[0] !== 'lo') return `the new namespace is not loopback-only: links ${JSON.stringify(links)}`;
  return null;
}

export interface NetnsRun {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/**
 * Runs `node scriptPath ...args` inside a fresh loopback-only network namespace and resolves
 * with its output. Bounded by `timeoutMs`: on expiry the whole process group (the script and
 * the server it started) is killed. Call `isolatedNetnsUnavailable()` first and skip if set.
 */
export function runInIsolatedNetns(scriptPath: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<NetnsRun> {
  const quoted = [process.execPath, scriptPath, ...args].map(shellQuote).join(' ');
  const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so a timeout can kill the script and its server together
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    if (stderr.length > 200000) stderr = stderr.slice(-100000);
  });
  return new Promise((resolve) => {
    let timedOut = false;
    const killGroup = (): void => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    const onExit = (): void => killGroup();
    process.once('exit', onExit);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', onExit);
      // Whatever the script left behind in its group (a server that outlived it) goes too.
      killGroup();
      resolve({ stdout, stderr, code, signal, timedOut });
    });
  });
}

/** The JSON value on the last non-empty stdout line of a netns run; throws with the output otherwise. */
export function lastJsonLine<T>(run: NetnsRun): T {
  const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1];
  if (run.timedOut || run.code !== 0 || last === undefined) {
    throw new Error(
      `netns script failed (exit ${run.code}, signal ${run.signal}${run.timedOut ? ', timed out' : ''})\n` +
        `--- stdout ---\n${run.stdout.slice(-4000)}\n--- stderr ---\n${run.stderr.slice(-4000)}`,
    );
  }
  return JSON.parse(last) as T;
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}
