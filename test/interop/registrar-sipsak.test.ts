/**
 * The registrar driven by sipsak 0.9.8.1 (Debian sipsak) in usrloc mode over UDP:
 * `sipsak -U -C CONTACT -s sip:USER@HOST:PORT -a PASSWORD -u USER -x EXPIRES` sends the
 * REGISTER, answers the 401 and exits 0 on a 200 ("All usrloc tests completed successful").
 *
 * Shaped by sipsak's limits (the client's, not the server's):
 *  - It reads a single WWW-Authenticate and fails with "unsupported authentication algorithm"
 *    when SHA-256 comes first, so the server offers MD5 only (LEGACY_UA_AUTH).
 *  - It truncates a 5-digit port in the Request-URI, so the server listens on a 4-digit port.
 *  - Its default Expires is 15 s, below the registrar's default min_expires (60 s): without
 *    -x it gets 423, which one test checks on purpose.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { readLocation } from '../support/location-db.js';
import { RegisterUa } from '../support/register-client.js';
import { DOMAIN, LEGACY_UA_AUTH, RegistrarDeployment, type RegistrarProcess } from '../support/registrar-server.js';
import { describeRun, requirePeer, runBounded, SIPSAK, type BoundedRun } from './peer-tools.js';

const SIPSAK_PORT_RANGE: readonly [number, number] = [7000, 9899];
const CONTACT = 'sip:alice@127.0.0.1:5999';
const ALICE = { name: 'alice', password: 'alice-secret' };
const BOB = { name: 'bob', password: 'bob-secret' };

async function setup(t: TestContext): Promise<{ deployment: RegistrarDeployment; server: RegistrarProcess }> {
  const deployment = RegistrarDeployment.create(t, LEGACY_UA_AUTH);
  await deployment.importUsers([ALICE, BOB]);
  return { deployment, server: await deployment.start({ portRange: SIPSAK_PORT_RANGE }) };
}

/** With -vvv sipsak prints what it sent and received; replies go to stdout or stderr: both are read. */
async function sipsakRegister(server: RegistrarProcess, user: string, password: string, contact: string, expires?: number): Promise<{ run: BoundedRun; output: string; explain: string }> {
  const args = ['-vvv', '-U', '-C', contact, '-s', `sip:${user}@${DOMAIN}:${server.port}`, '-a', password, '-u', user];
  if (expires !== undefined) args.push('-x', String(expires));
  const run = await runBounded('sipsak', args, { timeoutMs: 20_000 });
  console.log(`# sipsak ${args.join(' ')}: exit ${run.code}, ${run.elapsedMs} ms`);
  return { run, output: `${run.stdout}\n${run.stderr}`, explain: describeRun(`sipsak ${args.join(' ')}`, run, server.outputTail(20)) };
}

test('sipsak registers (exit 0), the binding is stored and listed, and -x 0 removes it', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPSAK)) return;
  const { deployment, server } = await setup(t);

  const reg = await sipsakRegister(server, ALICE.name, ALICE.password, CONTACT, 120);
  assert.equal(reg.run.timedOut, false, reg.explain);
  assert.equal(reg.run.code, 0, reg.explain);
  assert.match(reg.output, /^SIP\/2\.0 200 /m, reg.explain);
  // §10.3 step 8: the 200 lists the binding with the expiry granted.
  assert.match(reg.output, /^Contact: <sip:alice@127\.0\.0\.1:5999>;expires=(1[01]\d|120)\r?$/m, reg.explain);

  const stored = readLocation(deployment.dataDir).get(`alice@${DOMAIN}`) ?? [];
  assert.deepEqual(stored.map((b) => b.contact), [CONTACT]);
  assert.equal(stored[0].userAgent, 'sipsak 0.9.8.1');
  const ua = await RegisterUa.open({ target: server.sip, user: ALICE.name, password: ALICE.password });
  try {
    assert.deepEqual((await ua.query()).map((b) => b.uri), [CONTACT]);
  } finally {
    await ua.close();
  }

  // §10.2.2: Expires: 0 removes the binding.
  const unreg = await sipsakRegister(server, ALICE.name, ALICE.password, CONTACT, 0);
  assert.equal(unreg.run.code, 0, unreg.explain);
  assert.match(unreg.output, /^SIP\/2\.0 200 /m, unreg.explain);
  assert.equal(readLocation(deployment.dataDir).has(`alice@${DOMAIN}`), false, unreg.explain);
  assert.equal(server.alive, true, server.outputTail());
});

test('sipsak with a wrong password fails: the credentials are challenged again and nothing is bound', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPSAK)) return;
  const { deployment, server } = await setup(t);
  const r = await sipsakRegister(server, BOB.name, 'not-the-password', 'sip:bob@127.0.0.1:5999', 120);
  assert.equal(r.run.timedOut, false, r.explain);
  assert.notEqual(r.run.code, 0, r.explain);
  // sipsak: "request already contains (Proxy-) Authorization, but received 40[1|7]".
  assert.match(r.output, /authorization failed/, r.explain);
  assert.doesNotMatch(r.output, /^SIP\/2\.0 200 /m, r.explain);
  assert.equal(readLocation(deployment.dataDir).size, 0);
});

test("sipsak's default 15 s expiry gets 423 Interval Too Brief with Min-Expires: 60", { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPSAK)) return;
  const { deployment, server } = await setup(t);
  const r = await sipsakRegister(server, ALICE.name, ALICE.password, CONTACT);
  assert.equal(r.run.timedOut, false, r.explain);
  assert.notEqual(r.run.code, 0, r.explain);
  assert.match(r.output, /^SIP\/2\.0 423 Interval Too Brief\r?$/m, r.explain);
  assert.match(r.output, /^Min-Expires: 60\r?$/m, r.explain);
  assert.equal(readLocation(deployment.dataDir).size, 0);
});
