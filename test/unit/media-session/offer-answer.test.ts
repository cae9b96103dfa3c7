/**
 * MediaSessions signalling on a real relay (127.0.0.1, small port range): SDP rewriting in
 * both directions, codec policy and 488/400, hold and resume, re-offers from either leg,
 * late offer, forked answers, extra m-lines, delete and port exhaustion.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import type { MediaRelay } from '../../../src/media/index.js';
import type { MediaResult, MediaSessions } from '../../../src/media-session/index.js';
import { controller, mFormats, mPort, sdp } from './helpers.js';

const open: MediaRelay[] = [];
function setup(options: Parameters<typeof controller>[1] = {}): { relay: MediaRelay; sessions: MediaSessions; clock: ManualClock } {
  const clock = new ManualClock();
  const c = controller(clock, options);
  open.push(c.relay);
  return { ...c, clock };
}

afterEach(async () => {
  for (const r of open.splice(0)) await r.close();
});

function okSdp(r: MediaResult): string {
  assert.ok(r.ok, r.ok ? '' : `expected ok, got ${r.status} ${r.reason}`);
  return r.sdp;
}

describe('MediaSessions offer/answer', () => {
  it('rewrites the offer to the relay B side and the answer to the A side', async () => {
    const { relay, sessions } = setup({ advertisedAddress: '192.0.2.7' });
    const offer = sdp({ port: 4000, address: '10.0.0.5', codecs: ['0 PCMU/8000', '8 PCMA/8000', '101 telephone-event/8000'], audioAttributes: ['a=rtcp-mux', 'a=candidate:1 1 UDP 2130706431 10.0.0.5 4000 typ host'] });
    const fwd = okSdp(await sessions.offer({ callId: 'c1', fromTag: 'ta', sdp: offer }));
    const s = relay.get('c1#m0');
    assert.ok(s);
    assert.equal(mPort(fwd), s.ports.b.rtp);
    assert.match(fwd, /^c=IN IP4 192\.0\.2\.7\r$/m);
    assert.match(fwd, /^o=- 1001 1 IN IP4 192\.0\.2\.7\r$/m);
    assert.doesNotMatch(fwd, /10\.0\.0\.5/);
    assert.doesNotMatch(fwd, /rtcp-mux|candidate/);
    assert.deepEqual(mFormats(fwd), ['0', '8', '101']);
    assert.equal(sessions.stats('c1')?.state, 'offered');
    assert.deepEqual(sessions.stats('c1')?.streams[0].signalled.a, { address: '10.0.0.5', port: 4000 });

    const answer = sdp({ port: 5000, address: '10.0.0.9', id: '2002', codecs: ['0 PCMU/8000', '101 telephone-event/8000'] });
    const back = okSdp(await sessions.answer({ callId: 'c1', fromTag: 'ta', toTag: 'tb', sdp: answer }));
    assert.equal(mPort(back), s.ports.a.rtp);
    assert.match(back, /^c=IN IP4 192\.0\.2\.7\r$/m);
    assert.deepEqual(mFormats(back), ['0', '101']);
    const st = sessions.stats('c1');
    assert.equal(st?.state, 'answered');
    assert.deepEqual(st?.tags, { a: 'ta', b: 'tb' });
    assert.deepEqual(st?.streams[0].codec, { a: 'PCMU/8000', b: 'PCMU/8000' });
    assert.equal(st?.streams[0].transcoding, false);
    assert.deepEqual(st?.streams[0].relay.b.peer, { address: '10.0.0.9', port: 5000, latched: false });
    assert.deepEqual(st?.streams[0].relay.a.peer, { address: '10.0.0.5', port: 4000, latched: false });
  });

  it('adds PCMU for a PCMA-only caller when transcoding, and not without', async () => {
    const on = setup();
    const fwd = okSdp(await on.sessions.offer({ callId: 't1', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['8 PCMA/8000'] }) }));
    assert.deepEqual(mFormats(fwd), ['8', '0']);
    assert.match(fwd, /^a=rtpmap:0 PCMU\/8000\r$/m);
    const back = okSdp(await on.sessions.answer({ callId: 't1', fromTag: 'a', toTag: 'b', sdp: sdp({ port: 5000, codecs: ['0 PCMU/8000'] }) }));
    assert.deepEqual(mFormats(back), ['8']);
    assert.match(back, /^a=rtpmap:8 PCMA\/8000\r$/m);
    const st = on.sessions.stats('t1')!.streams[0];
    assert.equal(st.transcoding, true);
    assert.deepEqual(st.codec, { a: 'PCMA/8000', b: 'PCMU/8000' });

    const off = setup({ transcode: false });
    const plain = okSdp(await off.sessions.offer({ callId: 't2', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['8 PCMA/8000'] }) }));
    assert.deepEqual(mFormats(plain), ['8']);
  });

  it('refuses an offer without an allowed codec with 488 + Warning text, and bad SDP with 400', async () => {
    const { sessions, relay } = setup({ codecs: ['pcmu'], transcode: false });
    const free = relay.freePortPairs;
    const r = await sessions.offer({ callId: 'n1', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['8 PCMA/8000', '3 GSM/8000'] }) });
    assert.deepEqual(r, { ok: false, status: 488, reason: 'Not Acceptable Here', warning: 'Incompatible media format' });
    assert.equal(sessions.has('n1'), false);
    assert.equal(relay.freePortPairs, free);

    const bad = await sessions.offer({ callId: 'n2', fromTag: 'a', sdp: 'v=0\r\nm=audio abc RTP/AVP 0\r\n' });
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.status, 400);
      assert.ok(bad.reason.length > 0);
    }
    const noAudio = await sessions.offer({ callId: 'n3', fromTag: 'a', sdp: sdp({ port: 0, codecs: ['0 PCMU/8000'] }) });
    assert.equal(noAudio.ok, false);
    if (!noAudio.ok) assert.equal(noAudio.status, 488);
  });

  it('refuses an answer with no codec usable by the offerer (488) and an answer for an unknown call (500)', async () => {
    const { sessions } = setup({ transcode: false });
    okSdp(await sessions.offer({ callId: 'x', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) }));
    const r = await sessions.answer({ callId: 'x', fromTag: 'a', toTag: 'b', sdp: sdp({ port: 5000, codecs: ['8 PCMA/8000'] }) });
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual([r.status, r.warning], [488, 'Incompatible media format']);
    const u = await sessions.answer({ callId: 'nope', fromTag: 'a', toTag: 'b', sdp: sdp({ port: 5000, codecs: ['0 PCMU/8000'] }) });
    assert.equal(u.ok, false);
    if (!u.ok) assert.equal(u.status, 500);
  });

  it('keeps the ports on re-offers from either leg; hold forwards sendonly and lengthens the timeout; resume restores it', async () => {
    const { relay, sessions } = setup({ holdTimeoutMs: 3_600_000 });
    const fwd = okSdp(await sessions.offer({ callId: 'h', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) }));
    const back = okSdp(await sessions.answer({ callId: 'h', fromTag: 'a', toTag: 'b', sdp: sdp({ port: 5000, id: '2', codecs: ['0 PCMU/8000'] }) }));
    const ports = relay.get('h#m0')!.ports;
    assert.equal(sessions.stats('h')?.timeoutMs, 60_000);

    // A holds (re-INVITE, sendonly).
    const hold = okSdp(await sessions.offer({ callId: 'h', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'], direction: 'sendonly', version: 2 }) }));
    assert.match(hold, /^a=sendonly\r$/m);
    assert.equal(mPort(hold), mPort(fwd));
    assert.equal(sessions.stats('h')?.hold.a, true);
    assert.equal(sessions.stats('h')?.timeoutMs, 3_600_000);
    const holdAnswer = okSdp(await sessions.answer({ callId: 'h', fromTag: 'a', toTag: 'b', sdp: sdp({ port: 5000, id: '2', version: 2, codecs: ['0 PCMU/8000'], direction: 'recvonly' }) }));
    assert.match(holdAnswer, /^a=recvonly\r$/m);
    assert.equal(mPort(holdAnswer), mPort(back));

    // Old-style hold by B (c=0.0.0.0): the null address reaches A unchanged.
    const nullHold = okSdp(await sessions.offer({ callId: 'h', fromTag: 'b', sdp: sdp({ port: 5000, id: '2', version: 3, address: '0.0.0.0', codecs: ['0 PCMU/8000'] }) }));
    assert.match(nullHold, /^c=IN IP4 0\.0\.0\.0\r$/m);
    assert.equal(mPort(nullHold), ports.a.rtp, 'a re-offer from B is forwarded with the A-side port');
    assert.equal(sessions.stats('h')?.hold.b, true);

    // Both resume.
    okSdp(await sessions.answer({ callId: 'h', fromTag: 'b', toTag: 'a', sdp: sdp({ port: 4000, version: 3, codecs: ['0 PCMU/8000'] }) }));
    const resumeB = okSdp(await sessions.offer({ callId: 'h', fromTag: 'b', sdp: sdp({ port: 5000, id: '2', version: 4, codecs: ['0 PCMU/8000'] }) }));
    assert.match(resumeB, /^a=sendrecv\r$/m);
    const resumeA = okSdp(await sessions.answer({ callId: 'h', fromTag: 'b', toTag: 'a', sdp: sdp({ port: 4000, version: 4, codecs: ['0 PCMU/8000'] }) }));
    assert.equal(mPort(resumeA), ports.b.rtp);
    assert.deepEqual(sessions.stats('h')?.hold, { a: false, b: false });
    assert.equal(sessions.stats('h')?.timeoutMs, 60_000);
    assert.deepEqual(relay.get('h#m0')!.ports, ports);
  });

  it('handles a late offer: offer from the callee, answer from the caller', async () => {
    const { relay, sessions } = setup();
    const fwd = okSdp(await sessions.offer({ callId: 'late', fromTag: 'callee', sdp: sdp({ port: 5000, codecs: ['0 PCMU/8000'] }) }));
    const back = okSdp(await sessions.answer({ callId: 'late', fromTag: 'callee', toTag: 'caller', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) }));
    const ports = relay.get('late#m0')!.ports;
    assert.equal(mPort(fwd), ports.b.rtp);
    assert.equal(mPort(back), ports.a.rtp);
    assert.deepEqual(sessions.stats('late')?.tags, { a: 'callee', b: 'caller' });
    const wrong = await sessions.answer({ callId: 'late', fromTag: 'caller', toTag: 'x', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) });
    assert.equal(wrong.ok, false);
  });

  it('lets a later forked answer replace leg B (last 2xx wins)', async () => {
    const { sessions } = setup();
    okSdp(await sessions.offer({ callId: 'f', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) }));
    okSdp(await sessions.answer({ callId: 'f', fromTag: 'a', toTag: 'b1', sdp: sdp({ port: 5000, address: '10.0.0.1', codecs: ['0 PCMU/8000'] }) }));
    okSdp(await sessions.answer({ callId: 'f', fromTag: 'a', toTag: 'b2', sdp: sdp({ port: 6000, address: '10.0.0.2', codecs: ['0 PCMU/8000'] }) }));
    const st = sessions.stats('f')!;
    assert.equal(st.tags.b, 'b2');
    assert.deepEqual(st.streams[0].signalled.b, { address: '10.0.0.2', port: 6000 });
    const stranger = await sessions.offer({ callId: 'f', fromTag: 'zz', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) });
    assert.equal(stranger.ok, false);
  });

  it('relays a video m-line on its own ports and disables a non-RTP one', async () => {
    const { relay, sessions } = setup();
    const extra = ['m=video 4002 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=image 4004 udptl t38'];
    const fwd = okSdp(await sessions.offer({ callId: 'v', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'], extra }) }));
    const audio = relay.get('v#m0')!.ports;
    const video = relay.get('v#m1')!.ports;
    assert.equal(relay.get('v#m2'), undefined);
    assert.deepEqual([mPort(fwd, 0), mPort(fwd, 1), mPort(fwd, 2)], [audio.b.rtp, video.b.rtp, 0]);
    const answerExtra = ['m=video 5002 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=image 0 udptl t38'];
    const back = okSdp(await sessions.answer({ callId: 'v', fromTag: 'a', toTag: 'b', sdp: sdp({ port: 5000, codecs: ['0 PCMU/8000'], extra: answerExtra }) }));
    assert.deepEqual([mPort(back, 0), mPort(back, 1), mPort(back, 2)], [audio.a.rtp, video.a.rtp, 0]);
    assert.equal(sessions.stats('v')?.streams.length, 2);
  });

  it('delete releases every port; a second delete is false', async () => {
    const { relay, sessions } = setup();
    const free = relay.freePortPairs;
    okSdp(await sessions.offer({ callId: 'd', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'], extra: ['m=video 4002 RTP/AVP 31'] }) }));
    assert.equal(relay.freePortPairs, free - 4);
    assert.equal(await sessions.delete('d', 'bye'), true);
    assert.equal(relay.freePortPairs, free);
    assert.equal(sessions.has('d'), false);
    assert.equal(relay.get('d#m0'), undefined);
    assert.equal(await sessions.delete('d', 'bye'), false);
    assert.deepEqual(sessions.list(), []);
  });

  it('answers 503 when the port range is exhausted, leaving nothing allocated', async () => {
    const { relay, sessions } = setup({ pairs: 3 });
    okSdp(await sessions.offer({ callId: 'p1', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) }));
    const r = await sessions.offer({ callId: 'p2', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.status, 503);
    assert.equal(sessions.has('p2'), false);
    assert.equal(relay.freePortPairs, 1);
  });

  it('reports a media timeout once all streams are silent, later while on hold', async () => {
    const { sessions, clock } = setup({ mediaTimeoutMs: 1000, holdTimeoutMs: 5000 });
    const fired: [string, string][] = [];
    sessions.onTimeout((id, reason) => fired.push([id, reason]));
    okSdp(await sessions.offer({ callId: 'to', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) }));
    okSdp(await sessions.answer({ callId: 'to', fromTag: 'a', toTag: 'b', sdp: sdp({ port: 5000, codecs: ['0 PCMU/8000'] }) }));
    clock.advance(999);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, [['to', 'no-media']]);

    okSdp(await sessions.offer({ callId: 'to2', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'], direction: 'inactive' }) }));
    clock.advance(1000);
    assert.equal(fired.length, 1, 'on hold: the normal timeout does not apply');
    clock.advance(4000);
    assert.deepEqual(fired[1], ['to2', 'no-media']);
  });
});
