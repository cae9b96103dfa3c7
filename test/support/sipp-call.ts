/**
 * SIPp (Debian sip-tester) as caller and callee of calls through the proxy: a SIPp process
 * started in the background (a UAS waiting for INVITEs, or a UAC placing them), each bounded
 * by -m, -timeout and a hard kill timer, with its statistics, error log and message trace read
 * back when it ends; and the registration of a callee's contact FROM the callee's own port,
 * since the proxy sends an INVITE to the address the REGISTER came from (RFC 3261 §10.3 /
 * RFC 5626 flow), not to the host:port written in the Contact.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoundedRun } from '../interop/peer-tools.js';
import { lastStatsRow, type SippRun } from '../interop/sipp-runner.js';
import { type UserSpec } from './registrar-server.js';
import { freePort } from './server-process.js';
import type { Target } from './sip-client.js';
import { type LoggedMessage, loggedMessages, runSippRegister } from './sipp-register.js';

export interface SippCallOptions {
  scenario: string;
  /** The server a UAC sends to; a UAS (no target) only answers. */
  target?: Target;
  localPort: number;
  /** -mp: the RTP port SIPp binds (it also takes the next three). */
  mediaPort: number;
  /** -m: SIPp ends after this many calls (a UAS: after this many calls handled). */
  calls: number;
  /** -r, calls per second (UAC only; default 10). */
  rate?: number;
  /** SIPp's own -timeout, seconds; the hard timer adds 10 s. */
  timeoutS: number;
  /** -key NAME VALUE pairs. */
  keys?: Record<string, string>;
  /** -inf lines (SEQUENTIAL), fields separated by ';'. */
  injection?: readonly string[];
  /** -d: the duration of <pause/> without milliseconds (call hold, answer delay). */
  pauseMs?: number;
  extraArgs?: readonly string[];
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

const MAX_CAPTURE = 1_000_000;

