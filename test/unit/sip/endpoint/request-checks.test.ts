import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SipRequest, parse } from '../../../../src/sip/message/index.js';
import { checkRequest, type CheckPolicy } from '../../../../src/sip/endpoint/index.js';

function request(startLine: string, extra: string[] = [], cseqMethod?: string): SipRequest {
  const method = startLine.split(' ')[0];
  const text = [
    startLine,
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-abc',
    'From: <sip:alice@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: c1@host',
    `CSeq: 1 ${cseqMethod ?? method}`,
    'Max-Forwards: 70',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parse(Buffer.from(text, 'latin1'));
  assert.ok(r.ok, 'test message must parse');
  return r.message as SipRequest;
}

const policy: CheckPolicy = { methods: ['OPTIONS', 'REGISTER'], extensions: ['path'], uriSchemes: ['sip', 'sips'] };

describe('checkRequest (RFC 3261 §8.2)', () => {
  it('accepts a well-formed request', () => {
    assert.equal(checkRequest(request('OPTIONS sip:example.com SIP/2.0'), policy), undefined);
  });

  it('answers 505 to another SIP version', () => {
    assert.equal(checkRequest(request('OPTIONS sip:example.com SIP/7.0'), policy)?.status, 505);
  });

  it('answers 416 to a Request-URI scheme it cannot handle', () => {
    assert.equal(checkRequest(request('OPTIONS tel:+12125551212 SIP/2.0'), policy)?.status, 416);
  });

  it('answers 501 with Allow to a method nobody implements or defines', () => {
    const v = checkRequest(request('FOO sip:example.com SIP/2.0'), policy);
    assert.equal(v?.status, 501);
    assert.deepEqual(v?.headers, [['Allow', 'OPTIONS, REGISTER']]);
  });

  it('prefers 501 over the CSeq mismatch for an unknown method (RFC 4475 §3.1.2.18)', () => {
    assert.equal(checkRequest(request('NEWMETHOD sip:example.com SIP/2.0', [], 'INVITE'), policy)?.status, 501);
  });

  it('answers 400 when the CSeq method does not match', () => {
    const v = checkRequest(request('OPTIONS sip:example.com SIP/2.0', [], 'INVITE'), policy);
    assert.equal(v?.status, 400);
    assert.match(v?.reason ?? '', /CSeq/);
  });

  it('lets any method through when a module takes every method (a proxy)', () => {
    assert.equal(checkRequest(request('FOO sip:example.com SIP/2.0'), { ...policy, methods: undefined }), undefined);
  });

  it('answers 420 listing the unsupported Require tags, case-insensitively matching supported ones', () => {
    const v = checkRequest(request('OPTIONS sip:example.com SIP/2.0', ['Require: PATH, foo, 100rel']), policy);
    assert.equal(v?.status, 420);
    assert.deepEqual(v?.headers, [['Unsupported', 'foo, 100rel']]);
  });

  it('never answers 420 to ACK or CANCEL (§8.2.2.3)', () => {
    assert.equal(checkRequest(request('CANCEL sip:example.com SIP/2.0', ['Require: foo']), policy), undefined);
  });

  it('answers 400 naming a malformed header', () => {
    const v = checkRequest(request('OPTIONS sip:example.com SIP/2.0', ['Contact: <sip:a@b;>']), policy);
    assert.equal(v?.status, 400);
    assert.match(v?.reason ?? '', /Contact/);
  });
});
