/**
 * RTP through the relay as the controller set it up, with real UDP sockets as the phones:
 * plain forwarding both ways, PCMA ↔ PCMU transcoding with the PT rewritten and the payload
 * converted, telephone-event PT renumbering, late offer, and delete closing the path.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { systemClock } from '../../../src/lib/index.js';
import { ALAW_TO_ULAW, type MediaRelay, ULAW_TO_ALAW } from '../../../src/media/index.js';
import type { MediaResult } from '../../../src/media-session/index.js';
import { type Phone, controller, mPort, phone, rtp, sdp } from './helpers.js';

const relays: MediaRelay[] = [];
const phones: Phone[] = [];

afterEach(async () => {
  for (const p of phones.splice(0)) await p.close();
  for (const r of relays.splice(0)) await r.close();
});

function okSdp(r: MediaResult): string {
  assert.ok(r.ok, r.ok ? '' : `expected ok, got ${r.status} ${r.reason}`);
  return r.sdp;
}

async function twoPhones(): Promise<[Phone, Phone]> {
  const a = await phone();
  const b = await phone();
  phones.push(a, b);
  return [a, b];
}

function setup(options: Parameters<typeof controller>[1] = {}) {
  const c = controller(systemClock, options);
  relays.push(c.relay);
  return c;
}

const payload = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (seed + i * 7) & 0xff));

describe('MediaSessions RTP path', () => {
  it('forwards RTP from A to B and back through the advertised ports', async () => {
    const { sessions } = setup();
    const [a, b] = await twoPhones();
    const toB = mPort(okSdp(await sessions.offer({ callId: 'r1', fromTag: 'a', sdp: sdp({ port: a.port, codecs: ['0 PCMU/8000'] }) })));
    const toA = mPort(okSdp(await sessions.answer({ callId: 'r1', fromTag: 'a', toTag: 'b', sdp: sdp({ port: b.port, codecs: ['0 PCMU/8000'] }) })));
    const p1 = rtp(0, 1, payload(160, 1));
    await a.send(p1, toA);
    await b.waitFor(1);
    assert.deepEqual(b.received[0], p1);
    const p2 = rtp(0, 7, payload(160, 2), 0x55667788);
    await b.send(p2, toB);
    await a.waitFor(1);
    assert.deepEqual(a.received[0], p2);
    const st = sessions.stats('r1')!.streams[0].relay;
    assert.equal(st.a.rtp.packetsIn, 1);
    assert.equal(st.b.rtp.packetsIn, 1);
    assert.equal(st.a.peer?.latched, true);
  });

  it('transcodes a PCMA-only caller to a PCMU-only callee and back', async () => {
    const { sessions } = setup();
    const [a, b] = await twoPhones();
    const fwd = okSdp(await sessions.offer({ callId: 'x1', fromTag: 'a', sdp: sdp({ port: a.port, codecs: ['8 PCMA/8000', '101 telephone-event/8000'] }) }));
    const toB = mPort(fwd);
    const back = okSdp(await sessions.answer({ callId: 'x1', fromTag: 'a', toTag: 'b', sdp: sdp({ port: b.port, codecs: ['0 PCMU/8000', '101 telephone-event/8000'] }) }));
    const toA = mPort(back);
    assert.match(back, /^m=audio \d+ RTP\/AVP 8 101\r$/m);

    const alaw = payload(160, 3);
    await a.send(rtp(8, 100, alaw), toA);
    await b.waitFor(1);
    const gotB = b.received[0];
    assert.equal(gotB[1] & 0x7f, 0, 'PT rewritten to PCMU');
    assert.equal(gotB.readUInt16BE(2), 100, 'sequence number kept');
    assert.equal(gotB.readUInt32BE(4), 100 * 160, 'timestamp kept');
    assert.deepEqual([...gotB.subarray(12)], [...alaw].map((x) => ALAW_TO_ULAW[x]));

    const ulaw = payload(160, 9);
    await b.send(rtp(0, 5, ulaw, 0x01020304), toB);
    await a.waitFor(1);
    const gotA = a.received[0];
    assert.equal(gotA[1] & 0x7f, 8, 'PT rewritten to PCMA');
    assert.deepEqual([...gotA.subarray(12)], [...ulaw].map((x) => ULAW_TO_ALAW[x]));

    // DTMF events pass with their PT (the same 101 on both legs here).
    const event = rtp(101, 101, Buffer.from([1, 0x8a, 0, 160]));
    await a.send(event, toA);
    await b.waitFor(2);
    assert.deepEqual(b.received[1], event);
  });

  it('renumbers telephone-event 101 ↔ 96 without transcoding', async () => {
    const { sessions } = setup();
    const [a, b] = await twoPhones();
    const toB = mPort(okSdp(await sessions.offer({ callId: 'te', fromTag: 'a', sdp: sdp({ port: a.port, codecs: ['0 PCMU/8000', '101 telephone-event/8000'] }) })));
    const back = okSdp(await sessions.answer({ callId: 'te', fromTag: 'a', toTag: 'b', sdp: sdp({ port: b.port, codecs: ['0 PCMU/8000', '96 telephone-event/8000'] }) }));
    assert.match(back, /^m=audio \d+ RTP\/AVP 0 101\r$/m);
    await a.send(rtp(101, 1, Buffer.from([5, 0x0a, 0, 80])), mPort(back));
    await b.waitFor(1);
    assert.equal(b.received[0][1] & 0x7f, 96);
    await b.send(rtp(96, 2, Buffer.from([5, 0x0a, 0, 80])), toB);
    await b.send(rtp(0, 3, payload(160, 4)), toB);
    await a.waitFor(2);
    assert.deepEqual(a.received.map((p) => p[1] & 0x7f), [101, 0]);
  });

  it('relays a late-offer call (offer in the 200, answer in the ACK)', async () => {
    const { sessions } = setup();
    const [caller, callee] = await twoPhones();
    const toCaller = mPort(okSdp(await sessions.offer({ callId: 'lo', fromTag: 'callee', sdp: sdp({ port: callee.port, codecs: ['0 PCMU/8000'] }) })));
    const toCallee = mPort(okSdp(await sessions.answer({ callId: 'lo', fromTag: 'callee', toTag: 'caller', sdp: sdp({ port: caller.port, codecs: ['0 PCMU/8000'] }) })));
    await caller.send(rtp(0, 1, payload(160, 5)), toCaller);
    await callee.waitFor(1);
    await callee.send(rtp(0, 1, payload(160, 6)), toCallee);
    await caller.waitFor(1);
    assert.equal(caller.received.length, 1);
  });

  it('stops relaying once the call is deleted', async () => {
    const { sessions, relay } = setup();
    const [a, b] = await twoPhones();
    okSdp(await sessions.offer({ callId: 'del', fromTag: 'a', sdp: sdp({ port: a.port, codecs: ['0 PCMU/8000'] }) }));
    const toA = mPort(okSdp(await sessions.answer({ callId: 'del', fromTag: 'a', toTag: 'b', sdp: sdp({ port: b.port, codecs: ['0 PCMU/8000'] }) })));
    await a.send(rtp(0, 1, payload(160, 7)), toA);
    await b.waitFor(1);
    assert.equal(await sessions.delete('del', 'bye'), true);
    assert.equal(relay.get('del#m0'), undefined);
    await a.send(rtp(0, 2, payload(160, 8)), toA);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(b.received.length, 1);
  });
});