/** A SIPp process; `finished` resolves once it has exited and its files are read. */
export class SippProcess {
  readonly finished: Promise<SippRun>;
  private readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(readonly options: SippCallOptions, readonly dir: string, args: string[]) {
    const started = Date.now();
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('latin1').on('data', (d: string) => {
      if (stdout.length < MAX_CAPTURE) stdout += d;
    });
    child.stderr?.setEncoding('latin1').on('data', (d: string) => {
      if (stderr.length < MAX_CAPTURE) stderr += d;
    });
    child.once('error', (err) => {
      stderr += `\nspawn error: ${err.message}`;
    });
    // Hard timer: SIPp's own -timeout plus a margin.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, (options.timeoutS + 10) * 1000);
    this.finished = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        live.delete(child);
        this.exitInfo = { code, signal };
        const run: BoundedRun = { code, signal, stdout, stderr, timedOut, elapsedMs: Date.now() - started };
        const result: SippRun = {
          run,
          stats: lastStatsRow(readIfExists(join(dir, 'stat.csv'))),
          errorLog: readIfExists(join(dir, 'errors.log')),
          messageLog: readIfExists(join(dir, 'messages.log')),
        };
        rmSync(dir, { recursive: true, force: true });
        resolve(result);
      });
    });
  }

  static start(o: SippCallOptions): SippProcess {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-sipp-call-'));
    const args = [
      ...(o.target === undefined ? [] : [`${o.target.host}:${o.target.port}`]),
      '-sf', o.scenario,
      ...Object.entries(o.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
      '-t', 'u1',
      '-i', '127.0.0.1',
      '-p', String(o.localPort),
      '-mi', '127.0.0.1',
      '-mp', String(o.mediaPort),
      '-m', String(o.calls),
      '-l', String(Math.max(1, Math.min(o.calls, 50))),
      '-timeout', `${o.timeoutS}s`,
      '-timeout_error',
      '-nostdin',
      '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1',
      '-trace_err', '-error_file', join(dir, 'errors.log'),
      '-trace_msg', '-message_file', join(dir, 'messages.log'),
      ...(o.target === undefined ? [] : ['-r', String(o.rate ?? 10)]),
      ...(o.pauseMs === undefined ? [] : ['-d', String(o.pauseMs)]),
      ...(o.extraArgs ?? []),
    ];
    if (o.injection !== undefined) {
      const inf = join(dir, 'injection.csv');
      writeFileSync(inf, ['SEQUENTIAL', ...o.injection].join('\n') + '\n');
      args.push('-inf', inf);
    }
    return new SippProcess(o, dir, args);
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /**
   * The message trace written so far (SIPp flushes -trace_msg as it goes): lets a test act on
   * what a running SIPp has received. Empty once the process has ended (read `finished`).
   */
  messageLogSoFar(): string {
    return this.alive ? readIfExists(join(this.dir, 'messages.log')) : '';
  }

  /** Resolves when SIPp has bound its SIP port (read from /proc/net/udp, never by binding). */
  async waitListening(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.alive) {
      if (udpPortBound(this.options.localPort)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.alive && udpPortBound(this.options.localPort);
  }

  /** SIGTERM (SIPp writes its files and exits), SIGKILL after 5 s; returns what it saw. */
  async stop(): Promise<SippRun> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.finished;
      clearTimeout(timer);
    }
    return this.finished;
  }
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

/** Whether a UDP socket is bound to `port` on 127.0.0.1 or 0.0.0.0 (Linux /proc/net/udp). */
export function udpPortBound(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  try {
    const table = readFileSync('/proc/net/udp', 'latin1');
    return table.split('\n').some((l) => new RegExp(`^\\s*\\d+: (?:0100007F|00000000):${hex} `).test(l));
  } catch {
    return false;
  }
}

/** A SIP port and an RTP base port (four ports from it) for one SIPp, free right now. */
export async function sippPorts(avoid: number[]): Promise<{ sip: number; media: number }> {
  const sip = await freePort(avoid);
  for (let attempt = 0; attempt < 50; attempt++) {
    const media = await freePort([...avoid, sip]);
    const block = [media, media + 1, media + 2, media + 3];
    if (block.every((p) => p !== sip && !avoid.includes(p) && !udpPortBound(p))) return { sip, media };
  }
  throw new Error('no free RTP port block found in 50 attempts');
}

/**
 * Registers `users` with Contact sip:USER@127.0.0.1:PORT, sent by SIPp FROM that same port (the
 * shared register-digest scenario), so that INVITEs for them reach the SIPp bound there later.
 * `fromPort` sends the REGISTERs from another port instead (a third-party registration, as the
 * benchmark's run.sh does it).
 */
export async function registerContacts(o: { scenario: string; registrar: Target; port: number; fromPort?: number; users: readonly UserSpec[]; expires?: number }): Promise<SippRun> {
  return runSippRegister({
    scenario: o.scenario,
    target: o.registrar,
    localPort: o.fromPort ?? o.port,
    users: o.users,
    calls: o.users.length,
    rate: 20,
    timeoutS: 20,
    keys: { domain: o.registrar.host, contact_host: '127.0.0.1', contact_port: String(o.port), expires: String(o.expires ?? 600) },
  });
}

/** Requests of `method` in a SIPp message trace, in order, with the direction given. */
export function requests(log: string, method: string, direction: 'sent' | 'received'): LoggedMessage[] {
  return loggedMessages(log).filter((m) => m.direction === direction && m.startLine.startsWith(`${method} `));
}

/** Responses in a SIPp message trace (received or sent) to `method`, optionally of one status. */
export function responses(log: string, method: string, direction: 'sent' | 'received', status?: number): LoggedMessage[] {
  return loggedMessages(log).filter(
    (m) =>
      m.direction === direction &&
      m.startLine.startsWith('SIP/2.0 ') &&
      (status === undefined || m.startLine.startsWith(`SIP/2.0 ${status} `)) &&
      new RegExp(`^\\d+ ${method}$`).test(headerValues(m, 'cseq')[0] ?? ''),
  );
}

/** Every value of a header, comma-separated lists split (outside <...>), in order. */
export function headerValues(m: LoggedMessage, name: string): string[] {
  const out: string[] = [];
  for (const [n, v] of m.headers) {
    if (n !== name) continue;
    let depth = 0;
    let cur = '';
    for (const ch of v) {
      if (ch === '<') depth++;
      if (ch === '>') depth--;
      if (ch === ',' && depth === 0) {
        out.push(cur.trim());
        cur = '';
      } else cur += ch;
    }
    if (cur.trim() !== '') out.push(cur.trim());
  }
  return out;
}

/** The sent-by (host:port) of each Via value of a message, topmost first. */
export function viaSentBys(m: LoggedMessage): string[] {
  return headerValues(m, 'via').map((v) => /^SIP\/2\.0\/\w+\s+([^;\s]+)/i.exec(v)?.[1] ?? v);
}

/** The Call-ID of a logged message. */
export function callIdOf(m: LoggedMessage): string {
  return headerValues(m, 'call-id')[0] ?? '';
}

/** One-line summary of a SIPp run for the test log. */
export function summary(name: string, r: SippRun): string {
  return (
    `# sipp ${name}: exit ${r.run.code}${r.run.timedOut ? ' (hard timer)' : ''}, ${r.stats['SuccessfulCall(C)'] ?? '?'} ok, ` +
    `${r.stats['FailedCall(C)'] ?? '?'} failed, ${r.stats['Retransmissions(C)'] ?? '?'} retransmissions, ${r.run.elapsedMs} ms`
  );
}
