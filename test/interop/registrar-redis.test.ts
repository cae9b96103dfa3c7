/**
 * Two registrar nodes sharing one Redis location store (location.backend: redis) and one
 * nonce secret (auth.secret_file): a registration made through node A is listed by a REGISTER
 * query through node B, a nonce issued by A is accepted by B, and a removal through B is seen
 * through A. Each node has its own data directory, so the users are imported into both.
 *
 * Needs redis-server (test/support/redis-server.ts): missing on CI (CI=true) is a failure,
 * elsewhere the test is skipped with the reason printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { readLocation } from '../support/location-db.js';
import { startRedisServer, redisTestMode } from '../support/redis-server.js';
import { RegisterUa, buildRegister } from '../support/register-client.js';
import { RegistrarDeployment, type RegistrarProcess } from '../support/registrar-server.js';
import { randomToken } from '../support/sip-client.js';

const ALICE = { name: 'alice', password: 'alice-redis-secret' };
const CONTACT = 'sip:alice@127.0.0.1:5999';

/** redis-server, or undefined after failing (CI) / skipping (elsewhere) the test. */
function redisBinary(t: TestContext): string | undefined {
  const mode = redisTestMode();
  if ('fail' in mode) throw new Error(mode.fail);
  if ('skip' in mode) {
    t.skip(mode.skip);
    return undefined;
  }
  return mode.binary;
}

/** Two nodes on a fresh Redis with a shared nonce secret, user alice in both data dirs. */
async function twoNodes(t: TestContext, binary: string): Promise<[RegistrarProcess, RegistrarProcess, RegistrarDeployment, RegistrarDeployment]> {
  const redis = await startRedisServer(binary);
  t.after(() => redis.stop());
  const shared = mkdtempSync(join(tmpdir(), 'switchboard-shared-secret-'));
  t.after(() => rmSync(shared, { recursive: true, force: true }));
  const config = [
    'location:',
    '  backend: redis',
    '  redis:',
    `    url: ${redis.url}`,
    `    key_prefix: 'sbtest-${randomToken(4)}:'`,
    'auth:',
    // Both nodes read (the first one creates) the same nonce secret: a challenge from one
    // node can be answered to the other.
    `  secret_file: ${join(shared, 'auth.secret')}`,
    '',
  ].join('\n');
  const deploymentA = RegistrarDeployment.create(t, config);
  const deploymentB = RegistrarDeployment.create(t, config);
  await deploymentA.importUsers([ALICE]);
  await deploymentB.importUsers([ALICE]);
  return [await deploymentA.start(), await deploymentB.start(), deploymentA, deploymentB];
}

test('two nodes on one Redis: a REGISTER through A is visible through B, and the other way round', { timeout: 90_000 }, async (t) => {
  const binary = redisBinary(t);
  if (binary === undefined) return;
  const [nodeA, nodeB, deploymentA, deploymentB] = await twoNodes(t, binary);

  const phone = await RegisterUa.open({ target: nodeA.sip, user: ALICE.name, password: ALICE.password, algorithm: 'SHA-256' });
  const other = await RegisterUa.open({ target: nodeB.sip, user: ALICE.name, password: ALICE.password, algorithm: 'MD5' });
  t.after(async () => {
    await phone.close();
    await other.close();
  });

  const reg = await phone.register({ contacts: [`<${CONTACT}>`], expires: 600 });
  assert.equal(reg.final.status, 200, `${reg.final.status} ${reg.final.reason}\n${nodeA.outputTail()}`);
  const seenByB = await other.query();
  assert.deepEqual(seenByB.map((b) => b.uri), [CONTACT], nodeB.outputTail());
  assert.ok(seenByB[0].expires !== undefined && seenByB[0].expires > 540 && seenByB[0].expires <= 600, JSON.stringify(seenByB));
  // The bindings live in Redis, not in either node's SQLite file.
  assert.equal(readLocation(deploymentA.dataDir).size + readLocation(deploymentB.dataDir).size, 0);

  // A nonce issued by node A, answered to node B (stateless nonces, shared secret): B knows
  // it is authentic but not its nonce counts, so it answers stale=true, and the UA's retry
  // with B's own nonce succeeds without asking the user.
  const challenge = await phone.requestChallenge();
  phone.target = nodeB.sip;
  const stale = await phone.send(buildRegister(phone.fields({ contacts: [`<${CONTACT}>`], expires: 0, authorization: phone.answer(challenge) })));
  assert.equal(stale.status, 401, `${stale.status} ${stale.reason}\n${nodeB.outputTail()}`);
  assert.match((stale.headers.get('www-authenticate') ?? [])[0] ?? '', /stale=true/i);
  const crossed = await phone.send(buildRegister(phone.fields({ contacts: [`<${CONTACT}>`], expires: 0, authorization: phone.answer(stale) })));
  assert.equal(crossed.status, 200, `${crossed.status} ${crossed.reason}\n${nodeB.outputTail()}`);

  // Removed through B (Expires: 0 above), so A lists nothing.
  other.target = nodeA.sip;
  assert.deepEqual(await other.query(), [], nodeA.outputTail());
  assert.equal(nodeA.alive && nodeB.alive, true);
});

/**
 * Each node counts nonce uses (RFC 7616 §3.4 nc, for replay detection) for the nonces it
 * issued; another node's nonce is answered stale. So an authenticated REGISTER accepted by
 * node A cannot be replayed to node B.
 */
test('an authenticated REGISTER accepted by node A is refused when replayed to node B', { timeout: 90_000 }, async (t) => {
  const binary = redisBinary(t);
  if (binary === undefined) return;
  const [nodeA, nodeB] = await twoNodes(t, binary);
  const ua = await RegisterUa.open({ target: nodeA.sip, user: ALICE.name, password: ALICE.password });
  t.after(() => ua.close());
  const reg = await ua.register({ contacts: [`<${CONTACT}>`], expires: 600 });
  assert.equal(reg.final.status, 200, `${reg.final.status} ${reg.final.reason}`);
  // To node A the same bytes are a retransmission: the same 200 (RFC 3261 §8.2.7), not reprocessed.
  assert.equal((await ua.send(reg.request)).status, 200, 'node A answers the retransmission with the same response');
  ua.target = nodeB.sip;
  const replay = await ua.send(reg.request);
  assert.equal(replay.status, 401, `node B answered the replay with ${replay.status} ${replay.reason}`);
});
