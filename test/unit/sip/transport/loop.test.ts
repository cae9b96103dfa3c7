import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../../src/lib/index.js';
import { NameAddr, SipUri, Via, createRequest, type SipRequest } from '../../../../src/sip/message/index.js';
import { LoopNetwork, type NetAddress, type ReceivedInvalid, type ReceivedMessage, type TransportUser } from '../../../../src/sip/transport/index.js';

class Inbox implements TransportUser {
  messages: ReceivedMessage[] = [];
  invalid: ReceivedInvalid[] = [];
  onMessage(rx: ReceivedMessage): void {
    this.messages.push(rx);
  }
  onInvalid(rx: ReceivedInvalid): void {
    this.invalid.push(rx);
  }
}

const A: NetAddress = { transport: 'udp', host: '127.0.0.1', port: 5060 };
const B: NetAddress = { transport: 'udp', host: '127.0.0.2', port: 5060 };

function options(n = 1, from = A): SipRequest {
  return createRequest({
    method: 'OPTIONS',
    uri: new SipUri({ scheme: 'sip', host: '127.0.0.2' }),
    via: new Via({ transport: from.transport.toUpperCase(), host: from.host, port: from.port, params: [{ name: 'branch', value: `z9hG4bK${n}` }] }),
    from: NameAddr.of(new SipUri({ scheme: 'sip', user: 'a', host: 'x' }), undefined, [{ name: 'tag', value: 't' }]),
    to: NameAddr.of(new SipUri({ scheme: 'sip', user: 'b', host: 'x' })),
    callId: 'c',
    cseq: n,
  });
}

function net() {
  const clock = new ManualClock();
  const n = new LoopNetwork(clock);
  const a = n.endpoint(A);
  const b = n.endpoint(B);
  const inboxA = new Inbox();
  const inboxB = new Inbox();
  a.attach(inboxA);
  b.attach(inboxB);
  return { clock, n, a, b, inboxA, inboxB };
}

