/**
 * The registrar (RFC 3261 §10.3) driven by SIPp (Debian sip-tester) over UDP on loopback:
 * digest-authenticated registrations of imported users at a modest rate, refused credentials,
 * 423 (Interval Too Brief), removal by Expires: 0 and by "Contact: *". Results are checked on
 * the wire (SIPp's statistics and message trace), through a REGISTER query (§10.2.3) and in
 * the SQLite location store.
 *
 * Every server here offers MD5 only (LEGACY_UA_AUTH): SIPp 3.6.1 reads only one
 * WWW-Authenticate and fails with "authentication must use MD5" when SHA-256 comes first.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { readLocation } from '../support/location-db.js';
import { RegisterUa } from '../support/register-client.js';
import { DOMAIN, LEGACY_UA_AUTH, RegistrarDeployment, type RegistrarProcess, type UserSpec } from '../support/registrar-server.js';
import { freePort, repoRoot } from '../support/server-process.js';
import { explainSipp, numberedUsers, receivedResponses, runSippRegister, type SippRegisterOptions } from '../support/sipp-register.js';
import { requirePeer, SIPP } from './peer-tools.js';
import { SIPP_EXIT, stat, type SippRun } from './sipp-runner.js';

const SCENARIOS = join(repoRoot(), 'test/interop/sipp');
/** The benchmark's scenario, when the shared checkout sits next to the repository. */
const BENCH_SCENARIO = join(repoRoot(), '../shared/bench/sip-load/scenarios/register.xml');

const LOAD_USERS = numberedUsers('u', 100);
const LOAD_REGISTRATIONS = 200;
const LOAD_RATE = 50;
const LOAD_EXPIRES = 3600;

async function setup(t: TestContext, users: readonly UserSpec[], config = ''): Promise<{ deployment: RegistrarDeployment; server: RegistrarProcess }> {
  const deployment = RegistrarDeployment.create(t, LEGACY_UA_AUTH + config);
  if (users.length > 0) await deployment.importUsers(users);
  const server = await deployment.start();
  return { deployment, server };
}

async function sipp(server: RegistrarProcess, o: Omit<SippRegisterOptions, 'target' | 'localPort' | 'timeoutS'>): Promise<SippRun> {
  const r = await runSippRegister({ ...o, target: server.sip, localPort: await freePort([server.port]), timeoutS: 30 });
  console.log(
    `# sipp ${o.scenario.split('/').pop()}: exit ${r.run.code}, ${r.stats['SuccessfulCall(C)']} ok, ${r.stats['FailedCall(C)']} failed, ` +
      `${r.stats['Retransmissions(C)']} retransmissions, ${r.run.elapsedMs} ms`,
  );
  return r;
}

/** SIPp finished every call successfully, without retransmitting. */
function assertAllSucceeded(r: SippRun, calls: number, server: RegistrarProcess): void {
  const why = explainSipp(r, server.outputTail(20));
  assert.equal(r.run.timedOut, false, why);
  assert.equal(r.run.code, SIPP_EXIT.allCallsSucceeded, why);
  assert.equal(stat(r, 'SuccessfulCall(C)'), calls, why);
  assert.equal(stat(r, 'FailedCall(C)'), 0, why);
  assert.equal(stat(r, 'Retransmissions(C)'), 0, why);
  assert.equal(server.alive, true, server.outputTail());
}

const aor = (name: string): string => `${name}@${DOMAIN}`;

