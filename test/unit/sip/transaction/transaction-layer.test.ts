import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../../src/lib/index.js';
import { createResponse, type SipRequest } from '../../../../src/sip/message/index.js';
import { LoopNetwork } from '../../../../src/sip/transport/index.js';
import { resolveTimers } from '../../../../src/sip/transaction/index.js';
import { ClientRecorder, RecordingUser, Sink, addr, isMethod, isStatus, layer, makeRequest, rig, sendTimes } from './helpers.js';

describe('TransactionLayer', () => {
  it('bounds live transactions: a full table refuses new server transactions and tells the TU', () => {
    const r = rig();
    const tu = new RecordingUser();
    const server = layer(r.serverT, r.clock, tu, { maxTransactions: 3 });
    for (let i = 0; i < 5; i++) void r.clientT.send(makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr, cseq: i + 1 }), r.serverAddr);
    r.clock.advance(0);
    assert.equal(tu.requests.length, 3);
    assert.equal(tu.overloads.length, 2);
    assert.equal(server.size, 3);
    assert.deepEqual(server.stats(), { client: 0, server: 3, refused: 2 });
    // The TU answers the refused one statelessly; the table does not grow.
    const refused = tu.overloads[0].message as SipRequest;
    assert.equal(refused.topVia.received, undefined, 'sent-by equals the source: no received');
    // Retransmissions of live transactions are still matched while full.
    void r.clientT.send(tu.requests[0][1].message, r.serverAddr);
    r.clock.advance(0);
    assert.equal(tu.overloads.length, 2);
    // Once transactions end, new ones are accepted again.
    tu.requests[0][0].respond(createResponse(tu.requests[0][0].request, 200, { toTag: 'x' }));
    r.clock.advance(32_000);
    assert.equal(server.size, 2);
    void r.clientT.send(makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr, cseq: 99 }), r.serverAddr);
    r.clock.advance(0);
    assert.equal(tu.requests.length, 4);
  });

  it('wait: finished transactions (Timers J, L, M) stay that long instead of 64·T1 when configured', () => {
    const r = rig();
    const tu = new RecordingUser();
    const server = layer(r.serverT, r.clock, tu, { wait: 5000 });
    const client = layer(r.clientT, r.clock, new RecordingUser(), { wait: 5000 });
    const rec = new ClientRecorder();
    assert.ok(client.createClientTransaction(makeRequest('INVITE', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr, rec).ok);
    void r.clientT.send(makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr);
    r.clock.advance(0);
    for (const [tx] of tu.requests) tx.respond(createResponse(tx.request, 200, { toTag: 'x' }));
    r.clock.advance(0);
    assert.deepEqual(rec.statuses, [200]);
    assert.equal(server.size, 2, 'IST in Accepted (Timer L), NIST in Completed (Timer J)');
    assert.equal(client.size, 1, 'ICT in Accepted (Timer M)');
    r.clock.advance(4999);
    assert.equal(server.size + client.size, 3);
    r.clock.advance(1);
    assert.equal(server.size + client.size, 0, 'all three ended after 5 s, not 32 s');
  });

  it('terminateAll ends every transaction and cancels its timers (shutdown)', () => {
    const r = rig();
    const tu = new RecordingUser();
    const server = layer(r.serverT, r.clock, tu);
    const client = layer(r.clientT, r.clock, new RecordingUser());
    const rec = new ClientRecorder();
    assert.ok(client.createClientTransaction(makeRequest('INVITE', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr, rec).ok);
    void r.clientT.send(makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr);
    r.clock.advance(0);
    // The OPTIONS answered: its server transaction waits Timer J (64·T1) in Completed.
    const options = tu.requests.map(([tx]) => tx).find((tx) => tx.request.method === 'OPTIONS');
    assert.ok(options);
    options.respond(createResponse(options.request, 200, { toTag: 'x' }));
    r.clock.advance(0);
    assert.equal(server.size, 2, 'the INVITE (ringing nowhere) and the completed OPTIONS');
    assert.equal(client.size, 1);
    assert.ok(r.clock.pending() > 0);
    assert.equal(server.terminateAll(), 2);
    assert.equal(client.terminateAll(), 1);
    assert.equal(server.size + client.size, 0);
    assert.equal(r.clock.pending(), 0, 'no timer left: no retransmission, nothing holds the event loop');
    r.clock.advance(64_000);
    assert.equal(rec.timeouts, 0, 'the ended client transaction never reports a timeout');
  });

  it('refuses client transactions when full, for ACK, without an RFC 3261 branch, and for duplicates', () => {
    const r = rig();
    const client = layer(r.clientT, r.clock, new RecordingUser(), { maxTransactions: 1 });
    const rec = new ClientRecorder();
    const first = makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr });
    assert.ok(client.createClientTransaction(first, r.serverAddr, rec).ok);
    const dup = client.createClientTransaction(first, r.serverAddr, rec);
    assert.equal(!dup.ok && dup.error.code, 'SIP_TX_DUPLICATE');
    const full = client.createClientTransaction(makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr, rec);
    assert.equal(!full.ok && full.error.code, 'SIP_TX_OVERLOAD');
    const ack = client.createClientTransaction(makeRequest('ACK', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr, rec);
    assert.equal(!ack.ok && ack.error.code, 'SIP_TX_ACK');
    const old = client.createClientTransaction(makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr, branch: 'abc' }), r.serverAddr, rec);
    assert.equal(!old.ok && old.error.code, 'SIP_TX_BRANCH');
    assert.equal(client.size, 1);
  });

  it('stamps received and rport on requests passed up, and answers to the NAT source (RFC 3581)', () => {
    const clock = new ManualClock();
    const net = new LoopNetwork(clock);
    const inside = addr('127.0.0.1');
    const nat = addr('127.0.0.100', 'udp', 40000);
    const srvAddr = addr('127.0.0.2');
    const clientT = net.endpoint(inside, { publicAddress: nat });
    const serverT = net.endpoint(srvAddr);
    const peer = new Sink();
    clientT.attach(peer);
    const tu = new RecordingUser();
    layer(serverT, clock, tu);
    void clientT.send(makeRequest('OPTIONS', { from: inside, to: srvAddr, rport: true }), srvAddr);
    clock.advance(0);
    const [tx, rx] = tu.requests[0];
    assert.equal(rx.message.kind === 'request' && rx.message.topVia.received, '127.0.0.100');
    assert.equal(rx.message.kind === 'request' && rx.message.topVia.rport, 40000);
    assert.deepEqual(tx.responseDestination, { transport: 'udp', host: '127.0.0.100', port: 40000, local: srvAddr });
    tx.respond(createResponse(tx.request, 200, { toTag: 'x' }));
    clock.advance(0);
    const res = peer.responses(200)[0];
    assert.equal(res.topVia.received, '127.0.0.100');
    assert.equal(res.topVia.rport, 40000);
  });

  it('passes unmatched responses and invalid messages to the TU', () => {
    const r = rig();
    const tu = new RecordingUser();
    layer(r.clientT, r.clock, tu);
    const req = makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr });
    void r.serverT.send(createResponse(req, 200, { toTag: 'x' }), r.clientAddr);
    r.net.inject(r.serverAddr, r.clientAddr, 'this is not SIP\r\n\r\n');
    r.clock.advance(0);
    assert.equal(tu.strays.length, 1);
    assert.equal(tu.invalid.length, 1);
  });
});

