/** Trace records from wire events and the user / call-id / method filters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTraceRecord, matchesFilter, redactSecrets, traceRecord } from '../../../src/admin/index.js';
import { sipRequest, sipResponse, wireEvent } from '../../support/admin-wire.js';

test('a request record carries the identifiers the filters use', () => {
  const r = traceRecord(wireEvent('in', sipRequest('INVITE', { from: 'alice', to: 'bob', callId: 'k1' })), false);
  assert.equal(r.startLine, 'INVITE sip:bob@example.com SIP/2.0');
  assert.deepEqual([r.method, r.callId, r.fromUser, r.toUser, r.ruriUser, r.status, r.raw], ['INVITE', 'k1', 'alice@example.com', 'bob@example.com', 'bob@example.com', undefined, undefined]);
});

test('a response takes its method from CSeq; garbage is shown as unparsable', () => {
  const r = traceRecord(wireEvent('out', sipResponse(404, 'Not Found', 'OPTIONS')), true);
  assert.deepEqual([r.method, r.status, r.startLine], ['OPTIONS', 404, 'SIP/2.0 404 Not Found']);
  assert.ok(r.raw !== undefined);
  const g = traceRecord(wireEvent('in', Buffer.from('HELLO world\r\n\r\n')), false);
  assert.equal(g.startLine, '(unparsable) HELLO world');
  assert.equal(g.method, undefined);
});

test('filters: user by name or full AOR, call-id exact, method case-insensitive, all must hold', () => {
  const r = traceRecord(wireEvent('in', sipRequest('BYE', { from: 'alice', to: 'bob', callId: 'k2' })), false);
  assert.equal(matchesFilter(r, {}), true);
  assert.equal(matchesFilter(r, { user: 'alice' }), true);
  assert.equal(matchesFilter(r, { user: 'BOB' }), true);
  assert.equal(matchesFilter(r, { user: 'bob@example.com' }), true);
  assert.equal(matchesFilter(r, { user: 'bob@other.org' }), false);
  assert.equal(matchesFilter(r, { user: 'ali' }), false, 'no prefix match');
  assert.equal(matchesFilter(r, { callId: 'k2' }), true);
  assert.equal(matchesFilter(r, { callId: 'k3' }), false);
  assert.equal(matchesFilter(r, { method: 'bye' }), true);
  assert.equal(matchesFilter(r, { method: 'BYE', user: 'carol' }), false);
});

test('the human format shows time, direction, addresses and colours only when asked', () => {
  const r = traceRecord(wireEvent('in', sipRequest('INVITE'), { timestamp: Date.UTC(2024, 0, 2, 3, 4, 5, 678) }), false);
  const plain = formatTraceRecord(r, { colour: false, brief: true });
  assert.equal(plain, '2024-01-02 03:04:05.678 IN  udp:192.0.2.10:5062 -> udp:198.51.100.1:5060  INVITE sip:bob@example.com SIP/2.0\n');
  assert.ok(!plain.includes('\u001b['));
  assert.ok(formatTraceRecord(r, { colour: true }).includes('\u001b[36m'));
  assert.ok(formatTraceRecord(r, { colour: false }).includes('Call-ID: call-1@test\n'));
});

test('config summaries replace secrets', () => {
  const out = redactSecrets({
    admin: { token: 'abc', port: 1 },
    users: [{ name: 'a', password: 'p', ha1Md5: 'h', ha1Sha256: 'h2' }],
    auth: { secretFile: '/x/auth.secret' },
    location: { redis: { url: 'redis://u:pw@10.0.0.1:6379/0', keyPrefix: 'sb:' } },
  });
  assert.deepEqual(out, {
    admin: { token: '***', port: 1 },
    users: [{ name: 'a', password: '***', ha1Md5: '***', ha1Sha256: '***' }],
    auth: { secretFile: '/x/auth.secret' },
    location: { redis: { url: 'redis://***@10.0.0.1:6379/0', keyPrefix: 'sb:' } },
  });
});
