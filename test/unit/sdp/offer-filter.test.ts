import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CodecPolicy, codecsOf, filterOffer, type FilteredOffer, parseCodecList, parseSdp, serializeSdp, type SessionDescription, warningHeaderValue } from '../../../src/sdp/index.js';
import { AUDIO_VIDEO, LINPHONE, SIPP, WEBRTC, YEALINK, sdp } from './fixtures.js';

function parsed(text: string): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) assert.fail(r.error.reason);
  return r.value;
}

function filtered(offer: SessionDescription, policy: CodecPolicy): FilteredOffer {
  const r = filterOffer(offer, policy);
  if (!r.ok) assert.fail(r.error.detail);
  return r.value;
}

const HEAD = ['v=0', 'o=carol 42 42 IN IP4 192.0.2.10', 's=-', 'c=IN IP4 192.0.2.10', 't=0 0'];
const POLICY = { codecs: parseCodecList('!all,g722,ulaw,alaw') };

describe('filterOffer', () => {
  it('applies `!all,g722,ulaw,alaw` to a Yealink offer: G729 goes, order follows the policy, DTMF stays', () => {
    const r = filtered(parsed(YEALINK), POLICY);
    assert.equal(
      serializeSdp(r.sdp),
      sdp(
        'v=0',
        'o=- 20023 20023 IN IP4 10.0.0.50',
        's=SDP data',
        'c=IN IP4 10.0.0.50',
        't=0 0',
        'm=audio 11796 RTP/AVP 9 0 8 101',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=ptime:20',
        'a=sendrecv',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
      ),
    );
    assert.deepEqual(r.media, [{ index: 0, filtered: true, rejected: false, kept: [9, 0, 8, 101], removed: ['18'], added: [] }]);
  });

  it('reorders by preference and keeps every telephone-event of a Linphone offer', () => {
    const offer = parsed(LINPHONE);
    const r = filtered(offer, { codecs: ['pcma', 'pcmu'] });
    const md = r.sdp.media[0];
    assert.deepEqual(md.formats, ['8', '0', '101', '99', '100']);
    assert.deepEqual(r.media[0].removed, ['96', '97', '98', '18']);
    assert.deepEqual(
      md.attributes.map((a) => `${a.name}:${a.value}`),
      ['rtpmap:101 telephone-event/48000', 'rtpmap:99 telephone-event/16000', 'rtpmap:100 telephone-event/8000', 'rtcp-fb:* trr-int 1000', 'rtcp-fb:* ccm tmmbr'],
    );
    assert.deepEqual(r.sdp.attributes, offer.attributes);
    assert.equal(serializeSdp(offer), LINPHONE, 'the input is not modified');
  });

  it('keeps comfort noise and drops per-format lines of removed codecs (WebRTC)', () => {
    const r = filtered(parsed(WEBRTC), POLICY);
    const md = r.sdp.media[0];
    assert.deepEqual(md.formats, ['9', '0', '8', '13', '110', '126']);
    for (const name of ['rtpmap', 'fmtp', 'rtcp-fb']) {
      assert.ok(!md.attributes.some((a) => a.name === name && /^(111|63) /.test(a.value ?? '')), `${name} for 111/63 removed`);
    }
    assert.ok(md.attributes.some((a) => a.name === 'ice-ufrag'), 'non-codec attributes are kept');
  });

  it('answers 488 + Warning 305 when no allowed codec remains', () => {
    const r = filterOffer(parsed(SIPP), { codecs: ['g722', 'pcma'] });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.status, 488);
    assert.equal(r.error.reasonPhrase, 'Not Acceptable Here');
    assert.equal(r.error.mediaIndex, 0);
    assert.equal(r.error.detail, 'm-line 0 (audio): no allowed codec among PCMU');
    assert.equal(warningHeaderValue(r.error, 'sbc.example.com'), '305 sbc.example.com "Incompatible media format"');
  });

  it('telephone-event alone is not enough to accept a stream', () => {
    const offer = parsed(sdp(...HEAD, 'm=audio 4000 RTP/AVP 18 101', 'a=rtpmap:101 telephone-event/8000'));
    assert.equal(filterOffer(offer, POLICY).ok, false);
  });

  it('adds PCMU (static PT 0) to a PCMA-only offer when PCMA↔PCMU can be transcoded', () => {
    const offer = parsed(sdp(...HEAD, 'm=audio 4000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20'));
    const r = filtered(offer, { codecs: ['g722', 'pcmu', 'pcma'], transcodable: [['pcmu', 'pcma']] });
    const md = r.sdp.media[0];
    assert.deepEqual(md.formats, ['8', '0', '101']);
    assert.deepEqual(r.media[0].added, [{ pt: 0, name: 'pcmu', encodingName: 'PCMU', clockRate: 8000, channels: 1, from: [8] }]);
    assert.deepEqual(
      md.attributes.map((a) => `${a.name}:${a.value}`),
      ['rtpmap:8 PCMA/8000', 'rtpmap:101 telephone-event/8000', 'fmtp:101 0-15', 'rtpmap:0 PCMU/8000', 'ptime:20'],
    );
  });

  it('does not add a codec the offer already has, nor one outside the policy', () => {
    const both = filtered(parsed(sdp(...HEAD, 'm=audio 4000 RTP/AVP 8 0')), { codecs: ['pcmu', 'pcma'], transcodable: [['pcmu', 'pcma']] });
    assert.deepEqual(both.sdp.media[0].formats, ['0', '8']);
    assert.deepEqual(both.media[0].added, []);
    const notAllowed = filtered(parsed(sdp(...HEAD, 'm=audio 4000 RTP/AVP 8')), { codecs: ['pcma'], transcodable: [['pcmu', 'pcma']] });
    assert.deepEqual(notAllowed.sdp.media[0].formats, ['8']);
  });

  it('gives a non-static codec a free dynamic PT, and DTMF a telephone-event at the new clock rate', () => {
    const offer = parsed(
      sdp(...HEAD, 'm=audio 4000 RTP/AVP 96 97', 'a=rtpmap:96 opus/48000/2', 'a=fmtp:96 useinbandfec=1', 'a=rtpmap:97 telephone-event/48000', 'a=fmtp:97 0-16'),
    );
    const r = filtered(offer, { codecs: ['opus', 'pcmu'], transcodable: [['opus', 'pcmu']] });
    assert.deepEqual(r.sdp.media[0].formats, ['96', '0', '97', '98']);
    assert.deepEqual(
      r.media[0].added.map((c) => [c.pt, c.name, c.clockRate, c.from]),
      [[0, 'pcmu', 8000, [96]], [98, 'telephone-event', 8000, [97]]],
    );
    assert.deepEqual(
      codecsOf(r.sdp.media[0]).map((c) => `${c.pt} ${c.encodingName}/${c.clockRate}/${c.channels} ${c.fmtp ?? ''}`.trim()),
      ['96 opus/48000/2 useinbandfec=1', '0 PCMU/8000/1', '97 telephone-event/48000/1 0-16', '98 telephone-event/8000/1 0-16'],
    );

    const pcmuOnly = filtered(parsed(sdp(...HEAD, 'm=audio 4000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000')), { codecs: ['pcmu', 'opus'], transcodable: [['pcmu', 'opus']] });
    assert.deepEqual(pcmuOnly.sdp.media[0].formats, ['0', '97', '96', '98']);
    assert.deepEqual(pcmuOnly.media[0].added.map((c) => `${c.pt} ${c.name}/${c.clockRate}/${c.channels}`), ['97 opus/48000/2', '98 telephone-event/48000/1']);
  });

  it('passes video through (or rejects it with otherMedia: reject)', () => {
    const offer = parsed(AUDIO_VIDEO);
    const keep = filtered(offer, { codecs: ['pcma'] });
    assert.deepEqual(keep.sdp.media[0].formats, ['8', '101']);
    assert.deepEqual(keep.sdp.media[1], offer.media[1]);
    assert.equal(keep.media[1].filtered, false);
    const reject = filtered(offer, { codecs: ['pcma'], otherMedia: 'reject' });
    assert.equal(reject.sdp.media[1].port, 0);
    assert.equal(reject.media[1].rejected, true);
  });

  it('disables an unusable second audio stream with port 0 and keeps the call', () => {
    const offer = parsed(sdp(...HEAD, 'm=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 18', 'm=audio 0 RTP/AVP 0'));
    const r = filtered(offer, { codecs: ['pcmu'] });
    assert.deepEqual(r.sdp.media.map((m) => [m.port, m.formats.join(' ')]), [[4000, '0'], [0, '18'], [0, '0']]);
    assert.deepEqual(r.media.map((m) => m.rejected), [false, true, true]);
    assert.deepEqual(r.media.map((m) => m.filtered), [true, true, false]);
  });
});
