/**
 * SIPp runs for the flood test, from a chosen loopback address: the registration of a callee's
 * contacts (digest), and an INVITE flood scenario written to a temporary file (each call: one
 * INVITE, no retransmission, no wait — the flood does not care about answers).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBounded } from '../interop/peer-tools.js';
import type { SippRun } from '../interop/sipp-runner.js';
import { lastStatsRow } from '../interop/sipp-runner.js';
import type { Target } from './sip-client.js';

const FLOOD_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="INVITE flood">
  <send>
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:flood@[remote_ip]>;tag=[pid]F[call_number]
      To: <sip:[service]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:flood@[local_ip]:[local_port]>
      Max-Forwards: 70
      User-Agent: load-test
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;

/** Sends `calls` INVITEs at `rate` per second from `fromHost` to `target`; resolves when done. */
export async function inviteFlood(o: { target: Target; fromHost: string; localPort: number; callee: string; rate: number; calls: number; timeoutS: number }): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-flood-'));
  try {
    const sf = join(dir, 'flood.xml');
    writeFileSync(sf, FLOOD_XML);
    const args = [
      `${o.target.host}:${o.target.port}`,
      '-sf', sf,
      '-s', o.callee,
      '-t', 'u1',
      '-i', o.fromHost,
      '-p', String(o.localPort),
      '-m', String(o.calls),
      '-r', String(o.rate),
      '-l', String(o.calls),
      '-nr',
      '-timeout', `${o.timeoutS}s`,
      '-nostdin',
      '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1',
    ];
    const run = await runBounded('sipp', args, { cwd: dir, timeoutMs: (o.timeoutS + 10) * 1000 });
    return { run, stats: lastStatsRow(readText(join(dir, 'stat.csv'))), errorLog: '', messageLog: '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Registers `users` with Contact sip:USER@HOST:PORT, sent from that host and port (digest). */
export async function registerFrom(o: { scenario: string; registrar: Target; host: string; port: number; users: ReadonlyArray<{ name: string; password: string }> }): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-sipp-reg-'));
  try {
    const inf = join(dir, 'users.csv');
    writeFileSync(inf, ['SEQUENTIAL', ...o.users.map((u) => `${u.name};${u.password}`)].join('\n') + '\n');
    const args = [
      `${o.registrar.host}:${o.registrar.port}`,
      '-sf', o.scenario,
      '-inf', inf,
      '-key', 'domain', o.registrar.host,
      '-key', 'contact_host', o.host,
      '-key', 'contact_port', String(o.port),
      '-key', 'expires', '600',
      '-au', '[field0]', '-ap', '[field1]', '-auth_uri', o.registrar.host,
      '-t', 'u1',
      '-i', o.host,
      '-p', String(o.port),
      '-m', String(o.users.length),
      '-r', '20',
      '-timeout', '20s',
      '-timeout_error',
      '-nostdin',
      '-trace_stat', '-stf', join(dir, 'stat.csv'), '-fd', '1',
    ];
    const run = await runBounded('sipp', args, { cwd: dir, timeoutMs: 30_000 });
    return { run, stats: lastStatsRow(readText(join(dir, 'stat.csv'))), errorLog: '', messageLog: '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}
