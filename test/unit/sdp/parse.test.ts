import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSdp, serializeSdp, type SessionDescription, type SdpError } from '../../../src/sdp/index.js';
import { AUDIO_VIDEO, BARESIP, LINPHONE, SIPP, WEBRTC, YEALINK, sdp } from './fixtures.js';

function parsed(text: string | Buffer): SessionDescription {
  const r = parseSdp(text);
  if (!r.ok) assert.fail(`unexpected parse error: ${r.error.reason}`);
  return r.value;
}

function failure(text: string): SdpError {
  const r = parseSdp(text);
  if (r.ok) assert.fail('expected a parse error');
  return r.error;
}

describe('parseSdp / serializeSdp round trip', () => {
  for (const [name, text] of Object.entries({ BARESIP, LINPHONE, YEALINK, WEBRTC, SIPP, AUDIO_VIDEO })) {
    it(`${name} serializes back byte for byte`, () => {
      assert.equal(serializeSdp(parsed(text)), text);
    });
  }

  it('reads the session and media fields of a baresip offer', () => {
    const sd = parsed(BARESIP);
    assert.deepEqual(sd.origin, { username: '-', sessId: '3796486212', sessVersion: '2383213466', netType: 'IN', addrType: 'IP4', address: '192.168.0.3' });
    assert.equal(sd.sessionName, '-');
    assert.deepEqual(sd.connection, { netType: 'IN', addrType: 'IP4', address: '192.168.0.3' });
    assert.deepEqual(sd.timings, [{ start: '0', stop: '0', repeats: [] }]);
    assert.deepEqual(sd.attributes, [{ name: 'tool', value: 'baresip 3.10.1' }]);
    assert.equal(sd.media.length, 1);
    const md = sd.media[0];
    assert.equal(md.type, 'audio');
    assert.equal(md.port, 30448);
    assert.equal(md.proto, 'RTP/AVP');
    assert.deepEqual(md.formats, ['96', '0', '8', '101']);
    assert.deepEqual(md.bandwidths, [{ type: 'AS', value: 85 }]);
    assert.deepEqual(md.attributes.slice(-3), [{ name: 'sendrecv' }, { name: 'label', value: '1' }, { name: 'ptime', value: '20' }]);
  });

  it('keeps attribute values verbatim, including leading spaces and colons', () => {
    const sd = parsed(WEBRTC);
    assert.deepEqual(sd.attributes[2], { name: 'msid-semantic', value: ' WMS stream1' });
    assert.equal(sd.media[0].attributes.find((a) => a.name === 'fingerprint')?.value?.split(':').length, 32);
    assert.deepEqual(sd.media[0].connections, [{ netType: 'IN', addrType: 'IP4', address: '203.0.113.7' }]);
  });

  it('accepts LF-only line ends and trailing whitespace, and writes CRLF', () => {
    const lf = BARESIP.replaceAll('\r\n', ' \t\n');
    assert.deepEqual(parsed(lf), parsed(BARESIP));
    assert.equal(serializeSdp(parsed(lf)), BARESIP);
  });

  it('skips blank lines and accepts a body without a final line end', () => {
    assert.equal(serializeSdp(parsed(SIPP.replace('s=-\r\n', 's=-\r\n\r\n').trimEnd())), SIPP);
  });

  it('preserves every optional session field, multicast suffixes, port counts, unknown lines', () => {
    const text = sdp(
      'v=0',
      'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5',
      's=SDP Seminar',
      'i=A Seminar on the session description protocol',
      'u=http://www.example.com/seminars/sdp.pdf',
      'e=j.doe@example.com (Jane Doe)',
      'p=+1 617 555-6011',
      'c=IN IP4 224.2.17.12/127/2',
      'b=CT:1000',
      't=2873397496 2873404696',
      'r=7d 1h 0 25h',
      't=0 0',
      'z=2882844526 -1h 2898848070 0',
      'k=prompt',
      'a=recvonly',
      'y=an unknown session line',
      'm=audio 49170/2 RTP/AVP 0',
      'i=voice',
      'c=IN IP6 ff15::101/3',
      'b=AS:64',
      'k=clear:secret',
      'a=x-vendor-thing',
      'x=an unknown media line',
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      'c=IN IP4 10.47.16.5',
      'a=sctp-port:5000',
    );
    const sd = parsed(text);
    assert.equal(serializeSdp(sd), text);
    assert.deepEqual(sd.connection, { netType: 'IN', addrType: 'IP4', address: '224.2.17.12', suffix: '/127/2' });
    assert.deepEqual(sd.timings[0].repeats, ['7d 1h 0 25h']);
    assert.deepEqual(sd.otherLines, [{ type: 'y', value: 'an unknown session line' }]);
    assert.equal(sd.media[0].portCount, 2);
    assert.deepEqual(sd.media[0].otherLines, [{ type: 'x', value: 'an unknown media line' }]);
    assert.deepEqual(sd.media[1].formats, ['webrtc-datachannel']);
  });

  it('parses a Buffer as UTF-8', () => {
    const text = SIPP.replace('s=-', 's=Café ☕');
    assert.equal(parsed(Buffer.from(text, 'utf8')).sessionName, 'Café ☕');
    assert.equal(serializeSdp(parsed(Buffer.from(text))), text);
  });

  it('writes `s= ` for an empty session name and `t=0 0` when the input had no timing', () => {
    const sd = parsed(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=', 'c=IN IP4 127.0.0.1', 'm=audio 4000 RTP/AVP 0'));
    assert.equal(sd.sessionName, '');
    assert.equal(sd.timings.length, 0);
    assert.equal(serializeSdp(sd), sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's= ', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0'));
  });

  it('accepts a rejected m-line without formats (port 0)', () => {
    const sd = parsed(SIPP + 'm=video 0 RTP/AVP\r\n');
    assert.deepEqual(sd.media[1].formats, []);
    assert.equal(sd.media[1].port, 0);
  });
});

describe('parseSdp errors', () => {
  const head = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'];
  const cases: Array<[string, string, string, number | undefined]> = [
    ['empty input', '', 'SDP_ERR_EMPTY', undefined],
    ['only whitespace', '\r\n  \r\n', 'SDP_ERR_EMPTY', undefined],
    ['not starting with v=', sdp('o=- 1 1 IN IP4 127.0.0.1', 'v=0'), 'SDP_ERR_ORDER', 1],
    ['version 1', sdp('v=1', ...head.slice(1)), 'SDP_ERR_FIELD', 1],
    ['a line without =', sdp(...head, 'hello world'), 'SDP_ERR_LINE_SYNTAX', 6],
    ['an upper-case type letter', sdp(...head, 'M=audio 1 RTP/AVP 0'), 'SDP_ERR_LINE_SYNTAX', 6],
    ['missing o=', sdp('v=0', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0'), 'SDP_ERR_MISSING_LINE', undefined],
    ['missing s=', sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 't=0 0'), 'SDP_ERR_MISSING_LINE', undefined],
    ['o= with five fields', sdp('v=0', 'o=- 1 1 IN IP4', 's=-'), 'SDP_ERR_FIELD', 2],
    ['o= version not a number', sdp('v=0', 'o=- 1 v2 IN IP4 127.0.0.1', 's=-'), 'SDP_ERR_FIELD', 2],
    ['duplicate o=', sdp(...head, 'o=- 1 1 IN IP4 127.0.0.1'), 'SDP_ERR_ORDER', 6],
    ['bad c=', sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4'), 'SDP_ERR_FIELD', 4],
    ['bad b=', sdp(...head, 'b=AS:lots'), 'SDP_ERR_FIELD', 6],
    ['bad t=', sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=now'), 'SDP_ERR_FIELD', 4],
    ['r= before t=', sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'r=7d 1h 0'), 'SDP_ERR_ORDER', 4],
    ['m= port out of range', sdp(...head, 'm=audio 70000 RTP/AVP 0'), 'SDP_ERR_FIELD', 6],
    ['m= without formats on a live port', sdp(...head, 'm=audio 4000 RTP/AVP'), 'SDP_ERR_FIELD', 6],
    ['m= with too few fields', sdp(...head, 'm=audio 4000'), 'SDP_ERR_FIELD', 6],
    ['t= inside a media section', sdp(...head, 'm=audio 4000 RTP/AVP 0', 't=0 0'), 'SDP_ERR_ORDER', 7],
    ['an empty attribute name', sdp(...head, 'a=:x'), 'SDP_ERR_FIELD', 6],
    ['no c= anywhere for a live stream', sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0'), 'SDP_ERR_MISSING_LINE', undefined],
  ];
  for (const [name, text, code, line] of cases) {
    it(`rejects ${name} with ${code}`, () => {
      const e = failure(text);
      assert.equal(e.code, code);
      assert.equal(e.line, line);
      assert.match(e.reason, /^[\x20-\x7e]+$/);
    });
  }

  it('says which line and which value is wrong', () => {
    const e = failure(sdp(...head, 'm=audio abc RTP/AVP 0'));
    assert.equal(e.reason, "m= line 6: port 'abc' is not a number");
    assert.equal(failure(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0')).reason, 'm-line 0: no c= line at media or session level');
  });

  it('keeps hostile values out of the reason (truncated, printable)', () => {
    const e = failure(sdp(...head, `m=audio ${'\u0000'.repeat(500)} RTP/AVP 0`));
    assert.ok(e.reason.length <= 160);
    assert.match(e.reason, /^[\x20-\x7e]+$/);
  });

  it('caps media sections, lines and size', () => {
    const media = Array.from({ length: 65 }, (_, i) => `m=audio ${4000 + 2 * i} RTP/AVP 0`);
    assert.equal(failure(sdp(...head, ...media)).code, 'SDP_ERR_TOO_MANY_MEDIA');
    assert.equal(parseSdp(sdp(...head, ...media.slice(0, 64))).ok, true);
    const attrs = Array.from({ length: 5000 }, () => 'a=x');
    assert.equal(failure(sdp(...head, ...attrs)).code, 'SDP_ERR_TOO_MANY_LINES');
    assert.equal(failure(sdp(...head, 'a=' + 'x'.repeat(200_000))).code, 'SDP_ERR_TOO_LARGE');
    const small = parseSdp(SIPP, { maxMedia: 0 });
    assert.equal(small.ok, false);
  });
});
