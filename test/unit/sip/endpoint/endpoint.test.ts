import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../../src/lib/index.js';
import type { SipResponse } from '../../../../src/sip/message/index.js';
import { Endpoint, LocalIdentity, type EndpointModule } from '../../../../src/sip/endpoint/index.js';
import { LoopNetwork, type NetAddress, type ReceivedMessage } from '../../../../src/sip/transport/index.js';

const SERVER: NetAddress = { transport: 'udp', host: '192.0.2.10', port: 5060 };
const PHONE: NetAddress = { transport: 'udp', host: '192.0.2.20', port: 5070 };

let seq = 0;
function request(method: string, uri: string, extra: string[] = [], opts: { branch?: string; cseqMethod?: string; toTag?: string; callId?: string } = {}): string {
  seq++;
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${PHONE.host}:${PHONE.port};branch=${opts.branch ?? `z9hG4bK-${seq}`};rport`,
    'From: <sip:alice@example.com>;tag=from1',
    `To: <sip:bob@example.com>${opts.toTag ? `;tag=${opts.toTag}` : ''}`,
    `Call-ID: ${opts.callId ?? `call-${seq}`}`,
    `CSeq: 1 ${opts.cseqMethod ?? method}`,
    'Max-Forwards: 70',
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function setup(modules: EndpointModule[] = [], errors: string[] = []) {
  const clock = new ManualClock();
  const net = new LoopNetwork(clock);
  const serverTransport = net.endpoint(SERVER);
  const phone = net.endpoint(PHONE);
  const responses: SipResponse[] = [];
  phone.attach({
    onMessage: (rx: ReceivedMessage) => {
      if (rx.message.kind === 'response') responses.push(rx.message);
    },
    onInvalid: () => undefined,
  });
  const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (_o: object, msg: string) => void errors.push(msg) };
  const endpoint = new Endpoint({ transport: serverTransport, clock, identity: new LocalIdentity(['example.com'], [SERVER]), log });
  for (const m of modules) endpoint.use(m);
  serverTransport.attach(endpoint.transportUser);
  const send = async (text: string): Promise<void> => {
    net.inject(PHONE, SERVER, text);
    clock.advance(0);
    await new Promise((r) => setImmediate(r));
    clock.advance(0);
  };
  return { clock, net, endpoint, responses, send };
}

describe('Endpoint (RFC 3261 §8.2)', () => {
  it('answers OPTIONS to itself with 200 and its capabilities (§11.2)', async () => {
    const { responses, send } = setup();
    await send(request('OPTIONS', 'sip:example.com'));
    assert.equal(responses.length, 1);
    const r = responses[0];
    assert.equal(r.status, 200);
    assert.equal(r.header('allow'), 'ACK, CANCEL, OPTIONS');
    assert.equal(r.header('accept'), 'application/sdp');
    assert.ok(r.to.tag, 'a To tag is added');
    assert.equal(r.topVia.received, PHONE.host, 'received stamped');
    assert.equal(r.topVia.rport, PHONE.port, 'rport filled (RFC 3581)');
  });

  it('answers a method no module implements with 405 and Allow, an unknown one with 501', async () => {
    const { responses, send } = setup();
    await send(request('REGISTER', 'sip:example.com'));
    await send(request('FOOBAR', 'sip:example.com'));
    assert.deepEqual(responses.map((r) => r.status), [405, 501]);
    assert.equal(responses[0].header('allow'), 'ACK, CANCEL, OPTIONS');
    assert.equal(responses[1].header('allow'), 'ACK, CANCEL, OPTIONS');
  });

  it('answers 420 with Unsupported, 416 for an unknown scheme, 505 for another version', async () => {
    const { responses, send } = setup();
    await send(request('OPTIONS', 'sip:example.com', ['Require: foo']));
    await send(request('OPTIONS', 'im:bob@example.com'));
    await send(request('OPTIONS', 'sip:example.com').replace('OPTIONS sip:example.com SIP/2.0', 'OPTIONS sip:example.com SIP/3.0'));
    assert.deepEqual(responses.map((r) => r.status), [420, 416, 505]);
    assert.equal(responses[0].header('unsupported'), 'foo');
  });

  it('refuses to relay, and answers 483 when Max-Forwards is exhausted (§16.3)', async () => {
    const { responses, send } = setup();
    await send(request('MESSAGE', 'sip:carol@elsewhere.example.org'));
    await send(request('MESSAGE', 'sip:carol@elsewhere.example.org').replace('Max-Forwards: 70', 'Max-Forwards: 0'));
    assert.deepEqual(responses.map((r) => r.status), [403, 483]);
  });

  it('answers an in-dialog request for an unknown dialog with 481', async () => {
    const { responses, send } = setup();
    await send(request('BYE', 'sip:example.com', [], { toTag: 'x1' }));
    assert.equal(responses[0].status, 481);
  });

  it('detects a merged request (same From tag, Call-ID, CSeq by another branch) with 482', async () => {
    const holds: EndpointModule = { name: 'hold', priority: 'application', methods: ['MESSAGE'], onRequest: (r) => (r.respond(200), true) };
    const { responses, send } = setup([holds]);
    await send(request('MESSAGE', 'sip:example.com', [], { branch: 'z9hG4bK-a', callId: 'same' }));
    await send(request('MESSAGE', 'sip:example.com', [], { branch: 'z9hG4bK-b', callId: 'same' }));
    assert.deepEqual(responses.map((r) => r.status), [200, 482]);
  });

  it('answers a malformed request with a stateless 400 carrying the reason', async () => {
    const { net, send } = setup();
    await send(request('OPTIONS', 'sip:example.com').replace('CSeq: 1 OPTIONS', 'CSeq: abc OPTIONS'));
    // The 400 echoes the request's own (broken) CSeq, as §8.2.6.2 copies it: check the wire.
    const out = net.sent((e) => e.from.host === SERVER.host);
    assert.equal(out.length, 1);
    const text = out[0].bytes.toString('latin1');
    assert.match(text, /^SIP\/2\.0 400 Malformed CSeq header\r\n/);
    assert.match(text, /\r\nCSeq: abc OPTIONS\r\n/);
    assert.match(text, /\r\nVia: SIP\/2\.0\/UDP 192\.0\.2\.20:5070;branch=[^;]+;rport=5070;received=192\.0\.2\.20\r\n/);
  });

  it('drops a malformed request whose Via cannot be read (no route for a response)', async () => {
    const { net, responses, send } = setup();
    await send(request('OPTIONS', 'sip:example.com').replace(/Via: [^\r]*/, 'Via: garbage'));
    assert.equal(responses.length, 0);
    assert.equal(net.sent((e) => e.from.port === SERVER.port).length, 0);
  });

  it('CANCEL: 481 without a matching INVITE; 200 and 487 for a pending one (§9.2)', async () => {
    const pending: EndpointModule = { name: 'pending', priority: 'application', methods: ['INVITE'], onRequest: (r) => r.request.method === 'INVITE' };
    const { responses, send } = setup([pending]);
    await send(request('CANCEL', 'sip:example.com', [], { branch: 'z9hG4bK-nothing' }));
    assert.equal(responses.at(-1)?.status, 481);
    await send(request('INVITE', 'sip:example.com', [], { branch: 'z9hG4bK-inv', callId: 'inv1' }));
    await send(request('CANCEL', 'sip:example.com', [], { branch: 'z9hG4bK-inv', callId: 'inv1' }));
    const statuses = responses.map((r) => `${r.status} ${r.cseq.method}`);
    assert.ok(statuses.includes('200 CANCEL'), statuses.join());
    assert.ok(statuses.includes('487 INVITE'), statuses.join());
  });

  it('sends 100 Trying for an INVITE not answered within 200 ms (§17.2.1)', async () => {
    const pending: EndpointModule = { name: 'pending', priority: 'application', methods: ['INVITE'], onRequest: () => true };
    const { clock, responses, send } = setup([pending]);
    await send(request('INVITE', 'sip:example.com'));
    assert.equal(responses.length, 0);
    clock.advance(200);
    assert.equal(responses[0]?.status, 100);
  });

  it('runs modules in priority order and stops at the first that handles the request', async () => {
    const order: string[] = [];
    const mk = (name: string, priority: EndpointModule['priority'], handles: boolean): EndpointModule => ({
      name,
      priority,
      methods: ['MESSAGE'],
      onRequest: async (r) => {
        order.push(name);
        if (handles) r.respond(202);
        return handles;
      },
    });
    const { responses, send } = setup([mk('app', 'application', true), mk('sec', 'security', false), mk('reg', 'registrar', true)]);
    await send(request('MESSAGE', 'sip:example.com'));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['sec', 'reg']);
    assert.equal(responses[0].status, 202);
  });

  it('a module that throws gets the request a 500, not a crash', async () => {
    const broken: EndpointModule = {
      name: 'broken',
      priority: 'application',
      methods: ['MESSAGE'],
      onRequest: () => {
        throw new Error('bug');
      },
    };
    const { responses, send } = setup([broken]);
    await send(request('MESSAGE', 'sip:example.com'));
    await new Promise((r) => setImmediate(r));
    assert.equal(responses[0]?.status, 500);
  });

  it('modules that answer synchronously are run in the same turn; a promise is awaited before the next module', async () => {
    const order: string[] = [];
    let release: ((handled: boolean) => void) | undefined;
    const syncNo: EndpointModule = { name: 'a', priority: 'security', methods: ['MESSAGE'], onRequest: () => (order.push('a'), false) };
    const later: EndpointModule = { name: 'b', priority: 'registrar', methods: ['MESSAGE'], onRequest: () => (order.push('b'), new Promise<boolean>((r) => (release = r))) };
    const last: EndpointModule = { name: 'c', priority: 'application', methods: ['MESSAGE'], onRequest: (r) => (order.push('c'), r.respond(202), true) };
    const { responses, send, clock } = setup([syncNo, later, last]);
    await send(request('MESSAGE', 'sip:example.com'));
    assert.deepEqual(order, ['a', 'b'], 'c waits for b');
    release?.(false);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['a', 'b', 'c']);
    clock.advance(0);
    assert.equal(responses[0]?.status, 202);
  });

  it('a module that throws or rejects on a stray response is logged, not a crash', async () => {
    const errors: string[] = [];
    const throwing: EndpointModule = { name: 't', priority: 'security', methods: [], onStrayResponse: () => { throw new Error('bug'); } };
    const { net, clock } = setup([throwing], errors);
    const stray = ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKstray', 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>;tag=2', 'Call-ID: s1', 'CSeq: 1 MESSAGE', 'Content-Length: 0', '', ''].join('\r\n');
    net.inject(PHONE, SERVER, stray);
    clock.advance(0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(errors, ['module failed on a response']);
    const rejecting: EndpointModule = { name: 'r', priority: 'security', methods: [], onStrayResponse: () => Promise.reject(new Error('bug')) };
    const errors2: string[] = [];
    const second = setup([rejecting], errors2);
    second.net.inject(PHONE, SERVER, stray);
    second.clock.advance(0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(errors2, ['module failed on a response']);
  });

  it('while draining, refuses new requests with 503 and waits for in-flight ones', async () => {
    let held: ((s: number) => void) | undefined;
    const slow: EndpointModule = { name: 'slow', priority: 'application', methods: ['MESSAGE'], onRequest: (r) => ((held = (s) => r.respond(s)), true) };
    const { clock, endpoint, responses, send } = setup([slow]);
    await send(request('MESSAGE', 'sip:example.com'));
    assert.equal(endpoint.inFlight, 1);
    let drained = false;
    void endpoint.drain(clock, 10).then(() => (drained = true));
    await send(request('OPTIONS', 'sip:example.com'));
    assert.equal(responses.at(-1)?.status, 503);
    clock.advance(50);
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, false);
    held!(200);
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
    assert.equal(drained, true);
  });
});
