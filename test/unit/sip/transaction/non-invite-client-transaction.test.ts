import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResponse } from '../../../../src/sip/message/index.js';
import { ClientRecorder, RecordingUser, Sink, isMethod, layer, makeRequest, rig, sendTimes, settle } from './helpers.js';

function setup(kind: 'udp' | 'tcp' = 'udp', options = {}) {
  const r = rig(kind);
  const tu = new RecordingUser();
  const client = layer(r.clientT, r.clock, tu, options);
  const peer = new Sink();
  r.serverT.attach(peer);
  const rec = new ClientRecorder();
  const res = client.createClientTransaction(makeRequest('REGISTER', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr, rec);
  assert.ok(res.ok);
  const answer = (status: number) => {
    const req = peer.requests('REGISTER').at(-1)!;
    void r.serverT.send(createResponse(req, status, { toTag: 'reg' }), r.clientAddr);
    r.clock.advance(0);
  };
  r.clock.advance(0);
  return { ...r, tu, client, peer, rec, tx: res.value, answer };
}

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('Trying: Timer E doubles from T1 and caps at T2; Timer F times out at 64·T1', () => {
    const s = setup();
    s.clock.advance(40_000);
    assert.deepEqual(sendTimes(s.net, isMethod('REGISTER')), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(s.rec.timeouts, 1);
    assert.equal(s.tx.state, 'Terminated');
    assert.equal(s.client.size, 0);
  });

  it('honours configured T1 and T2', () => {
    const s = setup('udp', { t1: 100, t2: 400 });
    s.clock.advance(7000);
    // E: 100, 200, 400, 400 …; F at 64·100 = 6400.
    const times = sendTimes(s.net, isMethod('REGISTER'));
    assert.deepEqual(times.slice(0, 6), [0, 100, 300, 700, 1100, 1500]);
    assert.equal(times.at(-1), 6300);
    assert.equal(s.rec.timeouts, 1);
  });

  it('Proceeding: a provisional goes to the TU and Timer E then fires every T2', () => {
    const s = setup();
    s.clock.advance(600); // retransmitted at 500; E is due at 1500
    s.answer(100);
    assert.equal(s.tx.state, 'Proceeding');
    s.clock.advance(10_000);
    assert.deepEqual(sendTimes(s.net, isMethod('REGISTER')), [0, 500, 1500, 5500, 9500]);
    assert.deepEqual(s.rec.statuses, [100]);
  });

  it('Timer F also fires in Proceeding', () => {
    const s = setup();
    s.answer(100);
    s.clock.advance(32_000);
    assert.equal(s.rec.timeouts, 1);
    assert.equal(s.tx.state, 'Terminated');
  });

  it('Completed: the final goes to the TU once, retransmissions are absorbed, Timer K = T4', () => {
    const s = setup();
    s.answer(100);
    s.answer(200);
    assert.equal(s.tx.state, 'Completed');
    s.answer(200);
    s.answer(200);
    assert.deepEqual(s.rec.statuses, [100, 200]);
    s.clock.advance(4999);
    assert.equal(s.tx.state, 'Completed');
    assert.deepEqual(sendTimes(s.net, isMethod('REGISTER')), [0], 'no retransmission after the final');
    s.clock.advance(1);
    assert.equal(s.tx.state, 'Terminated');
    assert.equal(s.rec.terminated, 1);
    assert.equal(s.client.size, 0);
  });

  it('reliable transport: no Timer E, Timer K = 0', () => {
    const s = setup('tcp');
    s.clock.advance(10_000);
    assert.deepEqual(sendTimes(s.net, isMethod('REGISTER')), [0]);
    s.answer(401);
    assert.equal(s.tx.state, 'Terminated');
    assert.deepEqual(s.rec.statuses, [401]);
  });

  it('a transport error informs the TU and terminates (§17.1.4)', async () => {
    const r = rig();
    const client = layer(r.clientT, r.clock, new RecordingUser());
    r.net.setFault(r.clientAddr, '*', { failAll: true });
    const rec = new ClientRecorder();
    const res = client.createClientTransaction(makeRequest('OPTIONS', { from: r.clientAddr, to: r.serverAddr }), r.serverAddr, rec);
    assert.ok(res.ok);
    await settle();
    assert.equal(rec.transportErrors.length, 1);
    assert.equal(res.value.state, 'Terminated');
    assert.equal(rec.terminated, 1);
  });

  it('a failed retransmission also ends the transaction', async () => {
    const s = setup();
    s.net.setFault(s.clientAddr, s.serverAddr, { failNext: 1 });
    s.clock.advance(500);
    await settle();
    assert.equal(s.rec.transportErrors.length, 1);
    assert.equal(s.tx.state, 'Terminated');
  });
});
