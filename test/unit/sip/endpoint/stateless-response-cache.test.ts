import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../../src/lib/index.js';
import { type SipRequest, createResponse, parse } from '../../../../src/sip/message/index.js';
import { StatelessResponseCache } from '../../../../src/sip/endpoint/index.js';

function register(branch: string, credentials = true): SipRequest {
  const auth = credentials ? 'Authorization: Digest username="a", realm="example.com", nonce="n", uri="sip:example.com", response="0"\r\n' : '';
  const r = parse(
    Buffer.from(
      `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n${auth}Content-Length: 0\r\n\r\n`,
    ),
  );
  assert.ok(r.ok);
  return r.message as SipRequest;
}

describe('StatelessResponseCache (RFC 3261 §8.2.7)', () => {
  it('marks a new request pending, absorbs copies meanwhile, then replays the first final response', () => {
    const clock = new ManualClock();
    const cache = new StatelessResponseCache(clock, 32_000);
    const req = register('z9hG4bK-1');
    assert.equal(cache.begin(req).kind, 'new');
    assert.equal(cache.begin(register('z9hG4bK-1')).kind, 'pending');
    const ok = createResponse(req, 200);
    cache.store(req, ok);
    cache.store(req, createResponse(req, 401));
    const again = cache.begin(register('z9hG4bK-1'));
    assert.equal(again.kind, 'answered');
    assert.equal(again.kind === 'answered' && again.response.status, 200, 'the first final response wins');
    assert.equal(again.kind === 'answered' && again.response.to.tag, ok.to.tag, 'byte for byte the same response');
    assert.equal(cache.begin(register('z9hG4bK-2')).kind, 'new', 'another branch is another request');
  });

  it('forgets after the window, and stays within its bound', () => {
    const clock = new ManualClock();
    const cache = new StatelessResponseCache(clock, 1000, 3);
    const req = register('z9hG4bK-a');
    cache.begin(req);
    cache.store(req, createResponse(req, 200));
    clock.advance(1000);
    assert.equal(cache.begin(register('z9hG4bK-a')).kind, 'new');
    for (let i = 0; i < 10; i++) cache.begin(register(`z9hG4bK-n${i}`));
    assert.ok(cache.size <= 3);
  });

  it('keeps nothing for requests without credentials: processing them again is harmless', () => {
    const cache = new StatelessResponseCache(new ManualClock(), 1000);
    const req = register('z9hG4bK-plain', false);
    assert.equal(cache.begin(req).kind, 'new');
    cache.store(req, createResponse(req, 401));
    assert.equal(cache.begin(register('z9hG4bK-plain', false)).kind, 'new');
    assert.equal(cache.size, 0);
  });

  it('ignores requests without an RFC 3261 branch (no reliable key)', () => {
    const cache = new StatelessResponseCache(new ManualClock(), 1000);
    const req = register('old2543branch');
    assert.equal(cache.begin(req).kind, 'new');
    cache.store(req, createResponse(req, 200));
    assert.equal(cache.begin(register('old2543branch')).kind, 'new');
  });
});
