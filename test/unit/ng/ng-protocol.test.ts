/**
 * NgProtocol (Sans-IO): framing, ping, error replies, dispatch to the backend, reply shapes for
 * query/delete/list, the cookie retransmission cache, and garbage never making it throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../../src/lib/index.js';
import { type NgBackend, NgProtocol, type NgProtocolOptions, type NgResult } from '../../../src/ng/index.js';
import { datagram, plain, readReply } from './ng-test-helpers.js';
import { RecordingNgBackend } from './recording-ng-backend.js';

const SRC = { host: '127.0.0.1', port: 5060 };
const SDP = 'v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n';

function setup(extra: Partial<NgProtocolOptions> = {}) {
  const clock = new ManualClock();
  const backend = new RecordingNgBackend();
  const protocol = new NgProtocol({ backend, clock, ...extra });
  const send = async (cookie: string, dict: Parameters<typeof datagram>[1], src = SRC) => readReply(await protocol.handle(datagram(cookie, dict), src));
  return { clock, backend, protocol, send };
}

describe('ng framing and errors', () => {
  it('answers ping with pong under the same cookie', async () => {
    const { send } = setup();
    const r = await send('5323_1', { command: 'ping' });
    assert.equal(r.cookie, '5323_1');
    assert.deepEqual(plain(r.dict), { result: 'pong' });
  });

  it('matches the documented wire example byte for byte', async () => {
    const { protocol } = setup();
    const reply = await protocol.handle(Buffer.from('5323_1 d7:command4:pinge'), SRC);
    assert.equal(reply?.toString(), '5323_1 d6:result4:ponge');
  });

  it('drops datagrams without a cookie, or with an over-long one', async () => {
    const { protocol } = setup();
    assert.equal(await protocol.handle(Buffer.from('d7:command4:pinge'), SRC), undefined);
    assert.equal(await protocol.handle(Buffer.from(' d7:command4:pinge'), SRC), undefined);
    assert.equal(await protocol.handle(Buffer.alloc(0), SRC), undefined);
    assert.equal(await protocol.handle(Buffer.from('x'.repeat(300) + ' d7:command4:pinge'), SRC), undefined);
  });

  const errors: Array<[string, string, string]> = [
    ['bad bencode', 'c1 d7:command4:pin', 'Could not decode dictionary'],
    ['not a dictionary', 'c2 l4:pinge', 'Could not decode dictionary'],
    ['empty body', 'c3 ', 'Could not decode dictionary'],
    ['no command', 'c4 d4:call3:abce', 'Dictionary contains no key "command"'],
    ['command not a string', 'c5 d7:commandi1ee', 'Dictionary contains no key "command"'],
    ['unknown command', 'c6 d7:command5:dancee', 'Unrecognized command'],
    ['documented but unsupported command', 'c7 d7:command10:play mediae', "Unsupported command 'play media'"],
  ];
  for (const [what, wire, reason] of errors) {
    it(`replies with an error to ${what}`, async () => {
      const { protocol } = setup();
      const r = readReply(await protocol.handle(Buffer.from(wire, 'latin1'), SRC));
      assert.equal(r.cookie, wire.slice(0, wire.indexOf(' ')));
      assert.deepEqual(plain(r.dict), { result: 'error', 'error-reason': reason });
    });
  }

  it('rejects datagrams over the size limit with an error reply', async () => {
    const { protocol } = setup({ maxDatagramBytes: 100 });
    const r = readReply(await protocol.handle(datagram('big', { command: 'ping', pad: 'x'.repeat(200) }), SRC));
    assert.deepEqual(plain(r.dict), { result: 'error', 'error-reason': 'Message too large' });
  });

  it('tolerates a trailing newline after the dictionary', async () => {
    const { protocol } = setup();
    const r = readReply(await protocol.handle(Buffer.from('n1 d7:command4:pinge\n'), SRC));
    assert.deepEqual(plain(r.dict), { result: 'pong' });
  });

  it('never throws and never rejects on arbitrary datagrams', async () => {
    const { protocol } = setup();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), fc.boolean(), async (u, withCookie) => {
        const bytes = withCookie ? Buffer.concat([Buffer.from('k '), u]) : Buffer.from(u);
        const reply = await protocol.handle(bytes, SRC);
        if (reply !== undefined) readReply(reply);
      }),
      { numRuns: 400 },
    );
  });
});

describe('ng offer / answer', () => {
  it('passes offer and answer to the backend and returns the rewritten SDP', async () => {
    const { backend, send } = setup();
    const o = await send('o1', { command: 'offer', 'call-id': 'c1', 'from-tag': 'ft', sdp: SDP, replace: ['origin'], flags: ['trust-address'] });
    assert.equal(plain(o.dict.get('result')), 'ok');
    assert.match(plain(o.dict.get('sdp')) as string, /^m=audio 40000 RTP\/AVP 0\r$/m);
    assert.equal(backend.offers.length, 1);
    assert.equal(backend.offers[0].callId, 'c1');
    assert.equal(backend.offers[0].source, SRC);
    assert.deepEqual([...backend.offers[0].replace], ['origin']);
    const a = await send('a1', { command: 'answer', 'call-id': 'c1', 'from-tag': 'ft', 'to-tag': 'tt', sdp: SDP });
    assert.match(plain(a.dict.get('sdp')) as string, /^m=audio 40002 /m);
    assert.equal(backend.answers[0].toTag, 'tt');
  });

  it('uses rtpengine\'s messages for missing required keys', async () => {
    const { backend, send } = setup();
    const cases: Array<[Record<string, string>, string]> = [
      [{ command: 'offer', 'call-id': 'c', 'from-tag': 'f' }, 'No SDP body in message'],
      [{ command: 'offer', sdp: SDP, 'from-tag': 'f' }, 'No call-id in message'],
      [{ command: 'offer', sdp: SDP, 'call-id': 'c' }, 'No from-tag in message'],
      [{ command: 'answer', sdp: SDP, 'call-id': 'c', 'from-tag': 'f' }, 'No to-tag in message'],
      [{ command: 'delete' }, 'No call-id in message'],
      [{ command: 'query' }, 'No call-id in message'],
    ];
    for (const [i, [dict, reason]] of cases.entries()) {
      const r = await send(`m${i}`, dict);
      assert.deepEqual(plain(r.dict), { result: 'error', 'error-reason': reason });
    }
    assert.equal(backend.offers.length + backend.answers.length + backend.deletes.length + backend.queries.length, 0);
  });

  it('relays a backend error as error-reason', async () => {
    const { send } = setup();
    const r = await send('e', { command: 'answer', 'call-id': 'nope', 'from-tag': 'f', 'to-tag': 't', sdp: SDP });
    assert.deepEqual(plain(r.dict), { result: 'error', 'error-reason': 'Unknown call-id' });
  });

  it('answers "Internal error" when the backend throws, and keeps working', async () => {
    const seen: string[] = [];
    const backend: NgBackend = {
      offer: () => Promise.reject(new Error('boom')),
      answer: () => Promise.reject(new Error('boom')),
      delete: () => Promise.reject(new Error('boom')),
      query: () => Promise.resolve({ result: 'ok', value: { createdAt: 0, lastSignalAt: 0, tags: [], totals: { rtp: { packets: Number.NaN, bytes: 0, errors: 0 }, rtcp: { packets: 0, bytes: 0, errors: 0 } } } }),
    };
    const protocol = new NgProtocol({ backend, clock: new ManualClock(), onBackendError: (c) => seen.push(c) });
    const r = readReply(await protocol.handle(datagram('x1', { command: 'offer', 'call-id': 'c', 'from-tag': 'f', sdp: SDP }), SRC));
    assert.deepEqual(plain(r.dict), { result: 'error', 'error-reason': 'Internal error' });
    const q = readReply(await protocol.handle(datagram('x2', { command: 'query', 'call-id': 'c' }), SRC));
    assert.deepEqual(plain(q.dict), { result: 'error', 'error-reason': 'Internal error' });
    assert.deepEqual(seen, ['offer', 'encode']);
    const p = readReply(await protocol.handle(datagram('x3', { command: 'ping' }), SRC));
    assert.deepEqual(plain(p.dict), { result: 'pong' });
  });
});

describe('ng delete / query / list', () => {
  async function established(send: ReturnType<typeof setup>['send']) {
    await send('o', { command: 'offer', 'call-id': 'c1', 'from-tag': 'ft', sdp: SDP });
    await send('a', { command: 'answer', 'call-id': 'c1', 'from-tag': 'ft', 'to-tag': 'tt', sdp: SDP });
  }

  it('shapes query replies like rtpengine (created, last signal, tags, totals)', async () => {
    const { send } = setup();
    await established(send);
    const q = plain((await send('q', { command: 'query', 'call-id': 'c1' })).dict) as Record<string, unknown>;
    const created = Math.floor(Date.UTC(2026, 0, 1) / 1000);
    assert.equal(q.result, 'ok');
    assert.equal(q.created, created);
    assert.equal(q.created_us, 0);
    assert.equal(q['last signal'], created + 1);
    assert.deepEqual(q.SSRC, {});
    assert.deepEqual(q.totals, { RTP: { packets: 10, bytes: 1720, errors: 0 }, RTCP: { packets: 1, bytes: 80, errors: 0 } });
    const tags = q.tags as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(tags).sort(), ['ft', 'tt']);
    assert.equal(tags.ft.tag, 'ft');
    assert.equal(tags.ft['in dialogue with'], 'tt');
    const media = (tags.ft.medias as Array<Record<string, unknown>>)[0];
    assert.equal(media.index, 1);
    assert.equal(media.type, 'audio');
    assert.equal(media.protocol, 'RTP/AVP');
    assert.deepEqual(media.flags, ['initialized']);
    const [rtp, rtcp] = media.streams as Array<Record<string, unknown>>;
    assert.equal(rtp['local port'], 40002);
    assert.deepEqual(rtp.endpoint, { family: 'IPv4', address: '127.0.0.1', port: 20000 });
    assert.equal(rtp['last packet'], created + 2);
    assert.deepEqual(rtp.flags, ['RTP']);
    assert.deepEqual(rtp.stats, { packets: 10, bytes: 1720, errors: 0 });
    assert.deepEqual(rtcp.flags, ['RTCP']);
  });

  it('delete carries the final stats; an unknown call is ok + warning unless "fatal"', async () => {
    const { backend, send } = setup();
    await established(send);
    const d = plain((await send('d1', { command: 'delete', 'call-id': 'c1', 'from-tag': 'ft', 'delete delay': 0 })).dict) as Record<string, unknown>;
    assert.equal(d.result, 'ok');
    assert.deepEqual((d.totals as Record<string, unknown>).RTP, { packets: 10, bytes: 1720, errors: 0 });
    assert.equal(backend.deletes[0].deleteDelay, 0);
    assert.equal(backend.deletes[0].fromTag, 'ft');
    const again = plain((await send('d2', { command: 'delete', 'call-id': 'c1' })).dict);
    assert.deepEqual(again, { result: 'ok', warning: "Call-ID not found or tags didn't match" });
    const fatal = plain((await send('d3', { command: 'delete', 'call-id': 'c1', flags: ['fatal'] })).dict);
    assert.deepEqual(fatal, { result: 'error', 'error-reason': "Call-ID not found or tags didn't match" });
  });

  it('list returns call-ids up to the limit; rejects a negative limit', async () => {
    const { send } = setup();
    for (const id of ['x', 'y', 'z']) await send(`o${id}`, { command: 'offer', 'call-id': id, 'from-tag': 'f', sdp: SDP });
    assert.deepEqual(plain((await send('l1', { command: 'list' })).dict), { result: 'ok', calls: ['x', 'y', 'z'] });
    assert.deepEqual(plain((await send('l2', { command: 'list', limit: 2 })).dict), { result: 'ok', calls: ['x', 'y'] });
    assert.deepEqual(plain((await send('l3', { command: 'list', limit: '1' })).dict), { result: 'ok', calls: ['x'] });
    assert.deepEqual(plain((await send('l4', { command: 'list', limit: -1 })).dict), { result: 'error', 'error-reason': 'invalid limit, must be >= 0' });
  });

  it('list without backend support is an error', async () => {
    const backend = new RecordingNgBackend();
    const bare: NgBackend = { offer: (r) => backend.offer(r), answer: (r) => backend.answer(r), delete: (r) => backend.delete(r), query: (r) => backend.query(r) };
    const protocol = new NgProtocol({ backend: bare, clock: new ManualClock() });
    const r = readReply(await protocol.handle(datagram('l', { command: 'list' }), SRC));
    assert.deepEqual(plain(r.dict), { result: 'error', 'error-reason': "Unsupported command 'list'" });
  });
});

describe('ng cookie cache (retransmissions)', () => {
  const offer = { command: 'offer', 'call-id': 'rc', 'from-tag': 'f', sdp: SDP };

  it('answers a retransmission with the same bytes without running the command again', async () => {
    const { backend, protocol } = setup();
    const first = await protocol.handle(datagram('r1', offer), SRC);
    const second = await protocol.handle(datagram('r1', offer), SRC);
    assert.deepEqual(second, first);
    assert.equal(backend.offers.length, 1);
    await protocol.handle(datagram('r2', offer), SRC);
    assert.equal(backend.offers.length, 2, 'a new cookie is a new request');
    await protocol.handle(datagram('r1', offer), { host: '127.0.0.2', port: 5060 });
    assert.equal(backend.offers.length, 3, 'the same cookie from another source is a new request');
  });

  it('a retransmission arriving while the first is in progress waits for the same reply', async () => {
    let release: (r: NgResult<{ sdp: string }>) => void = () => undefined;
    let calls = 0;
    const backend = new RecordingNgBackend();
    backend.offer = () => {
      calls++;
      return new Promise((resolve) => (release = resolve));
    };
    const protocol = new NgProtocol({ backend, clock: new ManualClock() });
    const p1 = protocol.handle(datagram('w', offer), SRC);
    const p2 = protocol.handle(datagram('w', offer), SRC);
    await new Promise((r) => setImmediate(r));
    release({ result: 'ok', value: { sdp: 'v=0\r\n' } });
    const [a, b] = await Promise.all([p1, p2]);
    assert.equal(calls, 1);
    assert.deepEqual(a, b);
    assert.deepEqual(plain(readReply(a).dict), { result: 'ok', sdp: 'v=0\r\n' });
  });

  it('forgets replies after maxAgeMs (clock-driven)', async () => {
    const { backend, protocol, clock } = setup({ cache: { maxAgeMs: 1000 } });
    await protocol.handle(datagram('t', offer), SRC);
    clock.advance(999);
    await protocol.handle(datagram('t', offer), SRC);
    assert.equal(backend.offers.length, 1);
    clock.advance(1);
    await protocol.handle(datagram('t', offer), SRC);
    assert.equal(backend.offers.length, 2);
  });

  it('holds at most maxEntries replies, dropping the oldest', async () => {
    const { backend, protocol } = setup({ cache: { maxEntries: 3 } });
    for (let i = 0; i < 5; i++) await protocol.handle(datagram(`s${i}`, offer), SRC);
    assert.equal(protocol.cachedReplies, 3);
    await protocol.handle(datagram('s4', offer), SRC);
    assert.equal(backend.offers.length, 5, 's4 still cached');
    await protocol.handle(datagram('s0', offer), SRC);
    assert.equal(backend.offers.length, 6, 's0 was evicted');
  });
});
