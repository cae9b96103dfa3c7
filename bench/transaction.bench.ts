/**
 * Transaction layer bench: 100,000 concurrent server and client transactions over a null
 * transport, the behaviour at the configured maximum (refusal, not growth), and a smaller
 * run over the loop transport with real bytes. Prints figures; asserts only that the table
 * stays bounded.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Clock, TimerHandle } from '../src/lib/index.js';
import { newBranch } from '../src/lib/index.js';
import { NameAddr, SipUri, Via, createRequest, createResponse, parse, type SipMessage, type SipRequest } from '../src/sip/message/index.js';
import {
  type Destination,
  LoopNetwork,
  type NetAddress,
  type ReceivedMessage,
  type SendResult,
  type SipTransport,
} from '../src/sip/transport/index.js';
import { type ServerTransaction, TransactionLayer, type TransactionUser } from '../src/sip/transaction/index.js';

const N = 100_000;
const OVERFLOW = 10_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * A clock for many timers: buckets by due time (transaction timers share a few values), so
 * setting a timer is O(1) where ManualClock's sorted insert would be O(n).
 */
class BucketClock implements Clock {
  private current = 0;
  private readonly buckets = new Map<number, Array<{ fn: () => void; live: boolean }>>();
  now(): number {
    return this.current;
  }
  wallNow(): number {
    return this.current;
  }
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const at = this.current + Math.max(0, delayMs);
    const t = { fn, live: true };
    let b = this.buckets.get(at);
    if (b === undefined) this.buckets.set(at, (b = []));
    b.push(t);
    return { cancel: () => void (t.live = false) };
  }
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next = Infinity;
      for (const at of this.buckets.keys()) if (at < next) next = at;
      if (next > target) break;
      const b = this.buckets.get(next)!;
      this.buckets.delete(next);
      this.current = next;
      for (const t of b) if (t.live) t.fn();
    }
    this.current = target;
  }
}

/** Counts sends; never serializes. */
class NullTransport implements SipTransport {
  sends = 0;
  private readonly local: NetAddress = { transport: 'udp', host: '127.0.0.2', port: 5060 };
  send(_m: SipMessage, _d: Destination): Promise<SendResult> {
    this.sends++;
    return Promise.resolve({ ok: true, local: this.local });
  }
  localAddressFor(): NetAddress {
    return this.local;
  }
}

class CountingUser implements TransactionUser {
  requests = 0;
  overloads = 0;
  live: ServerTransaction[] = [];
  keep = true;
  respondWith: number | undefined;
  onRequest(tx: ServerTransaction): void {
    this.requests++;
    if (this.keep) this.live.push(tx);
    if (this.respondWith !== undefined) tx.respond(createResponse(tx.request, this.respondWith, { toTag: 'b' }));
  }
  onAck2xx(): void {}
  onStrayResponse(): void {}
  onOverload(): void {
    this.overloads++;
  }
}

const CLIENT: NetAddress = { transport: 'udp', host: '127.0.0.1', port: 5060 };
const SERVER: NetAddress = { transport: 'udp', host: '127.0.0.2', port: 5060 };

