import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUri } from '../../../../src/sip/message/index.js';
import { LocalIdentity } from '../../../../src/sip/endpoint/index.js';

const me = new LocalIdentity(
  ['example.com'],
  [
    { transport: 'udp', host: '192.0.2.1', port: 5060 },
    { transport: 'tcp', host: '192.0.2.1', port: 5060 },
    { transport: 'udp', host: '::', port: 5080 },
  ],
);
const local = (u: string): boolean => me.isLocalUri(parseUri(u)!);

describe('LocalIdentity ("is this me?")', () => {
  it('knows its domains, with or without a port it listens on', () => {
    assert.equal(local('sip:bob@example.com'), true);
    assert.equal(local('sip:bob@EXAMPLE.com:5060'), true);
    assert.equal(local('sip:bob@example.com:5099'), false);
    assert.equal(local('sip:bob@example.org'), false);
  });

  it('compares host AND port for addresses, never host alone', () => {
    assert.equal(local('sip:192.0.2.1'), true);
    assert.equal(local('sip:192.0.2.1:5060'), true);
    assert.equal(local('sip:bob@192.0.2.1:5062'), false, 'same IP, other port: another element');
  });

  it('matches wildcard listeners by address family', () => {
    assert.equal(local('sip:[2001:db8::1]:5080'), true);
    assert.equal(local('sip:198.51.100.7:5080'), false);
  });

  it('is never local for non-SIP URIs', () => {
    assert.equal(local('tel:+15551234'), false);
  });
});
