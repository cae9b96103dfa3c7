/** Header value grammars: name-addr/addr-spec (§20.10), quoted strings, Via (§20.42), CSeq, Max-Forwards. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CSeq,
  isValidCallId,
  NameAddr,
  parseContentLength,
  parseCSeq,
  parseHeaderParams,
  parseMaxForwards,
  parseNameAddr,
  parseUri,
  parseVia,
  quote,
  SipUri,
  splitList,
  unquote,
  Via,
} from '../../../../src/sip/message/index.js';

function na(text: string): NameAddr {
  const v = parseNameAddr(text);
  assert.ok(v !== undefined, `${text} should parse`);
  return v;
}

describe('name-addr and addr-spec (RFC 3261 §20)', () => {
  it('reads a quoted display name, bracketed URI and header params', () => {
    const v = na('"Alice Smith" <sip:alice@atlanta.example.com;transport=tcp>;tag=1928301774;x=y');
    assert.equal(v.displayName, '"Alice Smith"');
    assert.equal(v.displayText, 'Alice Smith');
    assert.equal(v.uri.toString(), 'sip:alice@atlanta.example.com;transport=tcp');
    assert.equal((v.uri as SipUri).transport, 'tcp');
    assert.equal(v.tag, '1928301774');
    assert.equal(v.param('X'), 'y');
    assert.equal(v.bracketed, true);
  });

  it('gives parameters after an addr-spec to the header, not the URI', () => {
    const v = na('sip:+12125551212@server.phone2net.com;tag=887s');
    assert.equal(v.bracketed, false);
    assert.equal(v.tag, '887s');
    assert.equal((v.uri as SipUri).params.length, 0);
    const w = na('<sip:+12125551212@server.phone2net.com;tag=887s>');
    assert.equal(w.tag, undefined);
    assert.equal((w.uri as SipUri).param('tag'), '887s');
  });

  it('accepts token display names, no space before <, and LWS around ; and =', () => {
    assert.equal(na('Bob Jones <sip:bob@biloxi.example.com>').displayName, 'Bob Jones');
    assert.equal(na('caller<sip:caller@example.com>;tag=323').displayName, 'caller');
    assert.equal(na('<sip:a@b.example.com> ;  tag =  abc').tag, 'abc');
    assert.equal(na('<sip:a@b.example.com>').displayName, undefined);
  });

  it('refuses malformed values', () => {
    for (const bad of [
      '',
      '"unterminated <sip:a@b.example.com>',
      'Bell, Alexander <sip:a.g.bell@bell-tel.com>',
      '< sip:t.watson@example.org >',
      '<sip:a@b.example.com',
      'sip:user@example.com?Route=%3Csip:sip.example.com%3E',
      '<sip:a@b.example.com>;',
      '<sip:a@b.example.com>;=x',
      '<sip:a@b.example.com> junk',
      '"name" sip:a@b.example.com',
      '<not a uri>',
    ]) {
      assert.equal(parseNameAddr(bad), undefined, bad);
    }
  });

  it('writes canonically when built, and as received when parsed', () => {
    const uri = parseUri('sip:alice@example.com;lr') as SipUri;
    assert.equal(NameAddr.of(uri, 'Alice "A" \\').toString(), '"Alice \\"A\\" \\\\" <sip:alice@example.com;lr>');
    assert.equal(NameAddr.of(uri).withParam('tag', 'x1').toString(), '<sip:alice@example.com;lr>;tag=x1');
    const text = 'sip:bob@example.com ;tag=9';
    assert.equal(na(text).toString(), text);
    assert.equal(na(text).withParam('tag', '10').toString(), 'sip:bob@example.com;tag=10', 'no ; , ? in the URI: stays an addr-spec');
    assert.equal(na('sip:bob@example.com').withUri(uri).toString(), '<sip:alice@example.com;lr>');
  });
});

describe('quoted strings (RFC 3261 §25.1)', () => {
  it('resolves quoted-pairs once and quotes back', () => {
    assert.equal(unquote('"a \\"b\\" \\\\ c"'), 'a "b" \\ c');
    assert.equal(unquote('"\\x"'), 'x');
    assert.equal(quote('a "b" \\ c'), '"a \\"b\\" \\\\ c"');
    for (const s of ['', 'plain', '"', '\\', 'x\\"y', 'trailing\\']) assert.equal(unquote(quote(s)), s);
  });

  it('does not end a quoted string at an escaped quote, in display names and params', () => {
    const v = na('"J Rosenberg \\\\\\"" <sip:jdrosen@example.com>;tag=98asjd8');
    assert.equal(v.displayText, 'J Rosenberg \\"');
    assert.deepEqual(parseHeaderParams(';a="x;\\"y";b'), [
      { name: 'a', value: '"x;\\"y"' },
      { name: 'b', value: null },
    ]);
    assert.equal(parseHeaderParams(';a="x'), undefined);
  });

  it('splits lists only at commas outside quotes and <>', () => {
    assert.deepEqual(splitList('"a, b" <sip:x@y.com;p=1,2>, <sip:z@y.com> , w'), ['"a, b" <sip:x@y.com;p=1,2>', '<sip:z@y.com>', 'w']);
    assert.deepEqual(splitList('a,,b'), ['a', '', 'b']);
    assert.equal(splitList('"open, <sip:x@y.com>'), undefined);
    assert.equal(splitList('<sip:x@y.com'), undefined);
    assert.equal(splitList('sip:x@y.com>'), undefined);
  });
});

describe('Via (RFC 3261 §20.42, RFC 3581)', () => {
  it('reads sent-protocol, sent-by and the parameters', () => {
    const v = parseVia('SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5067;maddr=224.2.0.1;ttl=16');
    assert.ok(v !== undefined);
    assert.equal(v.protocol, 'SIP');
    assert.equal(v.version, '2.0');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, 'pc33.atlanta.example.com');
    assert.equal(v.port, 5066);
    assert.equal(v.branch, 'z9hG4bK776asdhds');
    assert.equal(v.received, '192.0.2.1');
    assert.equal(v.rport, 5067);
    assert.equal(v.maddr, '224.2.0.1');
    assert.equal(v.param('TTL'), '16');
  });

  it('tells a valueless rport (a request for it) from an absent one', () => {
    assert.equal(parseVia('SIP/2.0/UDP h.example.com;rport;branch=z9hG4bKa')?.rport, null);
    assert.equal(parseVia('SIP/2.0/UDP h.example.com;branch=z9hG4bKa')?.rport, undefined);
  });

  it('accepts LWS around the slashes, lower-case transports and IPv6 sent-by', () => {
    const v = parseVia('SIP  /   2.0 /tcp    192.0.2.2 ; branch = z9hG4bK9');
    assert.equal(v?.transport, 'TCP');
    assert.equal(v?.host, '192.0.2.2');
    assert.equal(v?.branch, 'z9hG4bK9');
    const six = parseVia('SIP/2.0/UDP [2001:db8::9:1]:5070;received=2001:db8::9:255;branch=z9hG4bKas3');
    assert.equal(six?.hostname, '2001:db8::9:1');
    assert.equal(six?.port, 5070);
    assert.equal(six?.received, '2001:db8::9:255');
    assert.equal(parseVia('SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255]')?.received, '[2001:db8::9:255]');
  });

  it('refuses malformed values', () => {
    for (const bad of [
      '',
      'SIP/2.0 host.example.com',
      'SIP/2.0/UDP',
      'SIP/2.0/UDPhost.example.com',
      'SIP/2.0/UDP host.example.com:99999',
      'SIP/2.0/UDP host.example.com;',
      'SIP/2.0/UDP host.example.com;;branch=z9hG4bKa',
      'SIP/2.0/UDP host.example.com;branch',
      'SIP/2.0/UDP host.example.com;branch="z9hG4bKa"',
      'SIP/2.0/UDP host.example.com;received',
      'SIP/2.0/UDP host.example.com;received=not_an_ip!',
      'SIP/2.0/UDP host.example.com;ttl=256',
      'SIP/2.0/UDP host.example.com;rport=abc',
      'SIP/2.0/UDP [2001:db8::1;branch=z9hG4bKa',
    ]) {
      assert.equal(parseVia(bad), undefined, bad);
    }
  });

  it('adds a parameter by rewriting the value canonically', () => {
    const v = parseVia('SIP/2.0/UDP host.example.com;branch=z9hG4bKa;rport') as Via;
    const w = v.withParam('received', '192.0.2.9').withParam('rport', '5099');
    assert.equal(w.toString(), 'SIP/2.0/UDP host.example.com;branch=z9hG4bKa;rport=5099;received=192.0.2.9');
    const built = new Via({ transport: 'tcp', host: '2001:db8::1', port: 5060, params: [{ name: 'branch', value: 'z9hG4bKx' }] });
    assert.equal(built.toString(), 'SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKx');
  });
});

describe('CSeq, Max-Forwards, Content-Length, Call-ID', () => {
  it('parses CSeq with leading zeros and LWS, bounded by 2**32-1', () => {
    assert.deepEqual(parseCSeq('0009   INVITE'), new CSeq(9, 'INVITE'));
    assert.equal(parseCSeq('4294967295 ACK')?.seq, 4294967295);
    assert.equal(parseCSeq('4294967296 ACK'), undefined);
    assert.equal(parseCSeq('36893488147419103232 INVITE'), undefined);
    assert.equal(parseCSeq('-1 INVITE'), undefined);
    assert.equal(parseCSeq('1'), undefined);
    assert.equal(parseCSeq('1 IN VITE'), undefined);
    assert.equal(parseCSeq('INVITE 1'), undefined);
    assert.equal(new CSeq(7, 'BYE').toString(), '7 BYE');
  });

  it('parses Max-Forwards 0–255 only', () => {
    assert.equal(parseMaxForwards('0068'), 68);
    assert.equal(parseMaxForwards('0'), 0);
    assert.equal(parseMaxForwards('255'), 255);
    assert.equal(parseMaxForwards('256'), undefined);
    assert.equal(parseMaxForwards('300'), undefined);
    assert.equal(parseMaxForwards('-1'), undefined);
    assert.equal(parseMaxForwards(''), undefined);
    assert.equal(parseMaxForwards('7 0'), undefined);
  });

  it('parses Content-Length as a non-negative integer', () => {
    assert.equal(parseContentLength(' 150 '), 150);
    assert.equal(parseContentLength('-999'), undefined);
    assert.equal(parseContentLength('five'), undefined);
    assert.equal(parseContentLength('99999999999999999999'), undefined);
  });

  it('checks Call-ID is a word [@ word]', () => {
    assert.ok(isValidCallId('a84b4c76e66710@pc33.atlanta.example.com'));
    assert.ok(isValidCallId('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{'));
    assert.ok(!isValidCallId(''));
    assert.ok(!isValidCallId('has space'));
    assert.ok(!isValidCallId('nul\x00'));
  });
});