describe('client and server layers end to end over the loop (real bytes)', () => {
  function pair() {
    const r = rig();
    const clientTu = new RecordingUser();
    const serverTu = new RecordingUser();
    const client = layer(r.clientT, r.clock, clientTu);
    const server = layer(r.serverT, r.clock, serverTu);
    return { ...r, clientTu, serverTu, client, server };
  }

  it('non-INVITE: lost requests are retransmitted (Timer E), the TU sees one request and one final', () => {
    const p = pair();
    p.serverTu.onRequestHandler = (tx) => tx.respond(createResponse(tx.request, 200, { toTag: 's' }));
    p.net.setFault(p.clientAddr, p.serverAddr, { dropNext: 2 });
    const rec = new ClientRecorder();
    p.client.createClientTransaction(makeRequest('REGISTER', { from: p.clientAddr, to: p.serverAddr }), p.serverAddr, rec);
    p.clock.advance(5000);
    assert.deepEqual(sendTimes(p.net, isMethod('REGISTER')), [0, 500, 1500]);
    assert.deepEqual(rec.statuses, [200]);
    assert.equal(p.serverTu.requests.length, 1);
    p.clock.advance(40_000);
    assert.equal(p.client.size + p.server.size, 0);
  });

  it('non-INVITE: a lost final is recovered from the server’s Completed state', () => {
    const p = pair();
    p.serverTu.onRequestHandler = (tx) => tx.respond(createResponse(tx.request, 200, { toTag: 's' }));
    p.net.setFault(p.serverAddr, p.clientAddr, { dropNext: 1 });
    const rec = new ClientRecorder();
    p.client.createClientTransaction(makeRequest('OPTIONS', { from: p.clientAddr, to: p.serverAddr }), p.serverAddr, rec);
    p.clock.advance(1000);
    assert.deepEqual(sendTimes(p.net, isStatus(200)), [0, 500], 'the retransmitted request got the final again');
    assert.deepEqual(rec.statuses, [200]);
    assert.equal(p.serverTu.requests.length, 1);
  });

  it('INVITE rejected with duplicates and delay: TU sees each response once, ACK absorbed by the server', () => {
    const p = pair();
    p.net.setFault(p.clientAddr, p.serverAddr, { duplicate: 1, delayMs: 30 });
    p.net.setFault(p.serverAddr, p.clientAddr, { duplicate: 2, delayMs: 30 });
    p.serverTu.onRequestHandler = (tx) => {
      p.clock.setTimer(300, () => tx.respond(createResponse(tx.request, 486, { toTag: 'busy' })));
    };
    const rec = new ClientRecorder();
    p.client.createClientTransaction(makeRequest('INVITE', { from: p.clientAddr, to: p.serverAddr }), p.serverAddr, rec);
    p.clock.advance(2000);
    // Every copy of a provisional goes up (§17.1.1.2); the final goes up once.
    assert.deepEqual(rec.statuses, [100, 100, 100, 486], 'auto 100 at 200 ms (1 + 2 duplicates), then 486 once');
    assert.equal(p.serverTu.requests.length, 1);
    assert.equal(p.serverTu.acks.length, 0);
    assert.equal(p.serverTu.requests[0][0].state, 'Confirmed');
    p.clock.advance(40_000);
    assert.equal(p.client.size + p.server.size, 0);
    assert.equal(p.serverTu.timeouts.length, 0);
  });

  it('INVITE accepted: 2xx to the client TU, its ACK (new branch) reaches the server TU', () => {
    const p = pair();
    p.serverTu.onRequestHandler = (tx) => tx.respond(createResponse(tx.request, 200, { toTag: 'ok' }));
    const rec = new ClientRecorder();
    const inv = makeRequest('INVITE', { from: p.clientAddr, to: p.serverAddr });
    p.client.createClientTransaction(inv, p.serverAddr, rec);
    p.clock.advance(0);
    assert.deepEqual(rec.statuses, [200]);
    const ack = makeRequest('ACK', { from: p.clientAddr, to: p.serverAddr, toTag: 'ok' });
    void p.clientT.send(ack, p.serverAddr);
    p.clock.advance(0);
    assert.equal(p.serverTu.acks.length, 1);
    assert.equal(p.serverTu.acks[0][1], undefined);
  });

  it('random loss: every OPTIONS completes once despite 30% drop each way', () => {
    const clock = new ManualClock();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const net = new LoopNetwork(clock, { random });
    const a = addr('127.0.0.1');
    const b = addr('127.0.0.2');
    const at = net.endpoint(a);
    const bt = net.endpoint(b);
    const serverTu = new RecordingUser();
    serverTu.onRequestHandler = (tx) => tx.respond(createResponse(tx.request, 200, { toTag: 's' }));
    const client = layer(at, clock, new RecordingUser());
    layer(bt, clock, serverTu);
    net.setFault('*', '*', { dropProbability: 0.3 });
    const recs = Array.from({ length: 20 }, () => new ClientRecorder());
    recs.forEach((rec, i) => client.createClientTransaction(makeRequest('OPTIONS', { from: a, to: b, cseq: i + 1 }), b, rec));
    clock.advance(64_000);
    assert.ok(net.log.some((e) => e.outcome === 'dropped'));
    for (const rec of recs) assert.ok(rec.statuses.length + rec.timeouts === 1 && rec.statuses.every((s) => s === 200));
    assert.ok(recs.filter((r) => r.statuses.length === 1).length >= 18);
    const seqs = serverTu.requests.map(([tx]) => tx.request.cseq.seq);
    assert.equal(new Set(seqs).size, seqs.length, 'no retransmission reached the server TU twice');
  });
});

describe('resolveTimers', () => {
  it('wait defaults to 64·T1 and Timer D to 32 s; a configured wait also sets Timer D unless D is given', () => {
    assert.deepEqual(resolveTimers(), { t1: 500, t2: 4000, t4: 5000, timerD: 32_000, wait: 32_000 });
    assert.equal(resolveTimers({ t1: 200 }).wait, 12_800);
    assert.equal(resolveTimers({ t1: 200 }).timerD, 32_000, '§17.1.1.2: Timer D is at least 32 s, not 64·T1');
    assert.deepEqual(resolveTimers({ wait: 5000 }), { t1: 500, t2: 4000, t4: 5000, timerD: 5000, wait: 5000 });
    assert.equal(resolveTimers({ wait: 5000, timerD: 32_000 }).timerD, 32_000);
    for (const bad of [0, -1, Number.NaN]) assert.throws(() => resolveTimers({ wait: bad }), /wait/);
  });
});
