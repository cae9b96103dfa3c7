/** callId and user of SIP messages for the log lines (src/sip/endpoint/log-fields.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partialLogFields, sipLogFields } from '../../../src/sip/endpoint/index.js';
import { type SipMessage, parse } from '../../../src/sip/message/index.js';
import { sipRequest, sipResponse } from '../../support/admin-wire.js';

function message(bytes: Buffer): SipMessage {
  const r = parse(bytes);
  assert.ok(r.ok, 'parses');
  return r.message;
}

test('a request and its responses carry the Call-ID and the From user', () => {
  assert.deepEqual(sipLogFields(message(sipRequest('INVITE', { callId: 'abc@h', from: 'alice', to: 'bob' }))), { callId: 'abc@h', user: 'alice' });
  assert.deepEqual(sipLogFields(message(sipResponse(180, 'Ringing', 'INVITE', { callId: 'abc@h', from: 'alice', to: 'bob' }))), { callId: 'abc@h', user: 'alice' });
  assert.deepEqual(sipLogFields(message(sipRequest('BYE', { callId: 'abc@h', from: 'bob', to: 'alice' }))), { callId: 'abc@h', user: 'bob' });
});

test('a REGISTER and its responses carry the address-of-record (the To URI)', () => {
  assert.deepEqual(sipLogFields(message(sipRequest('REGISTER', { callId: 'r1', from: 'alice', to: 'alice' }))), { callId: 'r1', user: 'alice@example.com' });
  // A third-party registration: the AOR is the To URI, not the From.
  assert.deepEqual(sipLogFields(message(sipRequest('REGISTER', { callId: 'r2', from: 'admin', to: 'bob' }))), { callId: 'r2', user: 'bob@example.com' });
  assert.deepEqual(sipLogFields(message(sipResponse(401, 'Unauthorized', 'REGISTER', { callId: 'r1', from: 'alice', to: 'alice' }))), { callId: 'r1', user: 'alice@example.com' });
});

test('escaped users are unescaped, tel URIs give the number, a From without user gives no user', () => {
  const withFrom = (from: string): Buffer =>
    Buffer.from(
      ['OPTIONS sip:example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1', `From: ${from};tag=1`, 'To: <sip:example.com>', 'Call-ID: o1', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n'),
    );
  assert.deepEqual(sipLogFields(message(withFrom('<sip:al%69ce@example.com>'))), { callId: 'o1', user: 'alice' });
  assert.deepEqual(sipLogFields(message(withFrom('<tel:+15551234>'))), { callId: 'o1', user: '+15551234' });
  assert.deepEqual(sipLogFields(message(withFrom('<sip:example.com>'))), { callId: 'o1' });
});

test('what the parser read of an unparsable message gives what it can', () => {
  const r = parse(Buffer.from(['INVITE sip:bob@example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1', 'From: <sip:mallory@example.com>;tag=1', 'To: <sip:bob@example.com>', 'Call-ID: broken-1', 'CSeq: 1 INVITE', 'Content-Length: abc', '', ''].join('\r\n')));
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.partial !== undefined, 'the parser kept the headers it read');
  if (r.ok) return;
  assert.deepEqual(partialLogFields(r.partial), { callId: 'broken-1', user: 'mallory' });
  assert.deepEqual(partialLogFields(undefined), {});
  assert.deepEqual(partialLogFields({ kind: 'request', method: 'REGISTER', headers: [] }), {});
});
