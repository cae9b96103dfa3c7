/**
 * Security against the real attacker tools (Debian's sipvicious: svwar, svcrack, svmap) on
 * loopback: users 100..105 exist; the attacker is 127.0.0.1, checks come from 127.0.0.9.
 * sipvicious always sends User-Agent: friendly-scanner, which the default scanner list refuses
 * and bans at the first request; the enumeration and cracking tests therefore turn that list
 * off (`scanners.user_agents: []`) to show the other defences hold on their own.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { type PeerTool, describeRun, requirePeer, runBounded } from './peer-tools.js';
import { PROBE_HOST, SecurityDeployment, eventually, optionsFrom, securityConfig, securityEvents, stopServer } from '../support/security-deployment.js';
import { compareAnswers } from '../support/security-probe.js';

const SVWAR: PeerTool = { command: 'svwar', debianPackage: 'sipvicious' };
const USERS = [100, 101, 102, 103, 104, 105].map((n) => ({ name: String(n), password: `Pw-${n}-x7Q` }));
const NO_SCANNER_LIST = '  scanners:\n    user_agents: []\n';

async function deploy(t: TestContext, security?: string, extra?: string): Promise<SecurityDeployment> {
  const d = SecurityDeployment.create(t, securityConfig({ ...(security === undefined ? {} : { security }), ...(extra === undefined ? {} : { extra }) }));
  await d.importUsers(USERS);
  return d;
}

function sv(tool: 'svwar' | 'svcrack' | 'svmap', args: string[], timeoutMs = 60_000) {
  return runBounded(tool, args, { timeoutMs });
}

test('svwar (REGISTER and INVITE) enumerates no extension of 100..120 although 100..105 exist', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SVWAR)) return;
  const d = await deploy(t, NO_SCANNER_LIST);
  const server = await d.start();
  for (const method of ['REGISTER', 'INVITE']) {
    const r = await sv('svwar', ['-e100-120', '-m', method, '--force', '-p', String(server.ports.sip), '127.0.0.1']);
    const out = r.stdout + r.stderr;
    assert.equal(r.timedOut, false, describeRun(`svwar ${method}`, r));
    assert.doesNotMatch(out, /extension '\d+' (exists|probably exists)/, describeRun(`svwar ${method}`, r));
    assert.match(out, /found nothing/, describeRun(`svwar ${method}`, r));
  }
  // svwar stops at the first answer equal to its unknown-user baseline; compare every
  // extension's answers directly: known and unknown users get the same status and headers.
  const diffs = await compareAnswers(server.sip, { known: '103', unknown: '119' });
  assert.deepEqual(diffs, [], diffs.join('\n'));
  assert.equal(securityEvents(server).filter((e) => e.securityEvent === 'banned').length, 0, 'challenges are not failures');
});

test('with the default scanner list sipvicious is refused and banned at its first request; svmap sees only the configured name', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SVWAR)) return;
  const d = await deploy(t, undefined, 'sip:\n  user_agent: PBX\n');
  const server = await d.start();
  const war = await sv('svwar', ['-e100-120', '-m', 'REGISTER', '-p', String(server.ports.sip), '127.0.0.1'], 40_000);
  assert.doesNotMatch(war.stdout + war.stderr, /extension '\d+' (exists|probably exists)/, describeRun('svwar', war));
  const events = securityEvents(server);
  assert.deepEqual(events.slice(0, 2).map((e) => [e.securityEvent, e.source]), [['scanner-blocked', '127.0.0.1'], ['banned', '127.0.0.1']], server.outputTail());
  assert.equal(await optionsFrom(server.sip, '127.0.0.1', 1000), undefined, 'the banned scanner gets no answer at all');
  assert.equal(await optionsFrom(server.sip, PROBE_HOST, 2000), 200);

  // svmap from an address that is not banned, with the scanner list off: what it fingerprints
  // is exactly the configured product token, nothing more (no version).
  const d2 = await deploy(t, NO_SCANNER_LIST, 'sip:\n  user_agent: PBX\n');
  const s2 = await d2.start();
  const map = await sv('svmap', ['-p', String(s2.ports.sip), '127.0.0.1'], 40_000);
  assert.match(map.stdout + map.stderr, new RegExp(`127\\.0\\.0\\.1:${s2.ports.sip}\\s*\\|\\s*PBX\\s*\\|`), describeRun('svmap', map));
  assert.doesNotMatch(map.stdout + map.stderr, /Switchboard/i, describeRun('svmap', map));
});

test('svcrack against an existing user is banned within max_tries and never finds the password; the ban survives a restart and the CLI lifts it', { timeout: 180_000 }, async (t) => {
  if (!requirePeer(t, SVWAR)) return;
  const d = await deploy(t, NO_SCANNER_LIST + '  bans:\n    max_tries: 5\n');
  const server = await d.start();
  const words = join(d.root, 'words.txt');
  // The real password after position 5: reached only if the ban failed.
  writeFileSync(words, ['123456', 'password', '1234', 'letmein', '100', 'qwerty', 'admin', USERS[0]!.password, 'x'].join('\n') + '\n');
  const crack = await sv('svcrack', ['-u100', '-d', words, '-p', String(server.ports.sip), '127.0.0.1'], 60_000);
  const out = crack.stdout + crack.stderr;
  assert.doesNotMatch(out, new RegExp(USERS[0]!.password), describeRun('svcrack', crack));
  assert.match(out, /found nothing/, describeRun('svcrack', crack));
  const events = securityEvents(server);
  const failures = events.filter((e) => e.securityEvent === 'auth-failed');
  const ban = events.find((e) => e.securityEvent === 'banned');
  assert.equal(failures.length, 5, server.outputTail());
  assert.equal(ban?.source, '127.0.0.1');
  assert.equal(await optionsFrom(server.sip, '127.0.0.1', 1000), undefined);

  // Restart on the same data directory and port: the ban is loaded before the first packet.
  await stopServer(server);
  const again = await d.start({ port: server.ports.sip });
  assert.equal(await optionsFrom(again.sip, '127.0.0.1', 1000), undefined, 'still banned after the restart');
  const list = await d.cli(['ban', 'list', '--json']);
  assert.equal(list.code, 0, describeRun('ban list', list));
  assert.deepEqual((JSON.parse(list.stdout) as Array<{ address: string }>).map((b) => b.address), ['127.0.0.1']);

  const removed = await d.cli(['ban', 'remove', '127.0.0.1']);
  assert.equal(removed.code, 0, describeRun('ban remove', removed));
  assert.ok(await eventually(async () => (await optionsFrom(again.sip, '127.0.0.1', 300)) === 200, 5000), 'the running server follows the removal');
  const added = await d.cli(['ban', 'add', '127.0.0.1', '--for', '1h']);
  assert.equal(added.code, 0, describeRun('ban add', added));
  assert.ok(await eventually(async () => (await optionsFrom(again.sip, '127.0.0.1', 300)) === undefined, 5000), 'the running server follows the new ban');
});

test('an allow-listed source (--allow) is never banned, yet still has to authenticate', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SVWAR)) return;
  const d = await deploy(t, NO_SCANNER_LIST);
  const server = await d.start({ extraArgs: ['--allow', '127.0.0.1/32'] });
  const words = join(d.root, 'words.txt');
  writeFileSync(words, Array.from({ length: 12 }, (_, i) => `wrong-${i}`).join('\n') + '\n');
  const crack = await sv('svcrack', ['-u101', '-d', words, '-p', String(server.ports.sip), '127.0.0.1'], 60_000);
  assert.match(crack.stdout + crack.stderr, /found nothing/, describeRun('svcrack', crack));
  const events = securityEvents(server);
  assert.equal(events.filter((e) => e.securityEvent === 'auth-failed').length, 12, server.outputTail());
  assert.equal(events.filter((e) => e.securityEvent === 'banned').length, 0, server.outputTail());
  assert.equal(await optionsFrom(server.sip, '127.0.0.1', 2000), 200);
});
