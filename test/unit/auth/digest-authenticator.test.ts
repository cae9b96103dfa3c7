/** DigestAuthenticator: challenges, nonces, replay, realms, failures that look alike. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DigestAlgorithm, DigestAuthenticator, answerChallenge } from '../../../src/auth/index.js';
import { ManualClock } from '../../../src/lib/index.js';
import { SECRET, directory, md5, nonceOf, request } from './helpers.js';

const REALM = 'example.com';

function setup(options: { nonceTtlMs?: number; algorithms?: readonly DigestAlgorithm[]; maxTrackedNonces?: number } = {}) {
  const clock = new ManualClock();
  const users = directory();
  const auth = new DigestAuthenticator({ secret: SECRET, users, clock, ...options });
  return { clock, users, auth };
}

/** Answers `challenge` as a phone would (nc defaults to 1). */
function answer(challenge: string, user = 'alice', password = 'wonderland', extra: { nc?: number; uri?: string; method?: string } = {}): string {
  const a = answerChallenge(challenge, { username: user, password, method: extra.method ?? 'REGISTER', uri: extra.uri ?? 'sip:example.com', nc: extra.nc });
  assert.ok(a.ok);
  return a.value;
}

describe('DigestAuthenticator challenges', () => {
  it('offers SHA-256 first, then MD5, each with realm, nonce and qop="auth"', () => {
    const { auth } = setup();
    const c = auth.challenge(REALM);
    assert.equal(c.length, 2);
    assert.match(c[0], /^Digest realm="example\.com", nonce="[A-Za-z0-9_-]+", algorithm=SHA-256, qop="auth"$/);
    assert.match(c[1], /^Digest realm="example\.com", nonce="[A-Za-z0-9_-]+", algorithm=MD5, qop="auth"$/);
    assert.ok(!c[0].includes('stale'));
  });

  it('keeps SHA-256 first whatever order the algorithms are given in, and offers only those', () => {
    assert.deepEqual(setup({ algorithms: ['MD5', 'SHA-256'] }).auth.challenge(REALM).map((c) => /algorithm=([\w-]+)/.exec(c)?.[1]), ['SHA-256', 'MD5']);
    assert.deepEqual(setup({ algorithms: ['MD5'] }).auth.challenge(REALM).map((c) => /algorithm=([\w-]+)/.exec(c)?.[1]), ['MD5']);
  });

  it('adds stale=true when asked and makes a different nonce each time', () => {
    const { auth } = setup();
    const a = auth.challenge(REALM, true);
    assert.ok(a.every((c) => c.endsWith(', stale=true')));
    assert.notEqual(nonceOf(a[0]), nonceOf(auth.challenge(REALM)[0]));
  });
});

