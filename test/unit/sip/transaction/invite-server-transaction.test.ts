import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponse, type SipRequest } from '../../../../src/sip/message/index.js';
import type { ServerTransaction } from '../../../../src/sip/transaction/index.js';
import { RecordingUser, Sink, isStatus, layer, makeRequest, rig, sendTimes, settle } from './helpers.js';

/** A server layer receiving from a bare peer that sends by hand. */
function setup(kind: 'udp' | 'tcp' = 'udp', options = {}) {
  const r = rig(kind);
  const tu = new RecordingUser();
  const server = layer(r.serverT, r.clock, tu, options);
  const peer = new Sink();
  r.clientT.attach(peer);
  const invite = makeRequest('INVITE', { from: r.clientAddr, to: r.serverAddr });
  const send = (req: SipRequest) => {
    void r.clientT.send(req, r.serverAddr);
    r.clock.advance(0);
  };
  const tx = (): ServerTransaction => tu.requests[0][0];
  const ackFor = (status: number, branch = invite.topVia.branch) => {
    const ack = makeRequest('ACK', { from: r.clientAddr, to: r.serverAddr, branch, toTag: tx().lastResponse?.to.tag });
    ack.setHeader('CSeq', `${invite.cseq.seq} ACK`);
    assert.ok(status >= 200);
    return ack;
  };
  return { ...r, tu, server, peer, invite, send, tx, ackFor };
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('sends 100 (Trying) when the TU has not answered within 200 ms, without a To tag', () => {
    const s = setup();
    s.send(s.invite);
    assert.equal(s.tu.requests.length, 1);
    assert.equal(s.tx().state, 'Proceeding');
    s.clock.advance(199);
    assert.equal(s.peer.responses(100).length, 0);
    s.clock.advance(1);
    const trying = s.peer.responses(100);
    assert.equal(trying.length, 1);
    assert.equal(trying[0].to.tag, undefined);
    assert.equal(trying[0].topVia.branch, s.invite.topVia.branch);
  });

  it('does not send 100 (Trying) when the TU answers first', () => {
    const s = setup();
    s.tu.onRequestHandler = (tx) => {
      s.clock.setTimer(150, () => tx.respond(createResponse(tx.request, 180, { toTag: 't' })));
    };
    s.send(s.invite);
    s.clock.advance(1000);
    assert.equal(s.peer.responses(100).length, 0);
    assert.equal(s.peer.responses(180).length, 1);
  });

  it('autoTrying: false never sends 100', () => {
    const s = setup('udp', { autoTrying: false });
    s.send(s.invite);
    s.clock.advance(1000);
    assert.equal(s.peer.messages.length, 0);
  });

  it('Proceeding: a retransmitted INVITE gets the latest provisional and is not passed to the TU', () => {
    const s = setup();
    s.send(s.invite);
    s.send(s.invite); // before any response: nothing to resend
    assert.equal(s.peer.messages.length, 0);
    s.tx().respond(createResponse(s.invite, 180, { toTag: 't' }));
    s.tx().respond(createResponse(s.invite, 183, { toTag: 't' }));
    s.clock.advance(0);
    s.send(s.invite);
    assert.equal(s.tu.requests.length, 1);
    assert.deepEqual(s.peer.responses().map((r) => r.status), [180, 183, 183]);
  });

  it('Completed: Timer G doubles to T2, Timer H times out at 64·T1 and informs the TU', () => {
    const s = setup();
    s.send(s.invite);
    s.tx().respond(createResponse(s.invite, 486, { toTag: 't' }));
    assert.equal(s.tx().state, 'Completed');
    s.clock.advance(40_000);
    assert.deepEqual(sendTimes(s.net, isStatus(486)), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(s.tu.timeouts.length, 1);
    assert.equal(s.tx().state, 'Terminated');
    assert.equal(s.server.size, 0);
  });

  it('Completed: a retransmitted INVITE gets the final response again; further TU responses are refused', () => {
    const s = setup();
    s.send(s.invite);
    s.tx().respond(createResponse(s.invite, 404, { toTag: 't' }));
    s.send(s.invite);
    assert.equal(s.peer.responses(404).length, 2);
    assert.equal(s.tx().respond(createResponse(s.invite, 500, { toTag: 't' })), false);
  });

  it('the ACK for a non-2xx is absorbed: Confirmed, retransmissions stop, Timer I = T4', () => {
    const s = setup();
    s.send(s.invite);
    s.tx().respond(createResponse(s.invite, 486, { toTag: 't' }));
    s.clock.advance(600); // one retransmission at 500
    s.send(s.ackFor(486));
    assert.equal(s.tx().state, 'Confirmed');
    assert.equal(s.tu.acks.length, 0, 'not passed to the TU');
    s.send(s.ackFor(486));
    assert.equal(s.tu.acks.length, 0, 'ACK retransmissions absorbed too');
    s.clock.advance(4999);
    assert.equal(s.tx().state, 'Confirmed');
    s.clock.advance(1);
    assert.equal(s.tx().state, 'Terminated');
    assert.deepEqual(sendTimes(s.net, isStatus(486)), [0, 500]);
    assert.equal(s.tu.timeouts.length, 0);
    assert.equal(s.server.size, 0);
  });

  it('reliable transport: no Timer G, the ACK terminates at once (Timer I = 0)', () => {
    const s = setup('tcp');
    s.send(s.invite);
    s.tx().respond(createResponse(s.invite, 603, { toTag: 't' }));
    s.clock.advance(10_000);
    assert.deepEqual(sendTimes(s.net, isStatus(603)), [0]);
    s.send(s.ackFor(603));
    assert.equal(s.tx().state, 'Terminated');
  });

  it('reliable transport: Timer H still fires without an ACK', () => {
    const s = setup('tcp');
    s.send(s.invite);
    s.tx().respond(createResponse(s.invite, 603, { toTag: 't' }));
    s.clock.advance(32_000);
    assert.equal(s.tu.timeouts.length, 1);
  });

  it('responses go back on the connection the INVITE came on', () => {
    const s = setup('tcp');
    s.send(s.invite);
    const conn = s.tu.requests[0][1].connectionId;
    assert.ok(conn !== undefined);
    assert.equal(s.tx().responseDestination.connectionId, conn);
    s.tx().respond(createResponse(s.invite, 180, { toTag: 't' }));
    assert.equal(s.net.log.at(-1)?.connectionId, conn);
  });

  it('Accepted: INVITE retransmissions absorbed, TU 2xx retransmissions sent, ACK to the TU, Timer L ends it', () => {
    const s = setup();
    s.send(s.invite);
    const ok = createResponse(s.invite, 200, { toTag: 't' });
    assert.equal(s.tx().respond(ok), true);
    assert.equal(s.tx().state, 'Accepted');
    s.send(s.invite);
    assert.equal(s.peer.responses(200).length, 1, 'INVITE retransmission absorbed');
    assert.equal(s.tu.requests.length, 1);
    s.clock.advance(500);
    assert.equal(s.peer.responses(200).length, 1, 'the transaction does not retransmit 2xx itself');
    assert.equal(s.tx().respond(ok), true, 'the TU retransmits the 2xx through the transaction');
    s.clock.advance(0);
    assert.equal(s.peer.responses(200).length, 2);
    assert.equal(s.tx().respond(createResponse(s.invite, 486)), false);
    // The ACK for a 2xx has its own branch: no transaction matches, it goes to the TU.
    s.send(s.ackFor(200, 'z9hG4bKnewbranchforack'));
    assert.equal(s.tu.acks.length, 1);
    assert.equal(s.tu.acks[0][1], undefined);
    // An ACK reusing the INVITE branch in Accepted is passed to the TU with the transaction.
    s.send(s.ackFor(200));
    assert.equal(s.tu.acks.length, 2);
    assert.equal(s.tu.acks[1][1], s.tx());
    s.clock.advance(32_000);
    assert.equal(s.tx().state, 'Terminated');
    assert.equal(s.server.size, 0);
    s.send(s.invite);
    assert.equal(s.tu.requests.length, 2, 'after Timer L the INVITE is new again');
  });

  it('a transport error sending a response informs the TU and terminates (§17.2.4)', async () => {
    const s = setup();
    s.send(s.invite);
    s.net.setFault(s.serverAddr, s.clientAddr, { failNext: 1 });
    s.tx().respond(createResponse(s.invite, 486, { toTag: 't' }));
    await settle();
    assert.equal(s.tu.transportErrors.length, 1);
    assert.equal(s.tx().state, 'Terminated');
    assert.equal(s.tu.terminated.length, 1);
    s.clock.advance(40_000);
    assert.equal(s.tu.timeouts.length, 0);
  });
});
