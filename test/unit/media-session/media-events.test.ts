/**
 * The `switchboard:media` channel with a real relay on loopback: `started` on a call's first
 * offer (not on re-offers), `ended` with the last counters when the call is deleted, `timeout`
 * when every stream is silent for the media timeout.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import type { MediaRelay } from '../../../src/media/index.js';
import { MEDIA_CHANNEL, type MediaEvent, type MediaResult, isMediaEvent } from '../../../src/media-session/index.js';
import { type Phone, controller, mPort, phone, rtp, sdp } from './helpers.js';

const relays: MediaRelay[] = [];
const phones: Phone[] = [];
const listeners: Array<(m: unknown) => void> = [];

afterEach(async () => {
  for (const l of listeners.splice(0)) diagnostics.unsubscribe(MEDIA_CHANNEL, l);
  for (const p of phones.splice(0)) await p.close();
  for (const r of relays.splice(0)) await r.close();
});

function record(): MediaEvent[] {
  const events: MediaEvent[] = [];
  const l = (m: unknown): void => {
    assert.ok(isMediaEvent(m), `a media event: ${JSON.stringify(m)}`);
    events.push(m);
  };
  diagnostics.subscribe(MEDIA_CHANNEL, l);
  listeners.push(l);
  return events;
}

function okSdp(r: MediaResult): string {
  assert.ok(r.ok, r.ok ? '' : `expected ok, got ${r.status} ${r.reason}`);
  return r.sdp;
}

describe('media events', () => {
  it('publishes started once per call and ended with the relayed counters', async () => {
    const clock = new ManualClock(1000);
    const c = controller(clock);
    relays.push(c.relay);
    const events = record();
    const a = await phone();
    const b = await phone();
    phones.push(a, b);
    const toB = mPort(okSdp(await c.sessions.offer({ callId: 'ev1', fromTag: 'ta', sdp: sdp({ port: a.port, codecs: ['0 PCMU/8000'] }) })));
    const toA = mPort(okSdp(await c.sessions.answer({ callId: 'ev1', fromTag: 'ta', toTag: 'tb', sdp: sdp({ port: b.port, codecs: ['0 PCMU/8000'] }) })));
    // A re-offer reuses the session: no second `started`.
    okSdp(await c.sessions.offer({ callId: 'ev1', fromTag: 'ta', sdp: sdp({ port: a.port, codecs: ['0 PCMU/8000'], version: 2 }) }));
    okSdp(await c.sessions.answer({ callId: 'ev1', fromTag: 'ta', toTag: 'tb', sdp: sdp({ port: b.port, codecs: ['0 PCMU/8000'], version: 2 }) }));
    assert.deepEqual(events, [{ kind: 'started', callId: 'ev1', timestamp: clock.wallNow() }]);

    // A sends sequence numbers 1, 2, 4 (3 is lost), B sends one packet.
    for (const seq of [1, 2, 4]) await a.send(rtp(0, seq, Buffer.alloc(160, seq)), toA);
    await b.waitFor(3);
    await b.send(rtp(0, 9, Buffer.alloc(160, 9), 0x99), toB);
    await a.waitFor(1);
    clock.advance(5000);
    assert.equal(await c.sessions.delete('ev1', 'bye'), true);

    assert.equal(events.length, 2);
    const ended = events[1]!;
    assert.equal(ended.kind, 'ended');
    if (ended.kind !== 'ended') return;
    assert.equal(ended.callId, 'ev1');
    assert.equal(ended.reason, 'bye');
    assert.equal(ended.durationMs, 5000);
    assert.deepEqual(ended.stats.tags, { a: 'ta', b: 'tb' });
    const relay = ended.stats.streams[0]!.relay;
    assert.deepEqual([relay.a.rtp.packetsIn, relay.a.rtp.bytesIn, relay.a.rtp.packetsOut], [3, 3 * 172, 1]);
    assert.deepEqual([relay.b.rtp.packetsIn, relay.b.rtp.packetsOut, relay.b.rtp.bytesOut], [1, 3, 3 * 172]);
    assert.equal(relay.a.packetsLost, 1);
    assert.equal(relay.b.packetsLost, 0);
    assert.equal(c.sessions.has('ev1'), false);
  });

  it('publishes timeout when the call goes silent', async () => {
    const clock = new ManualClock(0);
    const c = controller(clock, { mediaTimeoutMs: 10_000 });
    relays.push(c.relay);
    const events = record();
    const a = await phone();
    phones.push(a);
    okSdp(await c.sessions.offer({ callId: 'ev2', fromTag: 'ta', sdp: sdp({ port: a.port, codecs: ['8 PCMA/8000'] }) }));
    const timedOut: string[] = [];
    c.sessions.onTimeout((id) => timedOut.push(id));
    clock.advance(10_001);
    assert.deepEqual(timedOut, ['ev2']);
    const t = events.find((e) => e.kind === 'timeout');
    assert.deepEqual(t, { kind: 'timeout', callId: 'ev2', reason: 'no-media', timeoutMs: 10_000, timestamp: clock.wallNow() - 1 });
    await c.sessions.delete('ev2', 'media timeout');
    assert.deepEqual(events.map((e) => e.kind), ['started', 'timeout', 'ended']);
  });
});
