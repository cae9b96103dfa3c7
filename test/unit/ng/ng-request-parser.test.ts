/**
 * Parsing of ng offer/answer/delete/query options as rtpengine documents them: keys with spaces
 * or hyphens, the flags list (aliases, case, prefixed forms), replace, rtcp-mux, codec, ICE,
 * transport-protocol, direction, received-from; invalid values rejected, unknown ones ignored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BencodeDict, type BencodeInput, decodeBencode, encodeBencode, parseAnswer, parseDelete, parseListLimit, parseOffer, parseQuery } from '../../../src/ng/index.js';

const SRC = { host: '10.0.0.5', port: 33000 };
const SDP = 'v=0\r\nm=audio 1 RTP/AVP 0\r\n';

/** A dictionary as it arrives off the wire. */
function wire(d: Record<string, BencodeInput>): BencodeDict {
  const r = decodeBencode(encodeBencode(d));
  assert.ok(r.ok && r.value instanceof Map);
  return r.value;
}

const base = { command: 'offer', 'call-id': 'cid@host', 'from-tag': 'ft1', sdp: SDP };

describe('ng offer options', () => {
  it('reads a full Kamailio-style offer', () => {
    const r = parseOffer(
      wire({
        ...base,
        'via-branch': 'z9hG4bK1',
        flags: ['trust-address', 'symmetric', 'strict source', 'Media-Handover', 'port-latching', 'no-rtcp-attribute', 'full-rtcp-attribute', 'loop-protect', 'always-transcode'],
        replace: ['origin', 'session connection'],
        direction: ['priv', 'pub'],
        'received-from': ['IP4', '10.65.31.43'],
        ICE: 'remove',
        'transport-protocol': 'RTP/AVP',
        'rtcp-mux': ['demux'],
        codec: { strip: ['PCMA'], offer: ['PCMU', 'telephone-event'], transcode: ['G722'], mask: ['opus'], accept: ['PCMU'] },
        'address family': 'IP6',
        'media address': '2001:db8::1',
        DTLS: 'no',
        label: 'caller',
        ptime: 20,
      }),
      SRC,
    );
    assert.ok(r.ok, r.ok ? '' : r.error);
    const o = r.value;
    assert.equal(o.callId, 'cid@host');
    assert.equal(o.fromTag, 'ft1');
    assert.equal(o.toTag, undefined);
    assert.equal(o.viaBranch, 'z9hG4bK1');
    assert.equal(o.sdp, SDP);
    assert.deepEqual(
      [...o.flags].sort(),
      ['always-transcode', 'full-rtcp-attribute', 'loop-protect', 'media-handover', 'no-rtcp-attribute', 'port-latching', 'strict-source', 'symmetric', 'trust-address'],
    );
    assert.deepEqual([...o.replace], ['origin', 'session-connection']);
    assert.deepEqual(o.direction, ['priv', 'pub']);
    assert.deepEqual(o.receivedFrom, { family: 'IP4', address: '10.65.31.43' });
    assert.equal(o.ice, 'remove');
    assert.equal(o.transportProtocol, 'RTP/AVP');
    assert.deepEqual([...o.rtcpMux], ['demux']);
    assert.deepEqual(o.codec.strip, ['PCMA']);
    assert.deepEqual(o.codec.offer, ['PCMU', 'telephone-event']);
    assert.deepEqual(o.codec.transcode, ['G722']);
    assert.deepEqual(o.codec.mask, ['opus']);
    assert.deepEqual(o.codec.accept, ['PCMU']);
    assert.equal(o.addressFamily, 'IP6');
    assert.equal(o.mediaAddress, '2001:db8::1');
    assert.equal(o.dtls, 'off');
    assert.equal(o.label, 'caller');
    assert.equal(o.ptime, 20);
    assert.deepEqual(o.ignored, []);
    assert.equal(o.source, SRC);
  });

  it('folds prefixed flags into their options and aliases into canonical names', () => {
    const r = parseOffer(
      wire({
        ...base,
        flags: ['replace-origin', 'replace-session-connection', 'rtcp-mux-offer', 'codec-strip-all', 'codec-transcode-telephone-event', 'SDES-off', 'no codec renegotiation', 'debugging', 'SIP source address', 'reject-ice'],
      }),
      SRC,
    );
    assert.ok(r.ok);
    assert.deepEqual([...r.value.replace], ['origin', 'session-connection']);
    assert.deepEqual([...r.value.rtcpMux], ['offer']);
    assert.deepEqual(r.value.codec.strip, ['all']);
    assert.deepEqual(r.value.codec.transcode, ['telephone-event']);
    assert.deepEqual(r.value.sdes, ['off']);
    assert.deepEqual([...r.value.flags].sort(), ['SIP-source-address', 'debug', 'reject-ICE', 'reuse-codecs']);
  });

  it('accepts and lists unknown keys, flags and list entries', () => {
    const r = parseOffer(wire({ ...base, flags: ['frobnicate'], replace: ['teleport'], 'rtcp-mux': ['maybe'], 'T.38': ['decode'], codec: { juggle: ['PCMU'] } }), SRC);
    assert.ok(r.ok);
    assert.deepEqual([...r.value.ignored].sort(), ["flag 'frobnicate'", "key 'T.38'", "key 'codec.juggle'", "replace 'teleport'", "rtcp-mux 'maybe'"]);
  });

  it('accepts a comma-separated string in the codec dictionary', () => {
    const r = parseOffer(wire({ ...base, codec: { strip: 'PCMA,G729' } }), SRC);
    assert.ok(r.ok);
    assert.deepEqual(r.value.codec.strip, ['PCMA', 'G729']);
  });

  it('reads every ICE mode and transport protocol', () => {
    for (const ice of ['remove', 'force', 'default', 'force-relay', 'optional', 'force relay']) {
      const r = parseOffer(wire({ ...base, ICE: ice }), SRC);
      assert.ok(r.ok, ice);
      assert.equal(r.value.ice, ice.replace(' ', '-'));
    }
    for (const tp of ['RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVP', 'UDP/TLS/RTP/SAVPF']) {
      const r = parseOffer(wire({ ...base, 'transport protocol': tp }), SRC);
      assert.ok(r.ok, tp);
      assert.equal(r.value.transportProtocol, tp);
    }
  });

  const invalid: Array<[string, Record<string, BencodeInput>, RegExp]> = [
    ['ICE', { ICE: 'sometimes' }, /^Invalid value for 'ICE': 'sometimes'/],
    ['transport-protocol', { 'transport-protocol': 'TCP/MSRP' }, /^Invalid value for 'transport-protocol'/],
    ['transport-protocol accept in an offer', { 'transport-protocol': 'accept' }, /valid only in an answer/],
    ['direction of one entry', { direction: ['pub'] }, /^Invalid value for 'direction'/],
    ['received-from family', { 'received-from': ['IPX', '1.2.3.4'] }, /^Invalid value for 'received-from'/],
    ['received-from shape', { 'received-from': '1.2.3.4' }, /^Invalid value for 'received-from'/],
    ['address-family', { 'address-family': 'IP5' }, /^Invalid value for 'address-family'/],
    ['DTLS', { DTLS: 'maybe' }, /^Invalid value for 'DTLS'/],
    ['flags type', { flags: [1] }, /^Invalid value for 'flags': expected a list of strings/],
    ['call-id type', { 'call-id': 5 }, /^Invalid value for 'call-id': expected a string/],
    ['codec type', { codec: ['PCMU'] }, /^Invalid value for 'codec': expected a dictionary/],
    ['codec entry type', { codec: { strip: [1] } }, /^Invalid value for 'codec.strip'/],
    ['ptime type', { ptime: 'twenty' }, /^Invalid value for 'ptime': expected an integer/],
    ['record call', { 'record call': 'perhaps' }, /^Invalid value for 'record-call'/],
  ];
  for (const [what, extra, message] of invalid) {
    it(`rejects an invalid ${what}`, () => {
      const r = parseOffer(wire({ ...base, ...extra }), SRC);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, message);
    });
  }
});

