import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerForOfferer, directionOf, filterOffer, isHold, parseSdp, planMedia, rewriteForRelay, serializeSdp, type SessionDescription } from '../../../src/sdp/index.js';
import { AUDIO_VIDEO, BARESIP, WEBRTC, sdp } from './fixtures.js';

function parsed(text: string): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) assert.fail(r.error.reason);
  return r.value;
}

const RELAY = '203.0.113.1';

describe('rewriteForRelay', () => {
  it('points a baresip offer at the relay: session c=, m= port, nothing else', () => {
    const out = rewriteForRelay(parsed(BARESIP), [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001 }]);
    assert.equal(serializeSdp(out), BARESIP.replaceAll('c=IN IP4 192.168.0.3', `c=IN IP4 ${RELAY}`).replace('m=audio 30448', 'm=audio 40000'));
    assert.equal(out.origin.address, '192.168.0.3', 'o= untouched unless asked');
    assert.equal(serializeSdp(parsed(BARESIP)), BARESIP);
  });

  it('rewrites o= when asked, and uses IN IP6 for an IPv6 relay', () => {
    const out = rewriteForRelay(parsed(BARESIP), [{ mediaIndex: 0, address: '2001:db8::1', port: 40000, rtcpPort: 40001 }], { rewriteOrigin: true });
    assert.deepEqual(out.connection, { netType: 'IN', addrType: 'IP6', address: '2001:db8::1' });
    assert.deepEqual([out.origin.addrType, out.origin.address, out.origin.sessId], ['IP6', '2001:db8::1', '3796486212']);
  });

  it('sets a=rtcp only when RTCP is not on port + 1 (RFC 3605), and handles rtcp-mux', () => {
    const odd = rewriteForRelay(parsed(BARESIP), [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40007 }]);
    assert.deepEqual(odd.media[0].attributes.filter((a) => a.name === 'rtcp'), [{ name: 'rtcp', value: '40007' }]);
    const mux = rewriteForRelay(parsed(BARESIP), [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40000, rtcpMux: true }]);
    assert.deepEqual(mux.media[0].attributes.filter((a) => a.name.startsWith('rtcp')).map((a) => a.name + ':' + (a.value ?? '')), ['rtcp-rsize:', 'rtcp:40000', 'rtcp-mux:']);
  });

  it('strips ICE from a WebRTC offer and replaces its media c= and a=rtcp, keeping DTLS lines', () => {
    const out = rewriteForRelay(parsed(WEBRTC), [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001, rtcpMux: false }]);
    const md = out.media[0];
    const names = md.attributes.map((a) => a.name);
    for (const ice of ['candidate', 'ice-ufrag', 'ice-pwd', 'ice-options', 'end-of-candidates']) assert.ok(!names.includes(ice), `${ice} removed`);
    assert.ok(!names.includes('rtcp') && !names.includes('rtcp-mux'));
    assert.ok(names.includes('fingerprint') && names.includes('setup') && names.includes('mid'));
    assert.deepEqual(md.connections, [{ netType: 'IN', addrType: 'IP4', address: RELAY }]);
    assert.equal(md.port, 40000);
    assert.ok(!serializeSdp(out).includes('192.168.1.5'), 'no private address leaks');
  });

  it('keeps an old-style c=0.0.0.0 hold a hold, and the direction as it was', () => {
    const held = parsed(sdp('v=0', 'o=- 5 6 IN IP4 10.0.0.50', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 11796 RTP/AVP 0', 'a=sendonly'));
    const out = rewriteForRelay(held, [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001 }]);
    assert.equal(out.connection?.address, '0.0.0.0');
    assert.deepEqual(out.media[0].connections, []);
    assert.equal(isHold(out, 0), true);
    assert.equal(directionOf(out, 0), 'sendonly');
    const mediaLevel = parsed(sdp('v=0', 'o=- 5 6 IN IP4 10.0.0.50', 's=-', 'c=IN IP4 10.0.0.50', 't=0 0', 'm=audio 11796 RTP/AVP 0', 'c=IN IP4 0.0.0.0'));
    const out2 = rewriteForRelay(mediaLevel, [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001 }]);
    assert.deepEqual([out2.connection?.address, out2.media[0].connections[0].address], [RELAY, '0.0.0.0']);
  });

  it('keeps port 0 for rejected streams and disables unlisted ones unless told to keep them', () => {
    const offer = parsed(AUDIO_VIDEO + 'm=text 0 RTP/AVP 98\r\n');
    const out = rewriteForRelay(offer, [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001 }]);
    assert.deepEqual(out.media.map((m) => m.port), [40000, 0, 0]);
    const kept = rewriteForRelay(offer, [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001 }], { unlisted: 'keep' });
    assert.deepEqual(kept.media[1], offer.media[1]);
  });

  it('adds a media-level c= when a stream uses another relay address than the session', () => {
    const out = rewriteForRelay(parsed(AUDIO_VIDEO), [
      { mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001 },
      { mediaIndex: 1, address: '203.0.113.2', port: 50000, rtcpPort: 50001 },
    ]);
    assert.equal(out.connection?.address, RELAY);
    assert.deepEqual(out.media[0].connections, []);
    assert.deepEqual(out.media[1].connections, [{ netType: 'IN', addrType: 'IP4', address: '203.0.113.2' }]);
  });

  it('whole B2BUA exchange: filter, answer, plan, answer back through the relay', () => {
    const offer = parsed(sdp('v=0', 'o=alice 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'));
    const policy = { codecs: ['pcmu', 'pcma'], transcodable: [['pcmu', 'pcma']] };
    const filtered = filterOffer(offer, policy);
    assert.ok(filtered.ok);
    const toCallee = rewriteForRelay(filtered.value.sdp, [{ mediaIndex: 0, address: RELAY, port: 40002, rtcpPort: 40003 }], { rewriteOrigin: true });
    assert.equal(
      serializeSdp(toCallee),
      sdp('v=0', `o=alice 1 1 IN IP4 ${RELAY}`, 's=-', `c=IN IP4 ${RELAY}`, 't=0 0', 'm=audio 40002 RTP/AVP 8 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=rtpmap:0 PCMU/8000'),
    );
    const answer = parsed(sdp('v=0', 'o=bob 9 9 IN IP4 198.51.100.20', 's=-', 'c=IN IP4 198.51.100.20', 't=0 0', 'm=audio 20000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'));
    const plans = planMedia(offer, answer, policy);
    assert.ok(plans.ok);
    const toCaller = rewriteForRelay(answerForOfferer(offer, answer, plans.value), [{ mediaIndex: 0, address: RELAY, port: 40000, rtcpPort: 40001 }]);
    assert.equal(
      serializeSdp(toCaller),
      sdp('v=0', 'o=bob 9 9 IN IP4 198.51.100.20', 's=-', `c=IN IP4 ${RELAY}`, 't=0 0', 'm=audio 40000 RTP/AVP 8 101', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'),
    );
  });
});
