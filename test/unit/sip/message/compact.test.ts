/** SipMessage.compact(): a kept message packs its fields into one string and gives them back unchanged. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, serialize, type SipMessage } from '../../../../src/sip/message/index.js';

function parsed(text: string): SipMessage {
  const r = parse(Buffer.from(text, 'latin1'));
  assert.ok(r.ok, r.ok ? '' : r.error.reason);
  return r.message;
}

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Subject: a folded',
  '\t subject line',
  'x-Unknown :  kept  as written ',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\r\n',
].join('\r\n');

describe('SipMessage.compact', () => {
  it('packs the fields into one string; serialize writes the same bytes, and reads unpack them unchanged', () => {
    const m = parsed(INVITE);
    const wire = serialize(m);
    const fields = m.headers.map((f) => [f.key, f.name, f.value]);
    m.compact();
    assert.equal(typeof m.packedHeaderLines, 'string');
    assert.deepEqual(serialize(m), wire, 'sent again from the packed form');
    assert.equal(typeof m.packedHeaderLines, 'string', 'serialize does not unpack');
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(m.packedHeaderLines, undefined, 'a read unpacks');
    assert.deepEqual(m.headers.map((f) => [f.key, f.name, f.value]), fields);
    assert.equal(m.header('subject'), 'a folded subject line');
    assert.equal(m.header('x-unknown'), 'kept  as written');
    assert.deepEqual(m.vias.map((v) => v.branch), ['z9hG4bK776asdhds', 'z9hG4bKa']);
    assert.equal(m.from.tag, '1928301774');
    assert.equal(m.cseq.seq, 314159);
    assert.deepEqual(serialize(m), wire);
  });

  it('keeps a bare-LF message byte for byte', () => {
    const m = parsed('OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nTo: <sip:b@example.com>\nFrom: <sip:a@example.com>;tag=1\nCall-ID: c\nCSeq: 1 OPTIONS\nX: a\n  b\n\n');
    const wire = serialize(m);
    m.compact();
    assert.deepEqual(serialize(m), wire);
    assert.equal(m.header('x'), 'a b');
    assert.deepEqual(serialize(m), wire);
  });

  it('packs the Content-Length serialize would add to a message without one', () => {
    const m = parsed('BYE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@example.com>;tag=2\r\nFrom: <sip:a@example.com>;tag=1\r\nCall-ID: c\r\nCSeq: 2 BYE\r\n\r\n');
    assert.equal(m.header('content-length'), undefined);
    const wire = serialize(m);
    assert.match(wire.toString('latin1'), /\r\nContent-Length: 0\r\n\r\n$/);
    m.compact();
    assert.deepEqual(serialize(m), wire);
    assert.equal(m.header('content-length'), '0');
    assert.deepEqual(serialize(m), wire);
  });

  it('a message changed after compact() serializes the change', () => {
    const m = parsed(INVITE);
    m.compact();
    m.setHeader('Max-Forwards', 69);
    m.compact();
    m.addHeader('Record-Route', '<sip:p.example.com;lr>', 'first');
    const text = serialize(m).toString('latin1');
    assert.match(text, /\r\nMax-Forwards: 69\r\n/);
    assert.match(text, /\r\nRecord-Route: <sip:p\.example\.com;lr>\r\n/);
    const again = parse(serialize(m));
    assert.ok(again.ok);
    assert.equal(again.message.maxForwards, 69);
  });

  it('compact() twice changes nothing', () => {
    const m = parsed(INVITE);
    const wire = serialize(m);
    m.compact().compact();
    assert.deepEqual(serialize(m), wire);
  });
});
