/**
 * Property tests (fast-check): parseSdp never throws, whatever the input; whatever it accepts
 * serializes to a fixed point (parse ∘ serialize is stable); and the offer/answer and relay
 * functions never throw on any model the parser accepts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  answerForOfferer,
  bumpVersion,
  codecsOf,
  filterOffer,
  isHold,
  parseSdp,
  planMedia,
  rewriteForRelay,
  serializeSdp,
  type SessionDescription,
} from '../../../src/sdp/index.js';
import { AUDIO_VIDEO, BARESIP, LINPHONE, SIPP, WEBRTC, YEALINK } from './fixtures.js';

const FIXTURES = [BARESIP, LINPHONE, YEALINK, WEBRTC, SIPP, AUDIO_VIDEO];

/**
 * parse ∘ serialize is the identity on accepted models — except that a model without timing
 * comes back with the `t=0 0` serialize writes for it — and the text is then a fixed point.
 */
function assertStable(sd: SessionDescription): void {
  const once = serializeSdp(sd);
  const again = parseSdp(once);
  assert.ok(again.ok, `re-parse failed: ${again.ok ? '' : again.error.reason}\n${once}`);
  const expected = sd.timings.length > 0 ? sd : { ...sd, timings: [{ start: '0', stop: '0', repeats: [] }] };
  assert.deepEqual(again.value, expected);
  assert.equal(serializeSdp(again.value), once);
}

/** Every higher-level function must cope with whatever the parser accepted. */
function exercise(sd: SessionDescription): void {
  sd.media.forEach((md, i) => {
    codecsOf(md);
    isHold(sd, i);
  });
  filterOffer(sd, { codecs: ['pcmu', 'opus'], transcodable: [['pcmu', 'pcma', 'opus']], otherMedia: 'reject' });
  const plans = planMedia(sd, sd, { transcodable: [['pcmu', 'pcma']] });
  if (plans.ok) answerForOfferer(sd, sd, plans.value);
  rewriteForRelay(sd, sd.media.map((_, i) => ({ mediaIndex: i, address: '192.0.2.1', port: 10000 + 2 * i, rtcpPort: 10001 + 2 * i })), { rewriteOrigin: true });
  bumpVersion(sd);
}

const VALUE_CHARS = 'abcXYZ0123456789 :/=.-*!\t';
const value = fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 24 });
const sdpLine = fc.oneof(
  fc.tuple(fc.constantFrom('a', 'b', 'c', 'i', 'k', 'x', 'y'), value).map(([t, v]) => `${t}=${v}`),
  fc.tuple(fc.constantFrom('audio', 'video', 'image'), fc.integer({ min: 0, max: 70000 }), fc.constantFrom('RTP/AVP', 'udptl', 'RTP/SAVPF'), fc.array(fc.integer({ min: 0, max: 130 }), { maxLength: 5 })).map(
    ([m, p, proto, f]) => `m=${m} ${p} ${proto}${f.map((n) => ' ' + n).join('')}`,
  ),
  fc.constantFrom('c=IN IP4 0.0.0.0', 'c=IN IP6 ::1', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:97 telephone-event/8000', 'a=fmtp:97 0-15', 'a=sendonly', 'a=inactive', 'a=rtcp:9 IN IP4 0.0.0.0', 'a=rtcp-mux', 'a=candidate:1 1 udp 1 10.0.0.1 9 typ host', 'b=AS:64', 't=0 0', 'r=7d 1h 0'),
);
const generatedSdp = fc
  .tuple(fc.array(sdpLine, { maxLength: 20 }), fc.constantFrom('\r\n', '\n'), fc.boolean())
  .map(([lines, eol, sessionC]) => ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', ...(sessionC ? ['c=IN IP4 127.0.0.1'] : []), 't=0 0', ...lines].join(eol) + eol);

describe('SDP properties', () => {
  it('parse never throws on arbitrary strings or bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const r = parseSdp(s);
        if (r.ok) assertStable(r.value);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        parseSdp(Buffer.from(b));
      }),
      { numRuns: 200 },
    );
  });

  it('generated line soups: accepted ones are stable through serialize → parse and safe to process', () => {
    let accepted = 0;
    fc.assert(
      fc.property(generatedSdp, (text) => {
        const r = parseSdp(text);
        if (!r.ok) return;
        accepted++;
        assertStable(r.value);
        exercise(r.value);
      }),
      { numRuns: 400 },
    );
    assert.ok(accepted > 40, `too few generated SDPs were accepted (${accepted}) for the property to mean much`);
  });

  it('mutated real SDPs never make any function throw', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...FIXTURES), fc.nat(), fc.nat({ max: 8 }), fc.string({ unit: 'binary-ascii', maxLength: 8 }))
      .map(([text, at, cut, insert]) => {
        const i = at % text.length;
        return text.slice(0, i) + insert + text.slice(i + cut);
      });
    fc.assert(
      fc.property(mutated, (text) => {
        const r = parseSdp(text);
        if (!r.ok) return;
        assertStable(r.value);
        exercise(r.value);
      }),
      { numRuns: 400 },
    );
  });
});
