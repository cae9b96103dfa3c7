/**
 * SIPp runs for the registrar: a REGISTER scenario, users from an injection file (-inf,
 * SEQUENTIAL, `user;password`), digest credentials per call (-au/-ap, expanded per call from
 * the injection fields) and -key values. Bounded by -m, -timeout and a hard kill timer, like
 * test/interop/sipp-runner.ts, whose statistics parsing it reuses.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRun, runBounded } from '../interop/peer-tools.js';
import { lastStatsRow, type SippRun } from '../interop/sipp-runner.js';
import type { UserSpec } from './registrar-server.js';
import type { Target } from './sip-client.js';

export interface SippRegisterOptions {
  scenario: string;
  target: Target;
  localPort: number;
  users: readonly UserSpec[];
  calls: number;
  /** calls per second */
  rate: number;
  /** SIPp's own -timeout, seconds; the hard timer adds 10 s. */
  timeoutS: number;
  /** -key NAME VALUE pairs (domain, contact_host, contact_port, expires …). */
  keys?: Record<string, string>;
  /** Digest credentials; default: the injection fields (-au '[field0]' -ap '[field1]'). */
  credentials?: { username: string; password: string };
}

export async function runSippRegister(o: SippRegisterOptions): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sipp-reg-'));
  try {
    const inf = join(dir, 'users.csv');
    writeFileSync(inf, ['SEQUENTIAL', ...o.users.map((u) => `${u.name};${u.password}`)].join('\n') + '\n');
    const keys = Object.entries(o.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]);
    const args = [
      `${o.target.host}:${o.target.port}`,
      '-sf', o.scenario,
      '-inf', inf,
      ...keys,
      // SIPp prepends "sip:" to -auth_uri: the digest uri is then the Request-URI sip:DOMAIN.
      '-au', o.credentials?.username ?? '[field0]',
      '-ap', o.credentials?.password ?? '[field1]',
      '-auth_uri', o.keys?.['domain'] ?? o.target.host,
      '-t', 'u1',
      '-i', '127.0.0.1',
      '-p', String(o.localPort),
      '-m', String(o.calls),
      '-r', String(o.rate),
      '-l', String(Math.max(1, Math.min(o.calls, 50))),
      '-timeout', `${o.timeoutS}s`,
      '-timeout_error',
      '-nostdin',
      '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1',
      '-trace_err', '-error_file', join(dir, 'errors.log'),
      '-trace_msg', '-message_file', join(dir, 'messages.log'),
    ];
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

/** A SIP message from SIPp's -trace_msg log: its start line and header names/values in order. */
export interface LoggedMessage {
  direction: 'sent' | 'received';
  startLine: string;
  headers: Array<[string, string]>;
  /** The text after the first blank line (SIPp ends each message with a blank line). */
  body: string;
}

/**
 * Splits SIPp's message log. Each entry starts with a dashed line and a date, then
 * "UDP message sent (N bytes):" or "UDP message received [N] bytes :", a blank line and the message.
 */
export function loggedMessages(log: string): LoggedMessage[] {
  const out: LoggedMessage[] = [];
  for (const entry of log.split(/^-{10,}.*$/m)) {
    const dir = /message (sent|received)/.exec(entry);
    if (dir === null) continue;
    const start = entry.search(/^(?:SIP\/2\.0 \d{3}|[A-Z]+ sip:)/m);
    if (start < 0) continue;
    const lines = entry.slice(start).split(/\r?\n/);
    const headers: Array<[string, string]> = [];
    let i = 1;
    for (; i < lines.length && lines[i].trim() !== ''; i++) {
      const colon = lines[i].indexOf(':');
      if (colon > 0) headers.push([lines[i].slice(0, colon).trim().toLowerCase(), lines[i].slice(colon + 1).trim()]);
    }
    const body = lines.slice(i + 1).join('\r\n').trim();
    out.push({ direction: dir[1] as 'sent' | 'received', startLine: lines[0].trim(), headers, body });
  }
  return out;
}

/** The responses SIPp received, optionally only those with `status`. */
export function receivedResponses(log: string, status?: number): LoggedMessage[] {
  return loggedMessages(log).filter(
    (m) => m.direction === 'received' && m.startLine.startsWith('SIP/2.0 ') && (status === undefined || m.startLine.startsWith(`SIP/2.0 ${status} `)),
  );
}

export function explainSipp(r: SippRun, extra = ''): string {
  return describeRun('sipp', r.run, `--- stats ---\n${JSON.stringify(r.stats)}\n--- error log (head) ---\n${r.errorLog.slice(0, 3000)}\n${extra}`);
}

/** `count` users named PREFIX + six digits from `first`, each with password "pw-" + name. */
export function numberedUsers(prefix: string, count: number, first = 0): UserSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `${prefix}${String(first + i).padStart(6, '0')}`;
    return { name, password: `pw-${name}` };
  });
}