describe('ng answer, delete, query, list options', () => {
  it('answer requires to-tag and allows transport-protocol accept', () => {
    const r = parseAnswer(wire({ ...base, command: 'answer', 'to-tag': 'tt', 'transport-protocol': 'accept' }), SRC);
    assert.ok(r.ok);
    assert.equal(r.value.toTag, 'tt');
    assert.equal(r.value.transportProtocol, 'accept');
    const missing = parseAnswer(wire({ ...base, command: 'answer' }), SRC);
    assert.deepEqual(missing, { ok: false, error: 'No to-tag in message' });
  });

  it('delete reads tags, delete delay (integer or digits) and the fatal flag', () => {
    const r = parseDelete(wire({ command: 'delete', 'call-id': 'c', 'from-tag': 'f', 'to-tag': 't', 'via-branch': 'v', 'delete delay': '30', flags: ['fatal'] }), SRC);
    assert.ok(r.ok);
    assert.deepEqual(
      { callId: r.value.callId, fromTag: r.value.fromTag, toTag: r.value.toTag, viaBranch: r.value.viaBranch, deleteDelay: r.value.deleteDelay, fatal: r.value.fatal },
      { callId: 'c', fromTag: 'f', toTag: 't', viaBranch: 'v', deleteDelay: 30, fatal: true },
    );
    const bare = parseDelete(wire({ command: 'delete', 'call-id': 'c' }), SRC);
    assert.ok(bare.ok);
    assert.equal(bare.value.fromTag, undefined);
    assert.equal(bare.value.fatal, false);
    assert.equal(parseDelete(wire({ command: 'delete', 'call-id': 'c', 'delete-delay': -1 }), SRC).ok, false);
  });

  it('query reads call-id and optional tags', () => {
    assert.deepEqual(parseQuery(wire({ command: 'query', 'call-id': 'c', 'from-tag': 'f' }), SRC), {
      ok: true,
      value: { callId: 'c', fromTag: 'f', toTag: undefined, source: SRC },
    });
  });

  it('list limit defaults to 32 and is capped', () => {
    assert.deepEqual(parseListLimit(wire({ command: 'list' })), { ok: true, value: 32 });
    assert.deepEqual(parseListLimit(wire({ command: 'list', limit: 0 })), { ok: true, value: 0 });
    assert.deepEqual(parseListLimit(wire({ command: 'list', limit: 1_000_000 })), { ok: true, value: 1000 });
  });

  it('keeps identifiers byte-exact (latin1) and decodes the SDP as UTF-8', () => {
    const dict = new Map<string, BencodeInput>([
      ['call-id', Buffer.from([0x61, 0xe9, 0xff])],
      ['from-tag', 'f'],
      ['sdp', 's=Café\r\n'],
    ]);
    const r = parseOffer(wire(Object.fromEntries(dict)), SRC);
    assert.ok(r.ok);
    assert.deepEqual(Buffer.from(r.value.callId, 'latin1'), Buffer.from([0x61, 0xe9, 0xff]));
    assert.equal(r.value.sdp, 's=Café\r\n');
  });
});