describe('LoopTransport', () => {
  it('serializes, re-parses and delivers on the clock with the sender as source', async () => {
    const t = net();
    const msg = options();
    const result = await t.a.send(msg, B);
    assert.deepEqual(result, { ok: true, local: A });
    assert.equal(t.inboxB.messages.length, 0, 'delivery waits for the clock');
    t.clock.advance(0);
    assert.equal(t.inboxB.messages.length, 1);
    const rx = t.inboxB.messages[0];
    assert.notEqual(rx.message, msg, 'a fresh message parsed from bytes');
    assert.equal(rx.message.kind === 'request' && rx.message.method, 'OPTIONS');
    assert.deepEqual(rx.source, A);
    assert.deepEqual(rx.local, B);
    assert.equal(t.n.log[0].bytes.toString('latin1').startsWith('OPTIONS sip:127.0.0.2 SIP/2.0\r\n'), true);
    assert.equal(t.n.log[0].outcome, 'delivered');
    assert.equal(t.a.sent().length, 1);
    assert.deepEqual(t.a.localAddressFor(B), A);
    assert.equal(t.a.localAddressFor({ ...B, transport: 'tcp' }), undefined);
  });

  it('drops the next N and by probability', () => {
    const t = net();
    t.n.setFault(A, B, { dropNext: 2 });
    for (let i = 0; i < 3; i++) void t.a.send(options(i), B);
    t.clock.advance(0);
    assert.equal(t.inboxB.messages.length, 1);
    assert.deepEqual(t.n.log.map((e) => e.outcome), ['dropped', 'dropped', 'delivered']);
    const values = [0.1, 0.9];
    const seeded = new LoopNetwork(t.clock, { random: () => values.shift() ?? 0.9 });
    const a = seeded.endpoint(A);
    const inbox = new Inbox();
    seeded.endpoint(B).attach(inbox);
    seeded.setFault('*', '*', { dropProbability: 0.5 });
    void a.send(options(1), B);
    void a.send(options(2), B);
    t.clock.advance(0);
    assert.deepEqual(inbox.messages.map((m) => m.message.cseq.seq), [2]);
  });

  it('delays, duplicates and only in the faulted direction', () => {
    const t = net();
    t.n.setFault(A, B, { delayMs: 100, duplicate: 1, duplicateNext: 1 });
    void t.a.send(options(1), B);
    void t.b.send(options(2, B), A);
    t.clock.advance(99);
    assert.equal(t.inboxB.messages.length, 0);
    assert.equal(t.inboxA.messages.length, 1, 'the other direction is not affected');
    t.clock.advance(1);
    assert.equal(t.inboxB.messages.length, 3, 'original + duplicate + duplicateNext');
    assert.notEqual(t.inboxB.messages[0].message, t.inboxB.messages[1].message);
    void t.a.send(options(3), B);
    t.clock.advance(100);
    assert.equal(t.inboxB.messages.length, 5);
  });

  it('injects send failures, honouring a message filter', async () => {
    const t = net();
    t.n.setFault(A, '*', { failNext: 1, match: (m) => m.kind === 'request' && m.cseq.seq === 2 });
    const r1 = await t.a.send(options(1), B);
    const r2 = await t.a.send(options(2), B);
    const r3 = await t.a.send(options(2), B);
    assert.equal(r1.ok, true);
    assert.equal(!r2.ok && r2.error.code, 'SIP_TRANSPORT_SEND');
    assert.equal(r3.ok, true);
    t.clock.advance(0);
    assert.equal(t.inboxB.messages.length, 2);
  });

  it('unreachable: UDP is lost silently, TCP is refused; no listener of the kind is an error', async () => {
    const t = net();
    const nowhere = { ...B, host: '127.0.0.99' };
    assert.equal((await t.a.send(options(), nowhere)).ok, true);
    const tcp = await t.a.send(options(), { ...nowhere, transport: 'tcp' });
    assert.equal(!tcp.ok && tcp.error.code, 'SIP_TRANSPORT_NO_LISTENER');
    const clock = new ManualClock();
    const n = new LoopNetwork(clock);
    const c = n.endpoint({ transport: 'tcp', host: '127.0.0.1', port: 5060 });
    const refused = await c.send(options(), { transport: 'tcp', host: '127.0.0.99', port: 5060 });
    assert.equal(!refused.ok && refused.error.code, 'SIP_TRANSPORT_CONNECT');
  });

  it('stream transports: a connection id both ways, reused, and closable', async () => {
    const clock = new ManualClock();
    const n = new LoopNetwork(clock);
    const ta: NetAddress = { transport: 'tcp', host: '127.0.0.1', port: 5060 };
    const tb: NetAddress = { transport: 'tcp', host: '127.0.0.2', port: 5060 };
    const a = n.endpoint(ta);
    const b = n.endpoint(tb);
    const ia = new Inbox();
    const ib = new Inbox();
    a.attach(ia);
    b.attach(ib);
    const r = await a.send(options(1, ta), tb);
    assert.ok(r.ok && r.connectionId !== undefined);
    clock.advance(0);
    assert.equal(ib.messages[0].connectionId, r.connectionId);
    const back = await b.send(options(2, tb), { ...ta, port: 1, connectionId: r.connectionId });
    assert.ok(back.ok && back.connectionId === r.connectionId, 'the named connection is used whatever the address');
    clock.advance(0);
    assert.equal(ia.messages.length, 1);
    n.closeConnection(r.connectionId);
    const again = await a.send(options(3, ta), tb);
    assert.ok(again.ok && again.connectionId !== r.connectionId);
  });

  it('hands unparseable bytes to onInvalid', () => {
    const t = net();
    t.n.inject(A, B, 'garbage\r\n\r\n');
    t.clock.advance(0);
    assert.equal(t.inboxB.invalid.length, 1);
    assert.equal(t.inboxB.invalid[0].bytes.toString(), 'garbage\r\n\r\n');
  });

  it('a public (NAT) address is the source seen and routes back', () => {
    const clock = new ManualClock();
    const n = new LoopNetwork(clock);
    const natted = n.endpoint(A, { publicAddress: { transport: 'udp', host: '127.0.0.200', port: 40000 } });
    const ia = new Inbox();
    natted.attach(ia);
    const b = n.endpoint(B);
    const ib = new Inbox();
    b.attach(ib);
    void natted.send(options(), B);
    clock.advance(0);
    assert.deepEqual(ib.messages[0].source, { transport: 'udp', host: '127.0.0.200', port: 40000 });
    void b.send(options(2, B), ib.messages[0].source);
    clock.advance(0);
    assert.equal(ia.messages.length, 1);
  });
});