test(`SIPp: ${LOAD_REGISTRATIONS} registrations of ${LOAD_USERS.length} imported users at ${LOAD_RATE}/s all succeed and are stored`, { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const { deployment, server } = await setup(t, LOAD_USERS);
  const contactPort = await freePort([server.port]);
  const r = await sipp(server, {
    scenario: join(SCENARIOS, 'register-digest.xml'),
    users: LOAD_USERS,
    calls: LOAD_REGISTRATIONS,
    rate: LOAD_RATE,
    keys: { domain: DOMAIN, contact_host: '127.0.0.1', contact_port: String(contactPort), expires: String(LOAD_EXPIRES) },
  });
  assertAllSucceeded(r, LOAD_REGISTRATIONS, server);

  // Each user registered twice with the same Contact and a new Call-ID: one binding per AOR
  // (§10.3 step 7: the second REGISTER updates the binding it matches by URI).
  const now = Date.now();
  const location = readLocation(deployment.dataDir, now);
  assert.deepEqual([...location.keys()].sort(), LOAD_USERS.map((u) => aor(u.name)).sort());
  for (const u of LOAD_USERS) {
    const bindings = location.get(aor(u.name))!;
    assert.equal(bindings.length, 1, `${u.name}: ${JSON.stringify(bindings)}`);
    assert.equal(bindings[0].contact.toLowerCase(), `sip:${u.name}@127.0.0.1:${contactPort};transport=udp`);
    const left = (bindings[0].expiresAt - now) / 1000;
    assert.ok(left > LOAD_EXPIRES - 120 && left <= LOAD_EXPIRES, `${u.name} expires in ${left} s`);
    assert.equal(bindings[0].source.host, '127.0.0.1');
  }

  // The same through the registrar itself: a REGISTER without Contact lists the bindings.
  for (const u of [LOAD_USERS[0], LOAD_USERS[LOAD_USERS.length - 1]]) {
    const ua = await RegisterUa.open({ target: server.sip, user: u.name, password: u.password });
    try {
      const listed = await ua.query();
      assert.equal(listed.length, 1, JSON.stringify(listed));
      assert.equal(listed[0].uri.toLowerCase(), `sip:${u.name}@127.0.0.1:${contactPort};transport=udp`);
      assert.ok(listed[0].expires !== undefined && listed[0].expires > LOAD_EXPIRES - 120 && listed[0].expires <= LOAD_EXPIRES, JSON.stringify(listed));
    } finally {
      await ua.close();
    }
  }
});

test('SIPp: the benchmark scenario (bench/sip-load register.xml) registers against the server', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  if (!existsSync(BENCH_SCENARIO)) {
    const reason = `the benchmark scenario ${BENCH_SCENARIO} is not checked out next to the repository`;
    console.log(`# SKIP: ${reason}`);
    t.skip(reason);
    return;
  }
  const users = numberedUsers('b', 10);
  const { deployment, server } = await setup(t, users);
  const r = await sipp(server, {
    scenario: BENCH_SCENARIO,
    users,
    calls: users.length,
    rate: 20,
    keys: { domain: DOMAIN, contact_host: '127.0.0.1', contact_port: '5999', expires: '600' },
  });
  assertAllSucceeded(r, users.length, server);
  assert.equal(readLocation(deployment.dataDir).size, users.length);
});

/** Header names of a logged message, in order, with the values left out. */
function headerNames(m: { headers: Array<[string, string]> }): string[] {
  return m.headers.map(([n]) => n);
}

/** Parameter names of each WWW-Authenticate value (nonce values differ, names must not). */
function challengeShape(m: { headers: Array<[string, string]> }): string[] {
  return m.headers.filter(([n]) => n === 'www-authenticate').map(([, v]) => [...v.matchAll(/([a-z-]+)\s*=/gi)].map((x) => x[1].toLowerCase()).join(','));
}

test('SIPp: a wrong password and an unknown user are both challenged again, indistinguishably, never 200', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const known = numberedUsers('w', 3);
  const unknown = numberedUsers('nobody', 3);
  const { deployment, server } = await setup(t, known);
  const common = { scenario: join(SCENARIOS, 'register-rejected.xml'), calls: 3, rate: 10, keys: { domain: DOMAIN, expires: '600' } };

  const wrong = await sipp(server, { ...common, users: known, credentials: { username: '[field0]', password: 'not-the-password' } });
  assertAllSucceeded(wrong, 3, server);
  const stranger = await sipp(server, { ...common, users: unknown });
  assertAllSucceeded(stranger, 3, server);

  // RFC 3261 §22.4 / security: the answer to credentials of an unknown user must look like
  // the answer to a wrong password, so that user names cannot be probed.
  const wrong401 = receivedResponses(wrong.messageLog, 401).filter((m) => m.headers.some(([n, v]) => n === 'cseq' && v.startsWith('2 ')));
  const stranger401 = receivedResponses(stranger.messageLog, 401).filter((m) => m.headers.some(([n, v]) => n === 'cseq' && v.startsWith('2 ')));
  assert.equal(wrong401.length, 3, wrong.messageLog.slice(0, 4000));
  assert.equal(stranger401.length, 3, stranger.messageLog.slice(0, 4000));
  for (let i = 0; i < 3; i++) {
    assert.equal(stranger401[i].startLine, wrong401[i].startLine);
    assert.deepEqual(headerNames(stranger401[i]), headerNames(wrong401[i]));
    assert.deepEqual(challengeShape(stranger401[i]), challengeShape(wrong401[i]));
  }
  assert.equal(receivedResponses(wrong.messageLog, 200).length + receivedResponses(stranger.messageLog, 200).length, 0);
  assert.equal(readLocation(deployment.dataDir).size, 0, 'no binding may be created by refused credentials');
});

