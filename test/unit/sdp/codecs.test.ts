import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  codecsOf,
  connectionOf,
  directionOf,
  fmtpOf,
  isHold,
  normalizeCodecName,
  parseCodecList,
  parseSdp,
  ptimeOf,
  reverseDirection,
  rtcpOf,
  rtpmapOf,
  serializeSdp,
  staticPayloadTypeFor,
  type SessionDescription,
  withDirection,
} from '../../../src/sdp/index.js';
import { AUDIO_VIDEO, BARESIP, LINPHONE, SIPP, WEBRTC, YEALINK, sdp } from './fixtures.js';

function parsed(text: string): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) assert.fail(r.error.reason);
  return r.value;
}

describe('codec names', () => {
  it('normalizes case and configuration aliases', () => {
    assert.equal(normalizeCodecName('PCMU'), 'pcmu');
    assert.equal(normalizeCodecName('ulaw'), 'pcmu');
    assert.equal(normalizeCodecName('G711A'), 'pcma');
    assert.equal(normalizeCodecName('Telephone-Event'), 'telephone-event');
    assert.equal(normalizeCodecName('OPUS'), 'opus');
    assert.equal(normalizeCodecName('G.722'), 'g722');
  });

  it('parses `!all,g722,ulaw,alaw` into a preference list', () => {
    assert.deepEqual(parseCodecList('!all,g722,ulaw,alaw'), ['g722', 'pcmu', 'pcma']);
    assert.deepEqual(parseCodecList('opus, pcmu ,pcma,!opus,pcmu'), ['pcmu', 'pcma']);
    assert.deepEqual(parseCodecList('gsm,!all'), []);
  });
});

describe('rtpmap / fmtp / codecsOf', () => {
  it('falls back to the RFC 3551 static table when a=rtpmap is absent', () => {
    const md = parsed(SIPP).media[0];
    assert.deepEqual(rtpmapOf(md, 0), { pt: 0, encodingName: 'PCMU', clockRate: 8000, channels: 1 });
    assert.deepEqual(codecsOf(md), [{ pt: 0, name: 'pcmu', encodingName: 'PCMU', clockRate: 8000, channels: 1 }]);
    const bare = parsed(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 9 3 4 8 18 13'));
    assert.deepEqual(
      codecsOf(bare.media[0]).map((c) => `${c.pt} ${c.encodingName}/${c.clockRate}`),
      ['9 G722/8000', '3 GSM/8000', '4 G723/8000', '8 PCMA/8000', '18 G729/8000', '13 CN/8000'],
    );
    assert.equal(rtpmapOf(bare.media[0], 96), undefined);
    assert.equal(rtpmapOf(bare.media[0], 'x'), undefined);
    assert.equal(staticPayloadTypeFor('pcma', 8000), 8);
    assert.equal(staticPayloadTypeFor('opus', 48000, 2), undefined);
  });

  it('resolves dynamic types, channels and fmtp (also for a static PT)', () => {
    const codecs = codecsOf(parsed(LINPHONE).media[0]);
    assert.deepEqual(codecs[0], { pt: 96, name: 'opus', encodingName: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' });
    assert.deepEqual(codecs.find((c) => c.pt === 18), { pt: 18, name: 'g729', encodingName: 'G729', clockRate: 8000, channels: 1, fmtp: 'annexb=yes' });
    assert.deepEqual(
      codecs.filter((c) => c.name === 'telephone-event').map((c) => [c.pt, c.clockRate]),
      [[101, 48000], [99, 16000], [100, 8000]],
    );
    assert.equal(fmtpOf(parsed(YEALINK).media[0], 101), '0-15');
    assert.equal(fmtpOf(parsed(YEALINK).media[0], 0), undefined);
  });

  it('leaves out a dynamic PT that has no rtpmap', () => {
    const sd = parsed(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0 98'));
    assert.deepEqual(codecsOf(sd.media[0]).map((c) => c.pt), [0]);
  });
});

describe('accessors', () => {
  it('direction: media level overrides session level, default sendrecv', () => {
    const sd = parsed(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'a=sendonly', 'm=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 0', 'a=inactive'));
    assert.equal(directionOf(sd, 0), 'sendonly');
    assert.equal(directionOf(sd, 1), 'inactive');
    assert.equal(directionOf(parsed(SIPP), 0), 'sendrecv');
    assert.equal(reverseDirection('sendonly'), 'recvonly');
    assert.equal(reverseDirection('inactive'), 'inactive');
  });

  it('withDirection replaces the media direction without touching the input', () => {
    const sd = parsed(YEALINK);
    const held = withDirection(sd, 0, 'sendonly');
    assert.equal(directionOf(held, 0), 'sendonly');
    assert.equal(directionOf(sd, 0), 'sendrecv');
    assert.equal(held.media[0].attributes.filter((a) => a.name === 'sendonly' || a.name === 'sendrecv').length, 1);
    assert.equal(serializeSdp(sd), YEALINK);
  });

  it('connection: media c= else session c=', () => {
    assert.equal(connectionOf(parsed(WEBRTC), 0)?.address, '203.0.113.7');
    assert.equal(connectionOf(parsed(BARESIP), 0)?.address, '192.168.0.3');
    assert.equal(connectionOf(parsed(BARESIP), 5), undefined);
  });

  it('RTCP port: a=rtcp (RFC 3605) else port + 1, with rtcp-mux flag', () => {
    assert.deepEqual(rtcpOf(parsed(WEBRTC), 0), { port: 9, address: '0.0.0.0', mux: true });
    assert.deepEqual(rtcpOf(parsed(BARESIP), 0), { port: 30449, mux: false });
    assert.deepEqual(rtcpOf(parsed(SIPP + 'm=video 0 RTP/AVP 31\r\n'), 1), { port: 0, mux: false });
    assert.equal(rtcpOf(parsed(SIPP), 3), undefined);
  });

  it('ptime: media level, else session level', () => {
    assert.equal(ptimeOf(parsed(BARESIP), 0), 20);
    assert.equal(ptimeOf(parsed(SIPP), 0), undefined);
    assert.equal(ptimeOf(parsed(SIPP.replace('t=0 0', 't=0 0\r\na=ptime:30')), 0), 30);
  });

  it('isHold: sendonly, inactive or c=0.0.0.0 (RFC 3264 §8.4); not recvonly', () => {
    const base = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0'];
    assert.equal(isHold(parsed(sdp(...base.slice(0, 3), 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=sendonly')), 0), true);
    assert.equal(isHold(parsed(sdp(...base.slice(0, 3), 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=inactive'))), true);
    assert.equal(isHold(parsed(sdp(...base.slice(0, 3), 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 4000 RTP/AVP 0')), 0), true);
    assert.equal(isHold(parsed(sdp(...base.slice(0, 3), 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=recvonly')), 0), false);
    assert.equal(isHold(parsed(AUDIO_VIDEO)), false);
    const oneHeld = withDirection(parsed(AUDIO_VIDEO), 0, 'sendonly');
    assert.equal(isHold(oneHeld, 0), true);
    assert.equal(isHold(oneHeld), false);
    assert.equal(isHold(withDirection(oneHeld, 1, 'inactive')), true);
  });
});
