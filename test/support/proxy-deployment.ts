/**
 * The deployment the proxy's call tests run against: a registrar/proxy server on a fresh data
 * directory with imported users and a config built from the knobs these tests turn (trusted
 * networks, Record-Route, T1), plus the checks every SIPp run of them shares.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { SIPP_EXIT, stat, type SippRun } from '../interop/sipp-runner.js';
import { LEGACY_UA_AUTH, RegistrarDeployment, type RegistrarProcess, type UserSpec } from './registrar-server.js';
import { repoRoot } from './server-process.js';
import { explainSipp } from './sipp-register.js';
import { SippProcess } from './sipp-call.js';

export const SCENARIOS = join(repoRoot(), 'test/interop/sipp');
export const scenario = (name: string): string => join(SCENARIOS, name);

export interface ProxyConfig {
  /**
   * `proxy.trusted`: networks whose requests need no proxy authentication. SIPp's call
   * scenarios send From sip:caller@127.0.0.1 (a served domain) without credentials, so the
   * tests that are not about authentication trust loopback (127.0.0.0/8).
   */
  trusted?: readonly string[];
  /** `proxy.record_route` (default true). */
  recordRoute?: boolean;
  /** `sip.timers.t1`, ms: Timer B = 64*T1 (RFC 3261 §17.1.1.2). */
  t1?: number;
  /** Further top-level YAML sections (e.g. `media:`), appended as they are. */
  extraYaml?: string;
}

/**
 * The YAML config: MD5-only digest (LEGACY_UA_AUTH: SIPp 3.6.1 and baresip 1.0 read only one
 * challenge), then the proxy and timer knobs.
 */
export function proxyConfigYaml(c: ProxyConfig): string {
  const proxy: string[] = [];
  if (c.trusted !== undefined) proxy.push(`  trusted: [${c.trusted.join(', ')}]`);
  if (c.recordRoute !== undefined) proxy.push(`  record_route: ${c.recordRoute}`);
  return [
    LEGACY_UA_AUTH.trimEnd(),
    ...(proxy.length > 0 ? ['proxy:', ...proxy] : []),
    ...(c.t1 !== undefined ? ['sip:', '  timers:', `    t1: ${c.t1}`] : []),
    ...(c.extraYaml !== undefined ? [c.extraYaml.trimEnd()] : []),
    '',
  ].join('\n');
}

/** A started server with `users` imported; ended (SIGTERM, then SIGKILL) after the test. */
export async function startProxy(
  t: TestContext,
  users: readonly UserSpec[],
  config: ProxyConfig,
  start: Parameters<RegistrarDeployment['start']>[0] = {},
): Promise<{ deployment: RegistrarDeployment; server: RegistrarProcess }> {
  const deployment = RegistrarDeployment.create(t, proxyConfigYaml(config));
  if (users.length > 0) await deployment.importUsers(users);
  const server = await deployment.start(start);
  return { deployment, server };
}

/** Starts a SIPp and makes sure it is ended after the test, whatever happens. */
export function sipp(t: TestContext, o: Parameters<typeof SippProcess.start>[0]): SippProcess {
  const p = SippProcess.start(o);
  t.after(() => p.stop());
  return p;
}

/** Waits for a SIPp that should end by itself (-m reached); stops it after `graceMs`. */
export async function finish(p: SippProcess, graceMs: number): Promise<SippRun> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.finished, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
  return p.stop();
}

/** SIPp ended on its own with exit code 0 and `calls` successful calls, none failed. */
export function assertCallsSucceeded(r: SippRun, calls: number, context: string): void {
  const why = explainSipp(r, context);
  assert.equal(r.run.timedOut, false, why);
  assert.equal(r.run.code, SIPP_EXIT.allCallsSucceeded, why);
  assert.equal(stat(r, 'SuccessfulCall(C)'), calls, why);
  assert.equal(stat(r, 'FailedCall(C)'), 0, why);
}

/** The registration of callees by SIPp succeeded for every user. */
export function assertRegistered(r: SippRun, users: number, server: RegistrarProcess): void {
  assertCallsSucceeded(r, users, server.outputTail(20));
}

/** Context for assertion messages: both SIPp traces (heads) and the server's last lines. */
export function traces(server: RegistrarProcess, runs: Record<string, SippRun>): string {
  const parts = Object.entries(runs).map(([name, r]) => `--- ${name} messages (head) ---\n${r.messageLog.slice(0, 5000)}\n--- ${name} errors ---\n${r.errorLog.slice(0, 2000)}`);
  return [...parts, server.outputTail(30)].join('\n');
}
