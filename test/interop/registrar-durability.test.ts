/**
 * What a registrar restart must not lose: a registration answered with 200 is on disk before
 * the 200 leaves (it survives SIGKILL of the server right after the 200), and a challenge
 * nonce stays valid across a restart, because nonces are MACs keyed by the secret kept in
 * the data directory (<data>/auth.secret), not server memory. A nonce older than
 * auth.nonce_ttl is refused with stale=true (RFC 3261 §22.4, RFC 7616 §3.3).
 *
 * Raw REGISTERs from test/support/register-client.ts, answered with the project's digest
 * client; the server offers its default SHA-256 and MD5 challenges, and SHA-256 is used.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readLocation } from '../support/location-db.js';
import { RegisterUa, buildRegister, challengeParam } from '../support/register-client.js';
import { DOMAIN, RegistrarDeployment } from '../support/registrar-server.js';

const ALICE = { name: 'alice', password: 'alice-durable-secret' };
const CONTACT = 'sip:alice@127.0.0.1:5999';
const EXPIRES = 600;

test('a registration answered 200 survives kill -9 of the server right after the 200', { timeout: 60_000 }, async (t) => {
  const deployment = RegistrarDeployment.create(t, '');
  await deployment.importUsers([ALICE]);
  const first = await deployment.start();
  const ua = await RegisterUa.open({ target: first.sip, user: ALICE.name, password: ALICE.password, algorithm: 'SHA-256' });
  t.after(() => ua.close());

  const reg = await ua.register({ contacts: [`<${CONTACT}>`], expires: EXPIRES });
  assert.equal(reg.final.status, 200, `${reg.final.status} ${reg.final.reason}\n${first.outputTail()}`);
  await first.kill('SIGKILL');
  assert.equal(first.server.exit?.signal, 'SIGKILL');

  const second = await deployment.start({ port: first.port });
  const listed = await ua.query();
  assert.deepEqual(listed.map((b) => b.uri), [CONTACT], second.outputTail());
  assert.ok(listed[0].expires !== undefined && listed[0].expires > EXPIRES - 60 && listed[0].expires <= EXPIRES, JSON.stringify(listed));
  assert.deepEqual(readLocation(deployment.dataDir).get(`alice@${DOMAIN}`)?.map((b) => b.contact), [CONTACT]);
});

test('a nonce issued before a restart is recognised after it (same auth.secret): stale=true, and the retry succeeds', { timeout: 60_000 }, async (t) => {
  const deployment = RegistrarDeployment.create(t, '');
  await deployment.importUsers([ALICE]);
  const first = await deployment.start();
  const ua = await RegisterUa.open({ target: first.sip, user: ALICE.name, password: ALICE.password, algorithm: 'SHA-256' });
  t.after(() => ua.close());

  const challenge = await ua.requestChallenge({ contacts: [`<${CONTACT}>`], expires: EXPIRES });
  await first.kill('SIGKILL');
  const second = await deployment.start({ port: first.port });

  // The nonce is authentic (same secret) but was issued by the previous run, whose nonce
  // counts are gone: the server answers stale=true, and the UA retries without its user.
  const authorization = ua.answer(challenge);
  const stale = await ua.send(buildRegister(ua.fields({ contacts: [`<${CONTACT}>`], expires: EXPIRES, authorization })));
  assert.equal(stale.status, 401, `${stale.status} ${stale.reason}\n${second.outputTail()}`);
  for (const v of stale.headers.get('www-authenticate') ?? []) assert.equal(challengeParam(v, 'stale')?.toLowerCase(), 'true', v);
  const r = await ua.send(buildRegister(ua.fields({ contacts: [`<${CONTACT}>`], expires: EXPIRES, authorization: ua.answer(stale) })));
  assert.equal(r.status, 200, `${r.status} ${r.reason} ${JSON.stringify(r.headers.get('www-authenticate'))}\n${second.outputTail()}`);
  assert.deepEqual(readLocation(deployment.dataDir).get(`alice@${DOMAIN}`)?.map((b) => b.contact), [CONTACT]);
});

test('a nonce older than auth.nonce_ttl gets 401 with stale=true; a fresh one then succeeds', { timeout: 60_000 }, async (t) => {
  const TTL_S = 2;
  const deployment = RegistrarDeployment.create(t, `auth:\n  nonce_ttl: ${TTL_S}\n`);
  await deployment.importUsers([ALICE]);
  const server = await deployment.start();
  const ua = await RegisterUa.open({ target: server.sip, user: ALICE.name, password: ALICE.password, algorithm: 'SHA-256' });
  t.after(() => ua.close());
  const register = (authorization: string) => ua.send(buildRegister(ua.fields({ contacts: [`<${CONTACT}>`], expires: EXPIRES, authorization })));

  const old = await ua.requestChallenge();
  await new Promise((r) => setTimeout(r, TTL_S * 1000 + 700));

  // RFC 7616 §3.3: stale=true only when the digest was valid but the nonce was not; a wrong
  // password with the expired nonce is an ordinary failure.
  const wrong = await register(ua.answer(old, 'not-the-password'));
  assert.equal(wrong.status, 401);
  for (const v of wrong.headers.get('www-authenticate') ?? []) assert.equal(challengeParam(v, 'stale'), undefined, v);

  const stale = await register(ua.answer(old));
  assert.equal(stale.status, 401, `${stale.status} ${stale.reason}`);
  const offers = stale.headers.get('www-authenticate') ?? [];
  assert.deepEqual(offers.map((v) => challengeParam(v, 'algorithm')), ['SHA-256', 'MD5']);
  for (const v of offers) assert.equal(challengeParam(v, 'stale')?.toLowerCase(), 'true', v);
  assert.notEqual(challengeParam(offers[0], 'nonce'), challengeParam(old.headers.get('www-authenticate')![0], 'nonce'));
  assert.equal(readLocation(deployment.dataDir).size, 0);

  // The client retries with the new nonce without asking the user again (§22.4).
  const ok = await register(ua.answer(stale));
  assert.equal(ok.status, 200, `${ok.status} ${ok.reason}\n${server.outputTail()}`);
  assert.deepEqual(readLocation(deployment.dataDir).get(`alice@${DOMAIN}`)?.map((b) => b.contact), [CONTACT]);
});

/**
 * Nonce counts (RFC 7616 §3.4: nc lets the server "detect request replays") live in the
 * memory of the instance that issued the nonce; a nonce from an earlier run is answered
 * stale, so an authenticated REGISTER captured on the wire cannot be replayed after a restart.
 */
test('an authenticated REGISTER captured before a restart is refused when replayed after it', { timeout: 60_000 }, async (t) => {
  const deployment = RegistrarDeployment.create(t, '');
  await deployment.importUsers([ALICE]);
  const first = await deployment.start();
  const ua = await RegisterUa.open({ target: first.sip, user: ALICE.name, password: ALICE.password, algorithm: 'SHA-256' });
  t.after(() => ua.close());

  const reg = await ua.register({ contacts: [`<${CONTACT}>`], expires: EXPIRES });
  assert.equal(reg.final.status, 200, `${reg.final.status} ${reg.final.reason}`);
  // The same bytes again while the server runs are a retransmission: RFC 3261 §8.2.7 — the
  // same 200 again, from the response cache, with nothing processed twice.
  const again = await ua.send(reg.request);
  assert.equal(again.status, 200, 'a retransmission gets the same response');
  await first.kill('SIGKILL');
  await deployment.start({ port: first.port });
  const replay = await ua.send(reg.request);
  assert.equal(replay.status, 401, `the replay after the restart got ${replay.status} ${replay.reason}`);
});