test('SIPp: an expiry below registrar.min_expires gets 423 with Min-Expires, and the retry with it succeeds', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const MIN = 120;
  const users = numberedUsers('m', 3);
  const { deployment, server } = await setup(t, users, `registrar:\n  min_expires: ${MIN}\n`);
  const r = await sipp(server, { scenario: join(SCENARIOS, 'register-min-expires.xml'), users, calls: 3, rate: 10, keys: { domain: DOMAIN, expires: '30' } });
  assertAllSucceeded(r, 3, server);
  const tooBrief = receivedResponses(r.messageLog, 423);
  assert.equal(tooBrief.length, 3, r.messageLog.slice(0, 4000));
  for (const m of tooBrief) {
    // RFC 3261 §10.3 / §20.23: the 423 carries Min-Expires with the registrar's minimum.
    assert.deepEqual(m.headers.filter(([n]) => n === 'min-expires').map(([, v]) => v), [String(MIN)]);
  }
  const now = Date.now();
  const location = readLocation(deployment.dataDir, now);
  for (const u of users) {
    const b = location.get(aor(u.name));
    assert.equal(b?.length, 1, `${u.name}: ${JSON.stringify(b)}`);
    const left = (b![0].expiresAt - now) / 1000;
    assert.ok(left > MIN - 30 && left <= MIN, `${u.name} expires in ${left} s`);
  }
});

test('SIPp: Expires: 0 removes exactly the binding named', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const users = numberedUsers('x', 3);
  const { deployment, server } = await setup(t, users);
  const r = await sipp(server, { scenario: join(SCENARIOS, 'register-remove.xml'), users, calls: 3, rate: 10, keys: { domain: DOMAIN, expires: '600' } });
  assertAllSucceeded(r, 3, server);
  const location = readLocation(deployment.dataDir);
  for (const u of users) {
    const contacts = (location.get(aor(u.name)) ?? []).map((b) => b.contact);
    assert.equal(contacts.length, 1, `${u.name}: ${JSON.stringify(contacts)}`);
    assert.match(contacts[0], new RegExp(`^sip:${u.name}-two@127\\.0\\.0\\.1:\\d+$`));
  }
});

test('SIPp: "Contact: *" with Expires: 0 removes every binding of the AOR', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const users = numberedUsers('y', 3);
  const { deployment, server } = await setup(t, users);
  // A binding from another Call-ID (another UA of the same user) goes as well (§10.3 step 6).
  const other = await RegisterUa.open({ target: server.sip, user: users[0].name, password: users[0].password });
  try {
    const pre = await other.register({ contacts: [`<sip:${users[0].name}-other@127.0.0.1:5999>`], expires: 600 });
    assert.equal(pre.final.status, 200, `${pre.final.status} ${pre.final.reason}`);
  } finally {
    await other.close();
  }
  const r = await sipp(server, { scenario: join(SCENARIOS, 'register-wildcard.xml'), users, calls: 3, rate: 10, keys: { domain: DOMAIN, expires: '600' } });
  assertAllSucceeded(r, 3, server);
  assert.deepEqual([...readLocation(deployment.dataDir).keys()], []);
  const ua = await RegisterUa.open({ target: server.sip, user: users[0].name, password: users[0].password });
  try {
    assert.deepEqual(await ua.query(), []);
  } finally {
    await ua.close();
  }
});
