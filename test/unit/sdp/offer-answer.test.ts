import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  answerForOfferer,
  bumpVersion,
  codecsOf,
  filterOffer,
  isSameSession,
  type MediaPlan,
  parseSdp,
  planMedia,
  type PlanOptions,
  serializeSdp,
  type SessionDescription,
  versionChange,
} from '../../../src/sdp/index.js';
import { AUDIO_VIDEO, YEALINK, sdp } from './fixtures.js';

function parsed(text: string): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) assert.fail(r.error.reason);
  return r.value;
}

function plan(offer: SessionDescription, answer: SessionDescription, options?: PlanOptions): MediaPlan[] {
  const r = planMedia(offer, answer, options);
  if (!r.ok) assert.fail(r.error.reason);
  return r.value;
}

const CALLEE = ['v=0', 'o=callee 7 7 IN IP4 198.51.100.20', 's=-', 'c=IN IP4 198.51.100.20', 't=0 0'];

describe('planMedia', () => {
  it('normal call: the answerer picks PCMU from a Yealink offer, no transcoding', () => {
    const offer = parsed(YEALINK);
    const answer = parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=sendrecv'));
    const [p] = plan(offer, answer);
    assert.equal(p.rejected, false);
    assert.equal(p.codec?.name, 'pcmu');
    assert.equal(p.offererCodec?.name, 'pcmu');
    assert.deepEqual([p.offererPt, p.answererPt, p.transcode], [0, 0, false]);
    assert.deepEqual(p.telephoneEvent, { offerer: 101, answerer: 101 });
    assert.deepEqual(p.direction, { offerer: 'sendrecv', answerer: 'sendrecv' });
    assert.deepEqual(p.hold, { offerer: false, answerer: false });
    assert.deepEqual(p.offerer, { address: '10.0.0.50', port: 11796, rtcpPort: 11797, rtcpMux: false });
    assert.deepEqual(p.answerer, { address: '198.51.100.20', port: 20000, rtcpPort: 20001, rtcpMux: false });
    // Nothing to map: the answer goes back as it is.
    assert.equal(serializeSdp(answerForOfferer(offer, answer, [p])), serializeSdp(answer));
  });

  it('maps answer PTs back to the offerer’s numbers and drops codecs the offerer never offered', () => {
    const offer = parsed(sdp('v=0', 'o=a 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 100 8 101', 'a=rtpmap:100 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'));
    const answer = parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 0 9 96', 'a=rtpmap:96 telephone-event/8000', 'a=fmtp:96 0-11', 'a=ptime:20'));
    const plans = plan(offer, answer);
    assert.deepEqual([plans[0].offererPt, plans[0].answererPt, plans[0].transcode], [100, 0, false]);
    assert.deepEqual(plans[0].telephoneEvent, { offerer: 101, answerer: 96 });
    const back = answerForOfferer(offer, answer, plans).media[0];
    assert.deepEqual(back.formats, ['100', '101']);
    assert.deepEqual(back.attributes.map((a) => `${a.name}:${a.value}`), ['rtpmap:100 PCMU/8000', 'rtpmap:101 telephone-event/8000', 'fmtp:101 0-11', 'ptime:20']);
  });

  it('transcoding: PCMA-only caller, callee answers the added PCMU; the caller gets PCMA back', () => {
    const offer = parsed(sdp('v=0', 'o=a 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'));
    const policy = { codecs: ['pcmu', 'pcma'], transcodable: [['pcmu', 'pcma']] };
    const forwarded = filterOffer(offer, policy);
    assert.ok(forwarded.ok);
    assert.deepEqual(forwarded.value.sdp.media[0].formats, ['8', '0', '101']);
    const answer = parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'));
    const [p] = plan(offer, answer, policy);
    assert.equal(p.transcode, true);
    assert.deepEqual([p.codec?.name, p.answererPt, p.offererCodec?.name, p.offererPt], ['pcmu', 0, 'pcma', 8]);
    assert.deepEqual(p.telephoneEvent, { offerer: 101, answerer: 101 });
    const back = answerForOfferer(offer, answer, [p]);
    assert.equal(
      serializeSdp(back),
      sdp(...CALLEE, 'm=audio 20000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'),
    );
    // Without the transcoding groups, PCMU is not usable by the offerer.
    const e = planMedia(offer, answer);
    assert.equal(e.ok, false);
    if (!e.ok) assert.deepEqual([e.error.code, e.error.mediaIndex], ['OA_ERR_NO_COMMON_CODEC', 0]);
  });

  it('transcoding opus ↔ PCMU keeps the offerer’s opus fmtp and its 48 kHz telephone-event', () => {
    const offer = parsed(sdp('v=0', 'o=a 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 96 97', 'a=rtpmap:96 opus/48000/2', 'a=fmtp:96 useinbandfec=1', 'a=rtpmap:97 telephone-event/48000'));
    const answer = parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 0 98', 'a=rtpmap:98 telephone-event/8000'));
    const [p] = plan(offer, answer, { transcodable: [['opus', 'pcmu']] });
    assert.deepEqual(p.telephoneEvent, { offerer: 97, answerer: 98 });
    const back = answerForOfferer(offer, answer, [p]).media[0];
    assert.deepEqual(back.formats, ['96', '97']);
    assert.deepEqual(codecsOf(back).map((c) => `${c.pt} ${c.encodingName}/${c.clockRate}/${c.channels} ${c.fmtp ?? ''}`.trim()), ['96 opus/48000/2 useinbandfec=1', '97 telephone-event/48000/1']);
  });

  it('rejected m-line: port 0 in the answer stays port 0, with the offer’s formats', () => {
    const offer = parsed(AUDIO_VIDEO);
    const answer = parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 8', 'm=video 0 RTP/AVP 31'));
    const plans = plan(offer, answer);
    assert.deepEqual(plans.map((p) => p.rejected), [false, true]);
    assert.equal(plans[1].codec, undefined);
    assert.deepEqual(plans[0].telephoneEvent, {}, 'no DTMF PT when the answer has no telephone-event');
    const back = answerForOfferer(offer, answer, plans);
    assert.equal(back.media.length, 2, 'RFC 3264 §6: same number of m-lines');
    assert.deepEqual([back.media[1].port, back.media[1].formats], [0, ['97']]);
  });

  it('hold: sendonly re-offer answered recvonly, and old-style c=0.0.0.0', () => {
    const reoffer = parsed(sdp('v=0', 'o=- 20023 20024 IN IP4 10.0.0.50', 's=-', 'c=IN IP4 10.0.0.50', 't=0 0', 'm=audio 11796 RTP/AVP 0', 'a=sendonly'));
    const answer = parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 0', 'a=recvonly'));
    const [p] = plan(reoffer, answer);
    assert.deepEqual(p.direction, { offerer: 'sendonly', answerer: 'recvonly' });
    assert.deepEqual(p.hold, { offerer: true, answerer: false });
    assert.equal(p.rejected, false);
    const old = parsed(sdp('v=0', 'o=- 20023 20025 IN IP4 10.0.0.50', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 11796 RTP/AVP 0'));
    const [q] = plan(old, parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 0')));
    assert.deepEqual(q.hold, { offerer: true, answerer: false });
    assert.equal(q.offerer.address, '0.0.0.0');
  });

  it('rejects answers whose m-lines do not match the offer (RFC 3264 §6)', () => {
    const offer = parsed(AUDIO_VIDEO);
    const short = planMedia(offer, parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 0')));
    assert.equal(short.ok ? '' : short.error.code, 'OA_ERR_MLINE_COUNT');
    const swapped = planMedia(offer, parsed(sdp(...CALLEE, 'm=video 20000 RTP/AVP 97', 'a=rtpmap:97 H264/90000', 'm=audio 20002 RTP/AVP 0')));
    assert.equal(swapped.ok ? '' : swapped.error.code, 'OA_ERR_MLINE_TYPE');
  });

  it('late offer: the same functions work when the callee’s 200 carries the offer and the ACK the answer', () => {
    // INVITE without SDP → the callee offers in its 2xx; the B2BUA filters it toward the caller.
    const offerIn200 = parsed(sdp(...CALLEE, 'm=audio 20000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000'));
    const policy = { codecs: ['pcmu', 'pcma'], transcodable: [['pcmu', 'pcma']] };
    const toCaller = filterOffer(offerIn200, policy);
    assert.ok(toCaller.ok);
    assert.deepEqual(toCaller.value.sdp.media[0].formats, ['8', '0', '101']);
    // The caller answers in its ACK, choosing PCMU; the ACK toward the callee names PCMA.
    const answerInAck = parsed(sdp('v=0', 'o=caller 3 3 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000'));
    const [p] = plan(offerIn200, answerInAck, policy);
    assert.deepEqual([p.codec?.name, p.offererCodec?.name, p.transcode], ['pcmu', 'pcma', true]);
    assert.deepEqual(answerForOfferer(offerIn200, answerInAck, [p]).media[0].formats, ['8', '101']);
  });
});

describe('re-offers (RFC 3264 §8)', () => {
  const v1 = parsed(YEALINK);

  it('identifies the session by o= username and sess-id', () => {
    assert.equal(isSameSession(v1, bumpVersion(v1)), true);
    assert.equal(isSameSession(v1, parsed(YEALINK.replace('o=- 20023', 'o=- 20099'))), false);
  });

  it('bumpVersion increments sess-version by one, beyond 64 bits too, without touching the input', () => {
    const v2 = bumpVersion(v1);
    assert.equal(v2.origin.sessVersion, '20024');
    assert.equal(v1.origin.sessVersion, '20023');
    const big = parsed(YEALINK.replace('o=- 20023 20023', 'o=- 20023 18446744073709551615'));
    assert.equal(bumpVersion(big).origin.sessVersion, '18446744073709551616');
  });

  it('versionChange tells a refresh from a change', () => {
    assert.equal(versionChange(v1, v1), 'unchanged');
    assert.equal(versionChange(v1, bumpVersion(v1)), 'changed');
    assert.equal(versionChange(bumpVersion(v1), v1), 'stale');
    assert.equal(versionChange(v1, parsed(AUDIO_VIDEO)), 'new-session');
  });
});
