import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponse, type SipRequest } from '../../../../src/sip/message/index.js';
import { RecordingUser, Sink, isStatus, layer, makeRequest, rig, sendTimes, settle } from './helpers.js';

function setup(kind: 'udp' | 'tcp' = 'udp') {
  const r = rig(kind);
  const tu = new RecordingUser();
  const server = layer(r.serverT, r.clock, tu);
  const peer = new Sink();
  r.clientT.attach(peer);
  const req = makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr });
  const send = (m: SipRequest = req) => {
    void r.clientT.send(m, r.serverAddr);
    r.clock.advance(0);
  };
  send();
  return { ...r, tu, server, peer, req, send, tx: tu.requests[0][0] };
}

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('Trying: the request goes to the TU once and retransmissions are discarded', () => {
    const s = setup();
    assert.equal(s.tx.kind, 'nist');
    assert.equal(s.tx.state, 'Trying');
    s.send();
    s.send();
    assert.equal(s.tu.requests.length, 1);
    assert.equal(s.peer.messages.length, 0);
    s.clock.advance(1000);
    assert.equal(s.peer.messages.length, 0, 'no automatic 100 for non-INVITE');
  });

  it('Proceeding: a retransmission gets the latest provisional', () => {
    const s = setup();
    s.tx.respond(createResponse(s.req, 100));
    assert.equal(s.tx.state, 'Proceeding');
    s.send();
    assert.deepEqual(s.peer.responses().map((r) => r.status), [100, 100]);
  });

  it('Completed: retransmissions get the final response, later finals are discarded, Timer J = 64·T1', () => {
    const s = setup();
    s.tx.respond(createResponse(s.req, 200, { toTag: 'x' }));
    assert.equal(s.tx.state, 'Completed');
    s.send();
    s.clock.advance(10_000);
    s.send();
    assert.deepEqual(sendTimes(s.net, isStatus(200)), [0, 0, 10_000]);
    assert.equal(s.tx.respond(createResponse(s.req, 500)), false);
    assert.equal(s.tx.respond(createResponse(s.req, 180)), false);
    s.clock.advance(21_999);
    assert.equal(s.tx.state, 'Completed');
    s.clock.advance(1);
    assert.equal(s.tx.state, 'Terminated');
    assert.equal(s.server.size, 0);
    assert.equal(s.tu.terminated.length, 1);
    s.send();
    assert.equal(s.tu.requests.length, 2, 'after Timer J the request starts a new transaction');
  });

  it('Completed: the kept request and response are packed once the response is sent, and a retransmission gets the same bytes', async () => {
    const s = setup();
    const res = createResponse(s.req, 200, { toTag: 'x' });
    s.tx.respond(res);
    assert.equal(res.packedHeaderLines, undefined, 'not before the send has been made (the trace reads it)');
    await settle();
    assert.equal(typeof res.packedHeaderLines, 'string');
    assert.equal(typeof s.tx.request.packedHeaderLines, 'string');
    s.send();
    const sent = s.net.sent((e) => e.message?.kind === 'response').map((e) => e.bytes);
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1], sent[0]);
    assert.equal(typeof res.packedHeaderLines, 'string', 'sent again without unpacking');
    assert.equal(s.tx.request.callId, s.req.callId, 'the request still reads (unpacked on use)');
  });

  it('reliable transport: Timer J = 0', () => {
    const s = setup('tcp');
    s.tx.respond(createResponse(s.req, 200, { toTag: 'x' }));
    assert.equal(s.tx.state, 'Terminated');
    assert.equal(s.server.size, 0);
  });

  it('a transport error informs the TU and terminates', async () => {
    const s = setup();
    s.net.setFault(s.serverAddr, '*', { failNext: 1 });
    s.tx.respond(createResponse(s.req, 100));
    await settle();
    assert.equal(s.tu.transportErrors.length, 1);
    assert.equal(s.tx.state, 'Terminated');
  });
});
