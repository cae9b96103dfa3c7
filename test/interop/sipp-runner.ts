/**
 * Drives SIPp (Debian sip-tester) against the server and reads back what it saw: exit code,
 * the final row of its statistics file (-trace_stat), its unexpected-message log (-trace_err)
 * and its message trace (-trace_msg). Every run is bounded by -m, -timeout and a hard kill timer.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Target } from '../support/sip-client.js';
import { runBounded, type BoundedRun } from './peer-tools.js';

export interface SippRun {
  run: BoundedRun;
  /** The last statistics row, by column name (e.g. "SuccessfulCall(C)"). */
  stats: Record<string, string>;
  errorLog: string;
  messageLog: string;
}

export interface SippOptions {
  /** A scenario file (-sf) or a built-in scenario name (-sn). */
  scenario: { file: string } | { builtin: string };
  transport: 'u1' | 't1';
  target: Target;
  localPort: number;
  calls: number;
  /** calls per second */
  rate: number;
  /** SIPp's own global timeout (-timeout), seconds. */
  timeoutS: number;
}

/** SIPp's documented exit codes (sipp -h, "Exit codes"). */
export const SIPP_EXIT = { allCallsSucceeded: 0, someCallFailed: 1 } as const;

export async function runSipp(o: SippOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sipp-'));
  try {
    const args = [
      ...('file' in o.scenario ? ['-sf', o.scenario.file] : ['-sn', o.scenario.builtin]),
      '-t', o.transport,
      '-i', '127.0.0.1',
      '-p', String(o.localPort),
      '-m', String(o.calls),
      '-r', String(o.rate),
      '-l', String(Math.max(1, Math.min(o.calls, 20))),
      '-timeout', `${o.timeoutS}s`,
      '-timeout_error',
      '-recv_timeout', '5000',
      '-nostdin',
      '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1',
      '-trace_err', '-error_file', join(dir, 'errors.log'),
      '-trace_msg', '-message_file', join(dir, 'messages.log'),
      `${o.target.host}:${o.target.port}`,
    ];
    // Hard timer: SIPp's own -timeout plus a margin; the child is SIGKILLed after it.
    const run = await runBounded('sipp', args, { cwd: dir, timeoutMs: (o.timeoutS + 10) * 1000 });
    return {
      run,
      stats: lastStatsRow(readIfExists(join(dir, 'stat.csv'))),
      errorLog: readIfExists(join(dir, 'errors.log')),
      messageLog: readIfExists(join(dir, 'messages.log')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

/** Parses SIPp's ';'-separated statistics file: the header row names the columns. */
export function lastStatsRow(csv: string): Record<string, string> {
  const rows = csv.split('\n').filter((l) => l.trim() !== '');
  if (rows.length < 2) return {};
  const names = rows[0].split(';');
  const values = rows[rows.length - 1].split(';');
  const out: Record<string, string> = {};
  names.forEach((n, i) => {
    if (n !== '') out[n] = values[i] ?? '';
  });
  return out;
}

/** A numeric statistics counter; NaN when absent. */
export function stat(r: SippRun, name: string): number {
  return Number(r.stats[name] ?? NaN);
}

/**
 * The final responses SIPp logged as unexpected ("Aborting call on unexpected message ...
 * received 'SIP/2.0 405 ..."), as status codes in log order.
 */
export function unexpectedStatuses(errorLog: string): number[] {
  return [...errorLog.matchAll(/received 'SIP\/2\.0 (\d{3})/g)].map((m) => Number(m[1]));
}