function optionsText(i: number): Buffer {
  return Buffer.from(
    `OPTIONS sip:bob@127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${i}x;rport\r\nMax-Forwards: 70\r\n` +
      `From: <sip:alice@example.com>;tag=a${i}\r\nTo: <sip:bob@example.com>\r\nCall-ID: ${i}@bench\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  );
}

function rx(message: SipMessage, now: number): ReceivedMessage {
  return { message, source: CLIENT, local: SERVER, receivedAt: now };
}

function buildRequest(method: string): SipRequest {
  return createRequest({
    method,
    uri: new SipUri({ scheme: 'sip', user: 'bob', host: '127.0.0.2' }),
    via: new Via({ transport: 'UDP', host: '127.0.0.1', port: 5060, params: [{ name: 'branch', value: newBranch() }] }),
    from: NameAddr.of(new SipUri({ scheme: 'sip', user: 'alice', host: 'example.com' }), undefined, [{ name: 'tag', value: 'a' }]),
    to: NameAddr.of(new SipUri({ scheme: 'sip', user: 'bob', host: 'example.com' })),
    callId: newBranch(),
    cseq: 1,
  });
}

const fmt = (n: number, d = 2) => n.toFixed(d);
const perTx = (ms: number, n: number) => `${fmt((ms * 1000) / n)} µs/tx`;
const bytesPerTx = (b: number, n: number) => `${fmt(b / n, 0)} B/tx`;

async function serverBench(): Promise<void> {
  const clock = new BucketClock();
  const transport = new NullTransport();
  const user = new CountingUser();
  const layer = new TransactionLayer(transport, clock, { user, maxTransactions: N });

  let t = performance.now();
  const messages: SipMessage[] = [];
  for (let i = 0; i < N + OVERFLOW; i++) {
    const r = parse(optionsText(i));
    if (!r.ok) throw new Error('bench message does not parse');
    messages.push(r.message);
  }
  const parseMs = performance.now() - t;

  const heap0 = heapUsed();
  t = performance.now();
  for (let i = 0; i < N; i++) layer.receiveMessage(rx(messages[i], clock.now()));
  const createMs = performance.now() - t;
  const heap1 = heapUsed();

  t = performance.now();
  for (let i = N; i < N + OVERFLOW; i++) layer.receiveMessage(rx(messages[i], clock.now()));
  const overflowMs = performance.now() - t;
  const heap2 = heapUsed();
  const sizeAtMax = layer.size;

  t = performance.now();
  for (let i = 0; i < N; i++) layer.receiveMessage(rx(messages[i], clock.now()));
  const retransMs = performance.now() - t;

  t = performance.now();
  for (const tx of user.live) tx.respond(createResponse(tx.request, 200, { toTag: 'b' }));
  const respondMs = performance.now() - t;
  await Promise.resolve();
  const completed = layer.size;
  clock.advance(64 * 500);
  const afterJ = layer.size;

  console.log(`server (non-INVITE, UDP, null transport), ${N} concurrent:`);
  console.log(`  parse                ${perTx(parseMs / (N + OVERFLOW) * N, N)}`);
  console.log(`  create (match+stamp) ${perTx(createMs, N)}  heap ${bytesPerTx(heap1 - heap0, N)} (request objects excluded)`);
  console.log(`  at maximum ${N}:    ${OVERFLOW} more → ${user.overloads} refused, table stays at ${sizeAtMax}, ` +
    `heap Δ ${fmt((heap2 - heap1) / 1024, 0)} KiB (${perTx(overflowMs, OVERFLOW)})`);
  console.log(`  retransmission match ${perTx(retransMs, N)}`);
  console.log(`  respond 200          ${perTx(respondMs, N)}  sends ${transport.sends}`);
  console.log(`  completed            ${completed} live in Completed (Timer J pending)`);
  console.log(`  after Timer J        ${afterJ} live`);
  if (user.overloads !== OVERFLOW || sizeAtMax !== N || completed > N || afterJ !== 0) throw new Error('the transaction table was not bounded');
}

async function clientBench(): Promise<void> {
  const clock = new BucketClock();
  const transport = new NullTransport();
  const layer = new TransactionLayer(transport, clock, { user: new CountingUser(), maxTransactions: N });
  const requests: SipRequest[] = [];
  for (let i = 0; i < N + OVERFLOW; i++) requests.push(buildRequest(i % 2 === 0 ? 'INVITE' : 'OPTIONS'));
  const responses = requests.slice(0, N).map((r) => createResponse(r, r.method === 'INVITE' ? 486 : 200, { toTag: 'b' }));
  const callbacks = { onResponse() {}, onTimeout() {}, onTransportError() {} };

  const heap0 = heapUsed();
  let t = performance.now();
  for (let i = 0; i < N; i++) layer.createClientTransaction(requests[i], SERVER, callbacks);
  const createMs = performance.now() - t;
  const heap1 = heapUsed();
  let refused = 0;
  for (let i = N; i < N + OVERFLOW; i++) if (!layer.createClientTransaction(requests[i], SERVER, callbacks).ok) refused++;
  await Promise.resolve();
  clock.advance(500); // one retransmission each (Timers A and E)
  t = performance.now();
  for (const res of responses) layer.receiveMessage({ message: res, source: SERVER, local: CLIENT, receivedAt: clock.now() });
  const responseMs = performance.now() - t;
  clock.advance(32_000);
  console.log(`client (half INVITE, half non-INVITE, UDP, null transport), ${N} concurrent:`);
  console.log(`  create + send        ${perTx(createMs, N)}  heap ${bytesPerTx(heap1 - heap0, N)} (request objects excluded)`);
  console.log(`  at maximum ${N}:    ${refused} of ${OVERFLOW} refused (SIP_TX_OVERLOAD)`);
  console.log(`  final response       ${perTx(responseMs, N)} (ICT builds + sends the ACK)`);
  console.log(`  sends ${transport.sends}, after Timers D/K ${layer.size} live`);
  if (refused !== OVERFLOW || layer.size !== 0) throw new Error('the client table was not bounded');
}

function loopBench(): void {
  const n = 10_000;
  const clock = new BucketClock();
  const net = new LoopNetwork(clock);
  const ct = net.endpoint(CLIENT);
  const st = net.endpoint(SERVER);
  const serverUser = new CountingUser();
  serverUser.keep = false;
  serverUser.respondWith = 486;
  const client = new TransactionLayer(ct, clock, { user: new CountingUser() });
  const server = new TransactionLayer(st, clock, { user: serverUser });
  ct.attach(client);
  st.attach(server);
  let finals = 0;
  const callbacks = { onResponse() { finals++; }, onTimeout() {}, onTransportError() {} };
  const t = performance.now();
  for (let i = 0; i < n; i++) client.createClientTransaction(buildRequest('INVITE'), SERVER, callbacks);
  clock.advance(0);
  const ms = performance.now() - t;
  console.log(`loop transport (real bytes), ${n} INVITE → 486 → ACK: ${perTx(ms, n)}, ${finals} finals, ${net.log.length} messages`);
  net.log.length = 0;
}

const started = performance.now();
await serverBench();
const serverDone = performance.now();
await clientBench();
const clientDone = performance.now();
loopBench();
console.log(`(bench wall time: server ${fmt((serverDone - started) / 1000, 1)} s, client ${fmt((clientDone - serverDone) / 1000, 1)} s, loop ${fmt((performance.now() - clientDone) / 1000, 1)} s)`);
