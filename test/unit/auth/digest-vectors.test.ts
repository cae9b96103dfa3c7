/**
 * Digest responses computed independently in the test (node:crypto directly) and checked
 * against the authenticator: MD5 and SHA-256, with qop=auth and without qop (RFC 2069).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DigestAuthenticator, computeHa1, digestResponse } from '../../../src/auth/index.js';
import { ManualClock } from '../../../src/lib/index.js';
import { SECRET, directory, md5, nonceOf, request, sha256 } from './helpers.js';

describe('digest response vectors', () => {
  it('matches the RFC 7616 §3.9.1 example (MD5 and SHA-256, qop=auth)', () => {
    const common = {
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    const md5Ha1 = computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    const shaHa1 = computeHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    assert.equal(digestResponse({ ...common, algorithm: 'MD5', ha1: md5Ha1 }), '8ca523f5e9506fed4657c9700eebdbec');
    assert.equal(digestResponse({ ...common, algorithm: 'SHA-256', ha1: shaHa1 }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  });

  const cases = [
    { algorithm: 'MD5', h: md5, qop: true },
    { algorithm: 'MD5', h: md5, qop: false },
    { algorithm: 'SHA-256', h: sha256, qop: true },
    { algorithm: 'SHA-256', h: sha256, qop: false },
  ] as const;

  for (const c of cases) {
    it(`accepts a hand-computed ${c.algorithm} response ${c.qop ? 'with qop=auth' : 'without qop (RFC 2069)'}`, () => {
      const clock = new ManualClock();
      const auth = new DigestAuthenticator({ secret: SECRET, users: directory(), clock });
      const nonce = nonceOf(auth.challenge('example.com')[0]);
      const uri = 'sip:example.com';
      const ha1 = c.h('alice:example.com:wonderland');
      const ha2 = c.h(`REGISTER:${uri}`);
      const cnonce = '0a4f113b';
      const response = c.qop ? c.h(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`) : c.h(`${ha1}:${nonce}:${ha2}`);
      let value = `Digest username="alice", realm="example.com", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${c.algorithm}`;
      if (c.qop) value += `, qop=auth, nc=00000001, cnonce="${cnonce}"`;
      assert.deepEqual(auth.verify(request([['Authorization', value]]), 'example.com', 'www'), {
        kind: 'ok',
        username: 'alice',
        realm: 'example.com',
        algorithm: c.algorithm,
      });
      // One flipped digit of the response is a wrong password.
      const wrong = value.replace(response, (response[0] === '0' ? '1' : '0') + response.slice(1));
      assert.deepEqual(auth.verify(request([['Authorization', wrong]]), 'example.com', 'www'), { kind: 'failed', reason: 'wrong-password' });
    });
  }

  it('treats an absent algorithm as MD5 (RFC 7616 §3.3)', () => {
    const auth = new DigestAuthenticator({ secret: SECRET, users: directory(), clock: new ManualClock() });
    const nonce = nonceOf(auth.challenge('example.com')[1]);
    const ha1 = md5('alice:example.com:wonderland');
    const response = md5(`${ha1}:${nonce}:00000001:abc:auth:${md5('REGISTER:sip:example.com')}`);
    const value = `Digest username="alice",realm="example.com",nonce="${nonce}",uri="sip:example.com",response="${response}",qop=auth,nc=00000001,cnonce="abc"`;
    const v = auth.verify(request([['Authorization', value]]), 'example.com', 'www');
    assert.equal(v.kind, 'ok');
    assert.equal(v.kind === 'ok' && v.algorithm, 'MD5');
  });
});