describe('DigestAuthenticator.verify', () => {
  it('accepts a real challenge → response round trip with either algorithm', () => {
    const { auth } = setup();
    const sha = auth.challenge(REALM)[0];
    const md = auth.challenge(REALM)[1];
    assert.deepEqual(auth.verify(request([['Authorization', answer(sha)]]), REALM, 'www'), { kind: 'ok', username: 'alice', realm: REALM, algorithm: 'SHA-256' });
    assert.deepEqual(auth.verify(request([['Authorization', answer(md)]]), REALM, 'www'), { kind: 'ok', username: 'alice', realm: REALM, algorithm: 'MD5' });
  });

  it('reads Proxy-Authorization for kind proxy, Authorization for www', () => {
    const { auth } = setup();
    const value = answer(auth.challenge(REALM)[0]);
    assert.equal(auth.verify(request([['Proxy-Authorization', value]]), REALM, 'proxy').kind, 'ok');
    assert.deepEqual(auth.verify(request([['Proxy-Authorization', value]]), REALM, 'www'), { kind: 'missing' });
    assert.deepEqual(auth.verify(request([]), REALM, 'proxy'), { kind: 'missing' });
  });

  it('gives the same verdict kind for an unknown user and a wrong password, after the same work', () => {
    const { auth } = setup();
    const [challenge] = auth.challenge(REALM);
    const wrong = auth.verify(request([['Authorization', answer(challenge, 'alice', 'guess')]]), REALM, 'www');
    const unknown = auth.verify(request([['Authorization', answer(challenge, 'nobody', 'guess')]]), REALM, 'www');
    assert.deepEqual(wrong, { kind: 'failed', reason: 'wrong-password' });
    assert.deepEqual(unknown, { kind: 'failed', reason: 'unknown-user' });
    // What the caller can put on the wire: only the kind (a re-challenge), never the reason.
    assert.equal(wrong.kind, unknown.kind);
  });

  it('answers stale for a correct response on an expired nonce, and wrong-password for a wrong one', () => {
    const { auth, clock } = setup({ nonceTtlMs: 60_000 });
    const [challenge] = auth.challenge(REALM);
    clock.advance(59_000);
    assert.equal(auth.verify(request([['Authorization', answer(challenge)]]), REALM, 'www').kind, 'ok');
    clock.advance(2_000);
    assert.deepEqual(auth.verify(request([['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 2 })]]), REALM, 'www'), { kind: 'stale' });
    assert.deepEqual(auth.verify(request([['Authorization', answer(challenge, 'alice', 'nope', { nc: 3 })]]), REALM, 'www'), {
      kind: 'failed',
      reason: 'wrong-password',
    });
  });

  it('refuses a forged nonce and a nonce issued for another realm', () => {
    const { auth } = setup();
    const real = auth.challenge(REALM)[0];
    const nonce = nonceOf(real);
    // Same length and alphabet, one character changed: the MAC no longer matches.
    const flipped = nonce.slice(0, 20) + (nonce[20] === 'A' ? 'B' : 'A') + nonce.slice(21);
    for (const forged of [flipped, 'dcd98b7102dd2f0e8b11d0f600bfb0c093', nonce + 'A']) {
      assert.deepEqual(auth.verify(request([['Authorization', answer(real.replace(nonce, forged))]]), REALM, 'www'), { kind: 'failed', reason: 'bad-nonce' });
    }
    // A nonce made for other.example.net, answered with realm example.com.
    const foreign = nonceOf(auth.challenge('other.example.net')[0]);
    assert.deepEqual(auth.verify(request([['Authorization', answer(real.replace(nonce, foreign))]]), REALM, 'www'), {
      kind: 'failed',
      reason: 'bad-nonce',
    });
  });

  it('refuses a replayed nonce count and accepts increasing ones', () => {
    const { auth } = setup();
    const [challenge] = auth.challenge(REALM);
    const first = request([['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 1 })]]);
    assert.equal(auth.verify(first, REALM, 'www').kind, 'ok');
    assert.deepEqual(auth.verify(first, REALM, 'www'), { kind: 'failed', reason: 'replay' });
    assert.equal(auth.verify(request([['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 2 })]]), REALM, 'www').kind, 'ok');
    assert.equal(auth.verify(request([['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 5 })]]), REALM, 'www').kind, 'ok');
    assert.deepEqual(auth.verify(request([['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 4 })]]), REALM, 'www'), {
      kind: 'failed',
      reason: 'replay',
    });
    // A wrong response does not move the count (it cannot lock the real client out).
    assert.equal(auth.verify(request([['Authorization', answer(challenge, 'alice', 'guess', { nc: 100 })]]), REALM, 'www').kind, 'failed');
    assert.equal(auth.verify(request([['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 6 })]]), REALM, 'www').kind, 'ok');
  });

  it('answers stale for a nonce whose counts were forgotten (maxTrackedNonces newer ones issued), never ok', () => {
    const { auth } = setup({ maxTrackedNonces: 4 });
    const [old] = auth.challenge(REALM);
    assert.equal(auth.verify(request([['Authorization', answer(old, 'alice', 'wonderland', { nc: 1 })]]), REALM, 'www').kind, 'ok');
    for (let i = 0; i < 4; i++) auth.challenge(REALM);
    // Its count is no longer known: neither the captured nc=1 nor a new nc is accepted.
    assert.deepEqual(auth.verify(request([['Authorization', answer(old, 'alice', 'wonderland', { nc: 1 })]]), REALM, 'www'), { kind: 'stale' });
    assert.deepEqual(auth.verify(request([['Authorization', answer(old, 'alice', 'wonderland', { nc: 2 })]]), REALM, 'www'), { kind: 'stale' });
    // A wrong password on it is still a plain failure, as with any other nonce.
    assert.equal(auth.verify(request([['Authorization', answer(old, 'alice', 'nope', { nc: 2 })]]), REALM, 'www').kind, 'failed');
    const [fresh] = auth.challenge(REALM);
    assert.equal(auth.verify(request([['Authorization', answer(fresh, 'alice', 'wonderland', { nc: 1 })]]), REALM, 'www').kind, 'ok');
  });

  it('accepts nc=00000001 on every fresh nonce (as SIPp sends it)', () => {
    const { auth } = setup();
    for (let i = 0; i < 5; i++) {
      const [challenge] = auth.challenge(REALM);
      assert.equal(auth.verify(request([['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 1 })]]), REALM, 'www').kind, 'ok');
    }
  });

  it('answers a nonce from before a restart (or another node) with stale, never a replayable ok; another secret is bad', () => {
    const { auth, clock, users } = setup();
    const [challenge] = auth.challenge(REALM);
    clock.advance(10_000);
    // Same secret, new instance: the nonce is authentic, but its nonce-counts live in the old
    // instance, so a correct answer gets stale=true and the UA retries with a local nonce.
    const restarted = new DigestAuthenticator({ secret: Buffer.from(SECRET), users, clock });
    assert.equal(restarted.verify(request([['Authorization', answer(challenge)]]), REALM, 'www').kind, 'stale');
    const [fresh] = restarted.challenge(REALM);
    assert.equal(restarted.verify(request([['Authorization', answer(fresh)]]), REALM, 'www').kind, 'ok');
    // A wrong password with a foreign nonce is still a plain failure (no oracle in `stale`).
    assert.equal(restarted.verify(request([['Authorization', answer(challenge, 'alice', 'nope')]]), REALM, 'www').kind, 'failed');
    const other = new DigestAuthenticator({ secret: Buffer.alloc(32, 9), users, clock });
    assert.deepEqual(other.verify(request([['Authorization', answer(challenge)]]), REALM, 'www'), { kind: 'failed', reason: 'bad-nonce' });
  });

  it('reports malformed credentials with a reason', () => {
    const { auth } = setup();
    const nonce = nonceOf(auth.challenge(REALM)[0]);
    const bad = [
      'Digest username="alice", realm="example.com", nonce="abc',
      'Digest username="alice" realm="example.com"',
      'Digest username="alice", username="bob", realm="example.com"',
      `Digest username="alice", realm="example.com", nonce="${nonce}", uri="sip:example.com"`,
      `Digest username="alice", realm="example.com", nonce="${nonce}", uri="sip:example.com", response="00", qop=auth, nc=00000001`,
      `Digest username="alice", realm="example.com", nonce="${nonce}", uri="sip:example.com", response="00", qop=auth, nc=1, cnonce="x"`,
      'Digest username="alice", nonce="x"',
      'Digest =x',
    ];
    for (const value of bad) {
      const v = auth.verify(request([['Authorization', value]]), REALM, 'www');
      assert.equal(v.kind, 'malformed', value);
      assert.ok(v.kind === 'malformed' && v.reason.length > 0);
    }
  });

  it('parses quoted strings with escapes and case-insensitive parameter names', () => {
    const clock = new ManualClock();
    const auth = new DigestAuthenticator({
      secret: SECRET,
      clock,
      users: { find: (u, r) => (u === 'al"ice' && r === REALM ? { username: u, realm: r, ha1Md5: md5(`al"ice:${REALM}:pw`) } : undefined) },
    });
    const nonce = nonceOf(auth.challenge(REALM)[1]);
    const ha2 = md5('REGISTER:sip:example.com');
    const response = md5(`${md5(`al"ice:${REALM}:pw`)}:${nonce}:0000000a:c\\n:auth:${ha2}`);
    const value = `digest USERNAME="al\\"ice" ,Realm = "example.com",NONCE="${nonce}", URI="sip:example.com", Response="${response.toUpperCase()}", Algorithm=md5, QOP="auth", NC=0000000a, CNonce="c\\\\n"`;
    assert.deepEqual(auth.verify(request([['Authorization', value]]), REALM, 'www'), { kind: 'ok', username: 'al"ice', realm: REALM, algorithm: 'MD5' });
  });

  it('picks the credentials for its realm among several, ignoring other schemes', () => {
    const { auth } = setup();
    const [challenge] = auth.challenge(REALM);
    const otherProxy = 'Digest username="alice", realm="proxy.example.net", nonce="x", uri="sip:example.com", response="0123", algorithm=MD5';
    const v = auth.verify(
      request([
        ['Authorization', 'Basic YWxpY2U6d29uZGVybGFuZA=='],
        ['Authorization', otherProxy],
        ['Authorization', answer(challenge)],
      ]),
      REALM,
      'www',
    );
    assert.equal(v.kind, 'ok');
    // Only credentials for other realms: none for us, so challenge.
    assert.deepEqual(auth.verify(request([['Authorization', otherProxy]]), REALM, 'www'), { kind: 'missing' });
    // A malformed one next to good ones does not spoil them.
    assert.equal(auth.verify(request([['Authorization', 'Digest ,,"'], ['Authorization', answer(challenge, 'alice', 'wonderland', { nc: 2 })]]), REALM, 'www').kind, 'ok');
  });

  it('refuses a digest uri that is not the Request-URI, and compares them as URIs', () => {
    const { auth } = setup();
    const [challenge] = auth.challenge(REALM);
    const elsewhere = answer(challenge, 'alice', 'wonderland', { uri: 'sip:other.example.com' });
    assert.deepEqual(auth.verify(request([['Authorization', elsewhere]]), REALM, 'www'), { kind: 'failed', reason: 'bad-uri' });
    // Host case differs: the same URI by RFC 3261 §19.1.4.
    const sameUri = answer(challenge, 'alice', 'wonderland', { uri: 'sip:EXAMPLE.com', nc: 2 });
    assert.equal(auth.verify(request([['Authorization', sameUri]]), REALM, 'www').kind, 'ok');
  });

  it('fails SHA-256 credentials of a user who has only an MD5 HA1, and accepts MD5 for them', () => {
    const { auth } = setup();
    const [sha, md] = auth.challenge(REALM);
    assert.deepEqual(auth.verify(request([['Authorization', answer(sha, 'mallory', 'secret')]]), REALM, 'www'), { kind: 'failed', reason: 'unsupported' });
    assert.equal(auth.verify(request([['Authorization', answer(md, 'mallory', 'secret')]]), REALM, 'www').kind, 'ok');
  });

  it('fails algorithms and qop values it does not offer', () => {
    const { auth } = setup({ algorithms: ['SHA-256'] });
    const nonce = nonceOf(auth.challenge(REALM)[0]);
    const md = `Digest realm="example.com", nonce="${nonce}", algorithm=MD5, qop="auth"`;
    assert.deepEqual(auth.verify(request([['Authorization', answer(md)]]), REALM, 'www'), { kind: 'failed', reason: 'unsupported' });
    const sess = answer(md).replace('algorithm=MD5', 'algorithm=SHA-512-256');
    assert.deepEqual(auth.verify(request([['Authorization', sess]]), REALM, 'www'), { kind: 'failed', reason: 'unsupported' });
    const authInt = answer(`Digest realm="example.com", nonce="${nonce}", algorithm=SHA-256, qop="auth"`).replace('qop=auth', 'qop=auth-int');
    assert.deepEqual(auth.verify(request([['Authorization', authInt]]), REALM, 'www'), { kind: 'failed', reason: 'unsupported' });
  });

  it('looks the user up once per verification, with the realm asked for', () => {
    const { auth, users } = setup();
    const [challenge] = auth.challenge(REALM);
    users.lookups = 0;
    auth.verify(request([['Authorization', answer(challenge, 'nobody', 'x')]]), REALM, 'www');
    auth.verify(request([['Authorization', answer(challenge)]]), REALM, 'www');
    assert.equal(users.lookups, 2);
  });
});
