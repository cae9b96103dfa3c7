/**
 * Interop with sipsak (Debian sipsak): OPTIONS pings to the real server over UDP, TCP and TLS.
 * sipsak exits 0 when the reply is a 2xx ("sipsak --help", return codes) and -vv prints it.
 *
 * Two known sipsak 0.9.8.1 defects shape this test (they are the client's, not the server's):
 *  - It truncates a 5-digit port in the Request-URI ("sip:127.0.0.1:3506" for 35060), so
 *    the server here listens on 4-digit ports, where sipsak's Request-URI is correct.
 *  - Over TLS 1.3 it reports "nothing received, select returned error" even though the
 *    reply arrived (sipsak issue #96), so sipsak's GnuTLS is limited to TLS 1.2 through
 *    GNUTLS_SYSTEM_PRIORITY_FILE. The server's certificate is self-signed, so
 *    --tls-ignore-cert-failure skips verification.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { describeRun, requirePeer, runBounded, SIPSAK, type SkipContext } from './peer-tools.js';

/** 4-digit ports: see the Request-URI truncation above. */
const SIPSAK_PORT_RANGE: readonly [number, number] = [7000, 9899];

async function ping(server: ServerProcess, transport: 'udp' | 'tcp' | 'tls', env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const target = transport === 'tls' ? server.tls : server.sip;
  const args = ['-vv', '-s', `sip:${target.host}:${target.port}`];
  if (transport !== 'udp') args.push('-E', transport);
  if (transport === 'tls') args.push('--tls-ignore-cert-failure');
  const r = await runBounded('sipsak', args, { timeoutMs: 15_000, env });
  const explain = describeRun(`sipsak ${args.join(' ')}`, r, server.outputTail(20));
  console.log(`# sipsak ${transport}: exit ${r.code}, ${r.elapsedMs} ms, ${/SIP\/2\.0 \d{3}[^\r\n]*/.exec(r.stdout)?.[0] ?? 'no reply'}`);
  assert.equal(r.timedOut, false, explain);
  assert.equal(r.code, 0, explain);
  assert.match(r.stdout, /^SIP\/2\.0 200 /m, explain);
  assert.equal(server.alive, true, explain);
}

function tlsUnsupported(): string | undefined {
  const help = spawnSync('sipsak', ['--help'], { encoding: 'utf8' });
  const text = `${help.stdout}${help.stderr}`;
  return /tls-ignore-cert-failure/.test(text) ? undefined : 'this sipsak build has no TLS support (no --tls-ignore-cert-failure in --help)';
}

test('sipsak OPTIONS over UDP gets 200', { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, SIPSAK)) return;
  const server = await startServer(t, { portRange: SIPSAK_PORT_RANGE });
  await ping(server, 'udp');
});

test('sipsak OPTIONS over TCP gets 200', { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, SIPSAK)) return;
  const server = await startServer(t, { portRange: SIPSAK_PORT_RANGE });
  await ping(server, 'tcp');
});

test('sipsak OPTIONS over TLS gets 200', { timeout: 30_000 }, async (t) => {
  if (!requirePeer(t, SIPSAK)) return;
  const reason = tlsUnsupported();
  if (reason !== undefined) return skipWith(t, reason);
  const server = await startServer(t, { portRange: SIPSAK_PORT_RANGE });
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-gnutls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const priorities = join(dir, 'gnutls.config');
  writeFileSync(priorities, '[overrides]\ndisabled-version = tls1.3\n');
  await ping(server, 'tls', { ...process.env, GNUTLS_SYSTEM_PRIORITY_FILE: priorities });
});

function skipWith(t: SkipContext, reason: string): void {
  console.log(`# SKIP: ${reason}`);
  t.skip(reason);
}
