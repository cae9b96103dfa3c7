import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponse } from '../../../../src/sip/message/index.js';
import type { ClientTransaction } from '../../../../src/sip/transaction/index.js';
import { ClientRecorder, RecordingUser, Sink, isMethod, layer, makeRequest, rig, sendTimes, settle } from './helpers.js';

/** A client layer talking to a bare peer that records and answers by hand. */
function setup(kind: 'udp' | 'tcp' = 'udp') {
  const r = rig(kind);
  const tu = new RecordingUser();
  const client = layer(r.clientT, r.clock, tu);
  const peer = new Sink();
  r.serverT.attach(peer);
  const rec = new ClientRecorder();
  const invite = makeRequest('INVITE', { from: r.clientAddr, to: r.serverAddr, headers: [['Route', '<sip:proxy.example.com;lr>']] });
  const res = client.createClientTransaction(invite, r.serverAddr, rec);
  assert.ok(res.ok);
  const tx = res.value as ClientTransaction;
  /** The peer answers the last INVITE it received with `status`. */
  const answer = (status: number, toTag = 'srvtag') => {
    const inv = peer.requests('INVITE').at(-1)!;
    void r.serverT.send(createResponse(inv, status, { toTag }), r.clientAddr);
    r.clock.advance(0);
  };
  r.clock.advance(0);
  return { ...r, tu, client, peer, rec, invite, tx, answer };
}

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('Calling: Timer A doubles from T1 and Timer B times out at 64·T1 on UDP', () => {
    const s = setup();
    s.clock.advance(40_000);
    // Sent at 0, then A fires at 500, 1500, 3500, 7500, 15500, 31500 (intervals 500·2^n).
    assert.deepEqual(sendTimes(s.net, isMethod('INVITE')), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(s.rec.timeouts, 1);
    assert.equal(s.rec.terminated, 1);
    assert.equal(s.tx.state, 'Terminated');
    assert.equal(s.client.size, 0);
    assert.equal(s.peer.requests('INVITE').length, 7, 'every copy crossed the loop as bytes');
  });

  it('Timer B fires at exactly 64·T1', () => {
    const s = setup();
    s.clock.advance(31_999);
    assert.equal(s.rec.timeouts, 0);
    s.clock.advance(1);
    assert.equal(s.rec.timeouts, 1);
  });

  it('does not run Timer A on a reliable transport, but Timer B still fires', () => {
    const s = setup('tcp');
    s.clock.advance(40_000);
    assert.deepEqual(sendTimes(s.net, isMethod('INVITE')), [0]);
    assert.equal(s.rec.timeouts, 1);
  });

  it('Proceeding: a provisional stops retransmissions and Timer B; the TU sees each provisional', () => {
    const s = setup();
    s.clock.advance(600);
    s.answer(100);
    s.answer(180);
    assert.equal(s.tx.state, 'Proceeding');
    s.clock.advance(60_000);
    assert.deepEqual(sendTimes(s.net, isMethod('INVITE')), [0, 500]);
    assert.equal(s.rec.timeouts, 0);
    assert.deepEqual(s.rec.statuses, [100, 180]);
    assert.equal(s.tx.state, 'Proceeding');
  });

  it('Completed: builds and sends the ACK for a non-2xx (§17.1.1.3), absorbs retransmissions, Timer D = 32 s', () => {
    const s = setup();
    s.answer(180);
    s.answer(486);
    assert.equal(s.tx.state, 'Completed');
    assert.deepEqual(s.rec.statuses, [180, 486]);
    const acks = s.peer.requests('ACK');
    assert.equal(acks.length, 1);
    const ack = acks[0];
    assert.equal(ack.uri.toString(), s.invite.uri.toString());
    assert.equal(ack.vias.length, 1);
    assert.equal(ack.topVia.branch, s.invite.topVia.branch);
    assert.equal(ack.callId, s.invite.callId);
    assert.equal(ack.from.tag, s.invite.from.tag);
    assert.equal(ack.to.tag, 'srvtag', 'To comes from the response');
    assert.equal(ack.cseq.seq, s.invite.cseq.seq);
    assert.equal(ack.cseq.method, 'ACK');
    assert.deepEqual(ack.headerValues('route'), ['<sip:proxy.example.com;lr>']);

    // A retransmitted final response re-sends the ACK and is not passed up.
    s.answer(486);
    assert.equal(s.peer.requests('ACK').length, 2);
    assert.deepEqual(s.rec.statuses, [180, 486]);

    s.clock.advance(31_999);
    assert.equal(s.tx.state, 'Completed');
    s.clock.advance(1);
    assert.equal(s.tx.state, 'Terminated');
    assert.equal(s.client.size, 0);
    // After termination the same response matches nothing: it goes to the TU as stray.
    s.answer(486);
    assert.equal(s.tu.strays.length, 1);
  });

  it('Completed on a reliable transport terminates at once (Timer D = 0)', () => {
    const s = setup('tcp');
    s.answer(503);
    assert.equal(s.tx.state, 'Terminated');
    assert.equal(s.peer.requests('ACK').length, 1);
    assert.equal(s.client.size, 0);
  });

  it('the ACK goes on the connection the INVITE used', async () => {
    const s = setup('tcp');
    await settle();
    const conn = s.net.log[0].connectionId;
    assert.ok(conn !== undefined);
    assert.equal(s.tx.destination.connectionId, conn);
    s.answer(404);
    const ackEntry = s.net.log.find((e) => e.message?.kind === 'request' && e.message.method === 'ACK');
    assert.equal(ackEntry?.connectionId, conn);
  });

  it('Accepted: a 2xx moves to Accepted, every 2xx goes to the TU, no ACK is generated, Timer M ends it', () => {
    const s = setup();
    s.answer(180);
    s.answer(200);
    assert.equal(s.tx.state, 'Accepted');
    s.answer(200);
    s.answer(200, 'fork2');
    assert.deepEqual(s.rec.statuses, [180, 200, 200, 200]);
    assert.equal(s.peer.requests('ACK').length, 0, 'the ACK for a 2xx is the TU’s job');
    s.answer(486);
    assert.deepEqual(s.rec.statuses, [180, 200, 200, 200], 'non-2xx in Accepted is ignored');
    s.clock.advance(32_000);
    assert.equal(s.tx.state, 'Terminated');
    s.answer(200);
    assert.equal(s.tu.strays.length, 1, '2xx after Timer M goes to the TU as stray');
    assert.deepEqual(sendTimes(s.net, isMethod('INVITE')), [0], 'no retransmission after the 2xx');
  });

  it('a 2xx straight from Calling also enters Accepted', () => {
    const s = setup();
    s.answer(200);
    assert.equal(s.tx.state, 'Accepted');
    assert.deepEqual(s.rec.statuses, [200]);
  });

  it('a transport error in Calling informs the TU (treated as 503) and terminates', async () => {
    const r = rig();
    const tu = new RecordingUser();
    const client = layer(r.clientT, r.clock, tu);
    r.net.setFault(r.clientAddr, r.serverAddr, { failNext: 1 });
    const rec = new ClientRecorder();
    const res = client.createClientTransaction(makeRequest('INVITE', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr, rec);
    assert.ok(res.ok);
    await settle();
    assert.equal(rec.transportErrors.length, 1);
    assert.equal(rec.transportErrors[0].code, 'SIP_TRANSPORT_SEND');
    assert.equal(res.value.state, 'Terminated');
    assert.equal(client.size, 0);
    r.clock.advance(40_000);
    assert.equal(rec.timeouts, 0, 'no timeout after the transport error');
  });

  it('a refused TCP connection is a transport error', async () => {
    const r = rig('tcp');
    const client = layer(r.clientT, r.clock, new RecordingUser());
    const rec = new ClientRecorder();
    const nowhere = { transport: 'tcp' as const, host: '127.0.0.9', port: 5060 };
    client.createClientTransaction(makeRequest('INVITE', { from: r.clientAddr, to: nowhere }), nowhere, rec);
    await settle();
    assert.equal(rec.transportErrors[0]?.code, 'SIP_TRANSPORT_CONNECT');
  });

  it('a response for the same branch but another CSeq method does not match (§17.1.3)', () => {
    const s = setup();
    const inv = s.peer.requests('INVITE')[0];
    const other = createResponse(inv, 200, { toTag: 'x' });
    other.setHeader('CSeq', `${inv.cseq.seq} CANCEL`);
    void s.serverT.send(other, s.clientAddr);
    s.clock.advance(0);
    assert.deepEqual(s.rec.statuses, []);
    assert.equal(s.tu.strays.length, 1);
  });
});
