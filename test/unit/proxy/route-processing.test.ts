import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SipRequest, type Uri, type Via, parse, parseVia } from '../../../src/sip/message/index.js';
import { isLoop, loopHash, processRoutes, proxyBranch } from '../../../src/proxy/index.js';

const ME = '192.0.2.1:5060';
const isMe = (u: Uri) => u.kind === 'sip' && `${u.host}:${u.port ?? 5060}` === ME;

function req(startUri: string, extra: string[] = []): SipRequest {
  const r = parse(
    Buffer.from(
      [`BYE ${startUri} SIP/2.0`, 'Via: SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bK-ua', 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>;tag=2', 'Call-ID: c', 'CSeq: 2 BYE', 'Max-Forwards: 70', ...extra, 'Content-Length: 0', '', ''].join('\r\n'),
    ),
  );
  assert.ok(r.ok);
  return r.message as SipRequest;
}

describe('processRoutes (RFC 3261 §16.4)', () => {
  it('removes our own Route values (both, after a double Record-Route) and returns the next', () => {
    const r = req('sip:b@198.51.100.20', ['Route: <sip:192.0.2.1:5060;lr>, <sip:192.0.2.1;lr;transport=tcp>', 'Route: <sip:203.0.113.5;lr>']);
    const { next, viaUs } = processRoutes(r, isMe);
    assert.equal(next?.toString(), 'sip:203.0.113.5;lr');
    assert.equal(viaUs, true);
    assert.deepEqual(r.headerValues('route'), ['<sip:203.0.113.5;lr>']);
    assert.equal(r.uri.toString(), 'sip:b@198.51.100.20');
  });

  it('undoes a strict router upstream: our RR URI in the Request-URI is replaced by the last Route', () => {
    const r = req('sip:192.0.2.1:5060;lr', ['Route: <sip:203.0.113.5;lr>', 'Route: <sip:b@198.51.100.20>']);
    const { next, viaUs } = processRoutes(r, isMe);
    assert.equal(r.uri.toString(), 'sip:b@198.51.100.20');
    assert.equal(next?.toString(), 'sip:203.0.113.5;lr');
    assert.equal(viaUs, true);
  });

  it('leaves a request without Route alone', () => {
    const r = req('sip:b@198.51.100.20');
    assert.deepEqual(processRoutes(r, isMe), { next: undefined, viaUs: false, ourUsers: [] });
    assert.equal(r.uri.toString(), 'sip:b@198.51.100.20');
  });
});

describe('loop detection (§16.3 step 4, §16.6 step 8)', () => {
  const ours = (v: Via) => `${v.host}:${v.port ?? 5060}` === ME;
  it('a request that comes back unchanged is a loop; one retargeted is a spiral', () => {
    const received = req('sip:b@example.com');
    const hash = loopHash(received, received.uri.toString(), received.topVia);
    const ourVia = parseVia(`SIP/2.0/UDP ${ME};branch=${proxyBranch(hash, '0x')}`)!;
    // The request as it returns: our Via on top of the original one, same Request-URI.
    const back = req('sip:b@example.com');
    back.addHeader('via', ourVia, 'first');
    back.addHeader('via', parseVia('SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK-other')!, 'first');
    assert.equal(isLoop(back, back.uri.toString(), ours), true);
    const spiral = req('sip:bob-new-target@example.com');
    spiral.addHeader('via', ourVia, 'first');
    spiral.addHeader('via', parseVia('SIP/2.0/UDP 203.0.113.7:5060;branch=z9hG4bK-other')!, 'first');
    assert.equal(isLoop(spiral, spiral.uri.toString(), ours), false);
  });
});
