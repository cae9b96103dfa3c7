/** Stateless nonces and the nonce-count replay map. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { NonceCountTracker, NonceIssuer, parseAuthHeader } from '../../../src/auth/index.js';
import { SECRET } from './helpers.js';

describe('NonceIssuer', () => {
  const issuer = new NonceIssuer(SECRET, 1000);
  const T0 = Date.UTC(2026, 0, 1);

  it('checks its own nonces: valid within the TTL, expired after, bound to the realm', () => {
    const n = issuer.issue('example.com', T0, 0xdeadbeef);
    assert.match(n, /^[A-Za-z0-9_-]{70}$/);
    assert.deepEqual(issuer.check(n, 'example.com', T0 + 1000), { kind: 'valid', issuedAt: T0, expiresAt: T0 + 1000, local: true, id: 0xdeadbeef });
    assert.deepEqual(issuer.check(n, 'example.com', T0 + 1001), { kind: 'expired', issuedAt: T0, expiresAt: T0 + 1000, local: true, id: 0xdeadbeef });
    assert.deepEqual(issuer.check(n, 'example.net', T0), { kind: 'bad' });
  });

  it('accepts nonces of another issuer with the same secret (as not local), refuses another secret', () => {
    const n = new NonceIssuer(Buffer.from(SECRET), 5000).issue('example.com', T0);
    const c = issuer.check(n, 'example.com', T0);
    assert.equal(c.kind, 'valid');
    assert.equal(c.kind === 'valid' && c.local, false, 'another instance issued it');
    const same = new NonceIssuer(Buffer.from(SECRET), 5000, Buffer.from('abcdef')).issue('example.com', T0);
    assert.equal(new NonceIssuer(Buffer.from(SECRET), 5000, Buffer.from('abcdef')).check(same, 'example.com', T0).kind === 'valid', true);
    assert.equal(new NonceIssuer(Buffer.alloc(32, 1), 1000).check(n, 'example.com', T0).kind, 'bad');
  });

  it('the MAC is HMAC-SHA256 (RFC 2104): equal to node:crypto createHmac, short and long secrets, latin1 realms', () => {
    for (const secret of [Buffer.from(SECRET), Buffer.alloc(16, 7), Buffer.alloc(64, 9), Buffer.alloc(100, 3)]) {
      for (const realm of ['example.com', 'r\u00e9alm.example', '']) {
        const raw = Buffer.from(new NonceIssuer(secret, 1000).issue(realm, T0), 'base64url');
        const expected = createHmac('sha256', secret).update(raw.subarray(0, 20)).update('|').update(realm, 'latin1').digest();
        assert.deepEqual(raw.subarray(20), expected, `secret of ${secret.length} bytes, realm ${JSON.stringify(realm)}`);
      }
    }
  });

  it('refuses tampered, truncated and non-canonical encodings', () => {
    const n = issuer.issue('example.com', T0);
    const buf = Buffer.from(n, 'base64url');
    buf[0] ^= 1; // another timestamp: the MAC no longer matches
    assert.equal(issuer.check(buf.toString('base64url'), 'example.com', T0).kind, 'bad');
    assert.equal(issuer.check(n.slice(0, -1), 'example.com', T0).kind, 'bad');
    assert.equal(issuer.check('', 'example.com', T0).kind, 'bad');
    // The last char carries 2 unused bits: another char with the same 4 data bits decodes to the same bytes.
    const last = n[n.length - 1];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) ^ 1];
    assert.equal(issuer.check(n.slice(0, -1) + twin, 'example.com', T0).kind, 'bad');
  });

  it('refuses a short secret', () => {
    assert.throws(() => new NonceIssuer(Buffer.alloc(8), 1000));
  });
});

describe('NonceCountTracker', () => {
  it('needs each count to be higher than the last accepted one for that nonce id', () => {
    const t = new NonceCountTracker(8);
    const a = t.issue();
    const b = t.issue();
    assert.equal(t.check(a, 0), 'replay', 'nc 0 is never fresh');
    assert.equal(t.check(a, 1), 'fresh');
    t.accept(a, 1);
    assert.equal(t.check(a, 1), 'replay');
    assert.equal(t.check(a, 2), 'fresh');
    t.accept(a, 5);
    assert.equal(t.check(a, 4), 'replay');
    assert.equal(t.check(b, 1), 'fresh', 'counts are per nonce');
  });

  it('forgets a nonce once capacity newer ones were issued, and never knew an unissued id', () => {
    const t = new NonceCountTracker(5);
    assert.equal(t.capacity, 8, 'rounded up to a power of two');
    assert.equal(t.check(0, 1), 'forgotten', 'nothing issued yet: slot 0 holds no nonce');
    const first = t.issue();
    t.accept(first, 3);
    for (let i = 0; i < 7; i++) t.issue();
    assert.equal(t.check(first, 4), 'fresh', 'the 8th newer nonce has not taken its slot yet');
    assert.equal(t.check(first, 3), 'replay');
    const successor = t.issue();
    assert.equal(successor & 7, first & 7, 'same slot');
    assert.equal(t.check(first, 4), 'forgotten');
    assert.equal(t.check(first, 1), 'forgotten', 'its old count is not replayable either');
    t.accept(first, 9); // ignored: the slot is not its own
    assert.equal(t.check(successor, 1), 'fresh');
    assert.equal(t.check(successor + 1, 1), 'forgotten', 'not issued yet');
  });

  it('ids wrap around 2^32 without losing the latest nonces', () => {
    const t = new NonceCountTracker(4);
    (t as unknown as { next: number }).next = 0xfffffffe;
    const ids = [t.issue(), t.issue(), t.issue()];
    assert.deepEqual(ids, [0xfffffffe, 0xffffffff, 0]);
    for (const id of ids) assert.equal(t.check(id, 1), 'fresh', String(id));
  });

  it('rejects a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) assert.throws(() => new NonceCountTracker(bad), String(bad));
  });
});

describe('parseAuthHeader', () => {
  it('reads tokens, quoted strings with escapes, any case of names, empty list elements', () => {
    const r = parseAuthHeader('Digest  Realm="a \\"b\\" \\\\c" ,, nonce=abc/def, QOP = "auth,auth-int",algorithm=SHA-256');
    assert.ok(r.ok);
    assert.equal(r.value.scheme, 'Digest');
    assert.deepEqual([...r.value.params], [
      ['realm', 'a "b" \\c'],
      ['nonce', 'abc/def'],
      ['qop', 'auth,auth-int'],
      ['algorithm', 'SHA-256'],
    ]);
  });

  it('refuses syntax errors with a reason', () => {
    for (const bad of ['', '"Digest"', 'Digest realm', 'Digest realm=', 'Digest realm="x" nonce="y"', 'Digest a=1, a=2', 'Digest realm="x', 'Digest x="1"y']) {
      const r = parseAuthHeader(bad);
      assert.equal(r.ok, false, bad);
      assert.ok(!r.ok && r.error.length > 0);
    }
  });
});
