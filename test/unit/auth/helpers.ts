/** Test helpers for digest tests: requests with given auth headers, an in-memory directory. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type SipRequest, parse } from '../../../src/sip/message/index.js';
import type { UserCredentials, UserDirectory } from '../../../src/auth/index.js';

/** A REGISTER (or `method`) to `uri` carrying the given header lines (e.g. Authorization values). */
export function request(headers: ReadonlyArray<readonly [string, string]>, uri = 'sip:example.com', method = 'REGISTER'): SipRequest {
  const lines = [
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: <sip:alice@example.com>',
    'From: <sip:alice@example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    `CSeq: 2 ${method}`,
    'Contact: <sip:alice@192.0.2.10:5060>',
    ...headers.map(([n, v]) => `${n}: ${v}`),
    'Content-Length: 0',
    '',
    '',
  ];
  const r = parse(Buffer.from(lines.join('\r\n'), 'latin1'));
  assert.ok(r.ok, 'test request must parse');
  assert.equal(r.message.kind, 'request');
  return r.message as SipRequest;
}

/** Independent hashing for the vectors (not the code under test). */
export function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

export function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** A directory over a fixed list, counting lookups. */
export class ListDirectory implements UserDirectory {
  lookups = 0;
  constructor(private readonly users: UserCredentials[]) {}
  find(username: string, realm: string): UserCredentials | undefined {
    this.lookups++;
    return this.users.find((u) => u.username === username && u.realm === realm);
  }
}

/** Alice with password "wonderland" in example.com, both HA1s; Mallory with an MD5 HA1 only. */
export function directory(): ListDirectory {
  return new ListDirectory([
    { username: 'alice', realm: 'example.com', ha1Md5: md5('alice:example.com:wonderland'), ha1Sha256: sha256('alice:example.com:wonderland') },
    { username: 'mallory', realm: 'example.com', ha1Md5: md5('mallory:example.com:secret') },
  ]);
}

/** The nonce of a challenge header value. */
export function nonceOf(challenge: string): string {
  const m = /nonce="([^"]+)"/.exec(challenge);
  assert.ok(m !== null, `no nonce in ${challenge}`);
  return m[1];
}

export const SECRET = Buffer.alloc(32, 7);
