import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponse, parse, type SipRequest } from '../../../../src/sip/message/index.js';
import { ackLookupKeys, cancelTargetKey, serverKey } from '../../../../src/sip/transaction/index.js';
import { RecordingUser, Sink, addr, layer, makeRequest, rig } from './helpers.js';

const A = addr('127.0.0.1');
const B = addr('127.0.0.2');

/** An RFC 2543 INVITE: top Via without the magic cookie. */
function rfc2543(method: string, extra = ''): string {
  return [
    `${method} sip:bob@127.0.0.2 SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5060${extra}`,
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:bob@example.com>',
    'Call-ID: old-style@127.0.0.1',
    `CSeq: 7 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function parsed(text: string): SipRequest {
  const r = parse(Buffer.from(text));
  assert.ok(r.ok);
  assert.equal(r.message.kind, 'request');
  return r.message as SipRequest;
}

describe('transaction matching keys (§17.1.3, §17.2.3, §9.2)', () => {
  it('RFC 3261 branch: branch + sent-by + method; ACK and CANCEL find the INVITE', () => {
    const inv = makeRequest('INVITE', { from: A, to: B, branch: 'z9hG4bKabc' });
    const ack = makeRequest('ACK', { from: A, to: B, branch: 'z9hG4bKabc', toTag: 'x' });
    const cancel = makeRequest('CANCEL', { from: A, to: B, branch: 'z9hG4bKabc' });
    assert.deepEqual(ackLookupKeys(ack), [serverKey(inv)]);
    assert.equal(cancelTargetKey(cancel), serverKey(inv));
    assert.notEqual(serverKey(cancel), serverKey(inv), 'the CANCEL has its own transaction');
    const otherHost = makeRequest('INVITE', { from: addr('127.0.0.3'), to: B, branch: 'z9hG4bKabc' });
    assert.notEqual(serverKey(otherHost), serverKey(inv), 'sent-by is part of the match');
    const implicitPort = parsed(rfc2543('INVITE', ';branch=z9hG4bKabc').replace('127.0.0.1:5060', '127.0.0.1'));
    assert.equal(serverKey(implicitPort), serverKey(inv), 'absent port = 5060');
  });

  it('RFC 2543: Request-URI, tags, Call-ID, CSeq and top Via; a received param does not change the key', () => {
    const inv = parsed(rfc2543('INVITE'));
    const stamped = parsed(rfc2543('INVITE', ';received=10.1.1.1'));
    assert.equal(serverKey(inv), serverKey(stamped));
    const otherCseq = parsed(rfc2543('INVITE').replace('CSeq: 7', 'CSeq: 8'));
    assert.notEqual(serverKey(otherCseq), serverKey(inv));
    const otherUri = parsed(rfc2543('INVITE').replace('sip:bob@127.0.0.2 ', 'sip:carol@127.0.0.2 '));
    assert.notEqual(serverKey(otherUri), serverKey(inv));
    const cancel = parsed(rfc2543('CANCEL'));
    assert.equal(cancelTargetKey(cancel), serverKey(inv));
  });
});

describe('matching in the transaction layer', () => {
  function server() {
    const r = rig();
    const tu = new RecordingUser();
    const l = layer(r.serverT, r.clock, tu);
    const peer = new Sink();
    r.clientT.attach(peer);
    const inject = (text: string) => {
      r.net.inject(r.clientAddr, r.serverAddr, text);
      r.clock.advance(0);
    };
    return { ...r, tu, l, peer, inject };
  }

  it('RFC 2543 fallback: retransmitted INVITE matches, the ACK matches by the To tag of the response sent', () => {
    const s = server();
    s.inject(rfc2543('INVITE'));
    s.inject(rfc2543('INVITE'));
    assert.equal(s.tu.requests.length, 1);
    const tx = s.tu.requests[0][0];
    tx.respond(createResponse(tx.request, 486, { toTag: 'srv9' }));
    s.clock.advance(0);
    // An ACK with a different To tag is not for this transaction: it goes to the TU.
    s.inject(rfc2543('ACK').replace('To: <sip:bob@example.com>', 'To: <sip:bob@example.com>;tag=other').replace('CSeq: 7 ACK', 'CSeq: 7 ACK'));
    assert.equal(tx.state, 'Completed');
    assert.equal(s.tu.acks.length, 1);
    s.inject(rfc2543('ACK').replace('To: <sip:bob@example.com>', 'To: <sip:bob@example.com>;tag=srv9'));
    assert.equal(tx.state, 'Confirmed');
    assert.equal(s.tu.acks.length, 1, 'the matching ACK was absorbed');
  });

  it('RFC 2543 fallback for non-INVITE requests', () => {
    const s = server();
    s.inject(rfc2543('OPTIONS'));
    s.inject(rfc2543('OPTIONS'));
    assert.equal(s.tu.requests.length, 1);
    s.inject(rfc2543('OPTIONS').replace('CSeq: 7', 'CSeq: 9'));
    assert.equal(s.tu.requests.length, 2);
  });

  it('finds the INVITE a CANCEL refers to (§9.2), RFC 3261 and RFC 2543 style', () => {
    const s = server();
    const inv = makeRequest('INVITE', { from: s.clientAddr, to: s.serverAddr });
    void s.clientT.send(inv, s.serverAddr);
    s.clock.advance(0);
    const cancel = makeRequest('CANCEL', { from: s.clientAddr, to: s.serverAddr, branch: inv.topVia.branch });
    void s.clientT.send(cancel, s.serverAddr);
    s.clock.advance(0);
    assert.equal(s.tu.requests.length, 2);
    const [[ist], [cancelTx, cancelRx]] = s.tu.requests;
    assert.equal(cancelTx.kind, 'nist');
    assert.equal(s.l.findInviteForCancel(cancelRx.message as SipRequest), ist);
    const stray = makeRequest('CANCEL', { from: s.clientAddr, to: s.serverAddr, branch: 'z9hG4bKnothing' });
    assert.equal(s.l.findInviteForCancel(stray), undefined);

    s.inject(rfc2543('INVITE'));
    s.inject(rfc2543('CANCEL'));
    const old = s.tu.requests[2][0];
    const oldCancel = s.tu.requests[3][1].message as SipRequest;
    assert.equal(s.l.findInviteForCancel(oldCancel), old);
  });
});
