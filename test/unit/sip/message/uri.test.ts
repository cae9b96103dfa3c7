/** URIs: RFC 3261 §19.1 (SIP/SIPS), RFC 3966 (tel), absoluteURI, RFC 5118 (IPv6), §19.1.4 equality. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbsoluteUri, isValidHost, parseUri, SipUri, TelUri, type Uri, unescape, uriEquals } from '../../../../src/sip/message/index.js';

function sipUri(text: string): SipUri {
  const u = parseUri(text);
  assert.ok(u instanceof SipUri, `${text} should parse as a SIP URI`);
  return u;
}

function must(text: string): Uri {
  const u = parseUri(text);
  assert.ok(u !== undefined, `${text} should parse`);
  return u;
}

describe('SIP and SIPS URIs', () => {
  it('reads every component of a full URI', () => {
    const u = sipUri('sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secret');
    assert.equal(u.host, 'atlanta.example.com');
    assert.equal(u.port, 5061);
    assert.deepEqual(u.params, [
      { name: 'transport', value: 'tcp' },
      { name: 'lr', value: null },
      { name: 'maddr', value: '239.255.255.1' },
    ]);
    assert.equal(u.transport, 'tcp');
    assert.equal(u.lr, true);
    assert.equal(u.param('MADDR'), '239.255.255.1', 'param names are case-insensitive');
    assert.deepEqual(u.headers, [
      { name: 'subject', value: 'project%20x' },
      { name: 'priority', value: 'urgent' },
    ]);
    assert.equal(unescape(u.headers[0].value), 'project x');
  });

  it('reads a host-only URI and keeps the text exactly as written', () => {
    const text = 'SIP:Example.COM';
    const u = sipUri(text);
    assert.equal(u.scheme, 'sip');
    assert.equal(u.user, undefined);
    assert.equal(u.host, 'Example.COM');
    assert.equal(u.hostname, 'example.com');
    assert.equal(u.port, undefined);
    assert.equal(u.toString(), text);
  });

  it('keeps %-escapes as written and decodes them exactly once', () => {
    const u = sipUri('sip:%61lice%2541@example.com;n%61me=v%61lue%25%34%31');
    assert.equal(u.user, '%61lice%2541');
    assert.equal(unescape(u.user ?? ''), 'alice%41', 'not decoded twice');
    assert.equal(unescape(u.params[0].name), 'name');
    assert.equal(unescape(u.params[0].value ?? ''), 'value%41');
    assert.equal(unescape('%00'), '\x00');
    assert.equal(unescape('100%'), '100%', 'a lone % is not an escape');
  });

  it('allows the user-part characters of §25.1, including ; ? / & = + $ ,', () => {
    const u = sipUri('sip:user;par=u%40example.net@example.com');
    assert.equal(unescape(u.user ?? ''), 'user;par=u@example.net');
    assert.equal(u.params.length, 0);
    assert.equal(sipUri('sip:+1-212-555-1212:1234@gateway.com;user=phone').param('user'), 'phone');
  });

  it('refuses malformed URIs', () => {
    for (const bad of [
      'sip:',
      'sip:@example.com',
      'sip:user@',
      'sip:user@exa mple.com',
      'sip:user@example.com:',
      'sip:user@example.com:70000',
      'sip:user@example.com:123456',
      'sip:user@example.com:5x',
      'sip:user@example.com;=x',
      'sip:user@example.com;a=',
      'sip:user@example.com?subject',
      'sip:user@example.com?=x',
      'sip:us<er@example.com',
      'sip:user@example..com',
      'sip:user@.example.com',
      'sip:user@-example.com',
      'sip:user@256.1.1.1',
      'sip:%zz@example.com',
      'sip:user@exam%41ple.com',
      '<sip:user@example.com>',
      ':nothing',
      '1sip:x',
      'http:',
      'http:with space',
    ]) {
      assert.equal(parseUri(bad), undefined, bad);
    }
  });
});

describe('IPv6 references (RFC 5118)', () => {
  it('accepts bracketed IPv6 hosts with and without a port', () => {
    const a = sipUri('sip:[2001:db8::10]');
    assert.equal(a.host, '[2001:db8::10]');
    assert.equal(a.hostname, '2001:db8::10');
    assert.equal(a.port, undefined);
    const b = sipUri('sip:user@[2001:db8::10]:5070;transport=udp');
    assert.equal(b.port, 5070);
    // §4.3: the last group is part of the address, not a port.
    const c = sipUri('sip:[2001:db8::10:5070]');
    assert.equal(c.hostname, '2001:db8::10:5070');
    assert.equal(c.port, undefined);
    // §4.10: an IPv4-suffixed IPv6 reference.
    assert.equal(sipUri('sip:[2001:db8::192.0.2.1]').hostname, '2001:db8::192.0.2.1');
    assert.equal(sipUri('sip:[::ffff:192.0.2.1]').hostname, '::ffff:192.0.2.1');
  });

  it('refuses the RFC 5118 invalid forms', () => {
    for (const bad of [
      'sip:2001:db8::10', // §4.2: not enclosed in brackets
      'sip:[2001:db8::10', // unterminated
      'sip:[2001:db8:::192.0.2.1]', // §4.10: three colons
      'sip:[2001:db8::10:192.0.2.1:1]',
      'sip:[2001:db8::g]',
      'sip:[fe80::1%eth0]', // zone index
      'sip:[]',
      'sip:[2001:db8::10]x',
    ]) {
      assert.equal(parseUri(bad), undefined, bad);
    }
    assert.equal(isValidHost('[2001:db8::10]'), true);
    assert.equal(isValidHost('[2001:db8::10'), false);
    assert.equal(isValidHost('2001:db8::10'), false);
  });
});

describe('tel and other absolute URIs', () => {
  it('parses tel: with parameters', () => {
    const u = must('tel:+1-201-555-0123;ext=1234;phone-context=example.com');
    assert.ok(u instanceof TelUri);
    assert.equal(u.scheme, 'tel');
    assert.equal(u.number, '+1-201-555-0123');
    assert.deepEqual(u.params, [
      { name: 'ext', value: '1234' },
      { name: 'phone-context', value: 'example.com' },
    ]);
    assert.equal(u.toString(), 'tel:+1-201-555-0123;ext=1234;phone-context=example.com');
    assert.equal(parseUri('tel:'), undefined);
    assert.equal(parseUri('tel:123;;x'), undefined);
  });

  it('keeps any other scheme opaque', () => {
    const u = must('urn:service:sos');
    assert.ok(u instanceof AbsoluteUri);
    assert.equal(u.scheme, 'urn');
    assert.equal(u.toString(), 'urn:service:sos');
    assert.equal(must('HTTP://www.example.com/a?b').scheme, 'http');
    assert.equal(parseUri('mailto:a<b'), undefined);
  });

  it('builds a canonical URI from parts', () => {
    const u = new SipUri({ scheme: 'sip', user: 'bob', host: 'biloxi.example.com', port: 5080, params: [{ name: 'lr', value: null }] });
    assert.equal(u.toString(), 'sip:bob@biloxi.example.com:5080;lr');
    assert.equal(u.with({ port: undefined, params: [] }).toString(), 'sip:bob@biloxi.example.com');
    const h = new SipUri({ scheme: 'sips', host: '[2001:db8::1]', headers: [{ name: 'Subject', value: 'hi%20there' }] });
    assert.equal(h.toString(), 'sips:[2001:db8::1]?Subject=hi%20there');
    assert.ok(uriEquals(parseUri(u.toString()) as Uri, u));
  });
});

describe('URI equality (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string) => uriEquals(must(a), must(b));

  it('treats the RFC\'s equivalent pairs as equal', () => {
    assert.ok(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'));
    assert.ok(eq('sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'));
    assert.ok(eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'));
    assert.ok(eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'));
  });

  it('treats the RFC\'s non-equivalent pairs as different', () => {
    assert.ok(!eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'), 'user is case-sensitive');
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'), 'absent port differs from 5060');
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'), 'transport in one only');
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'));
    assert.ok(!eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'), 'headers are never ignored');
    assert.ok(!eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'), 'no DNS resolution');
    assert.ok(!eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'), 'param in both must match');
    assert.ok(!eq('sip:alice@atlanta.com', 'sips:alice@atlanta.com'));
    assert.ok(!eq('sip:alice@atlanta.com', 'sip:atlanta.com'));
    assert.ok(!eq('sip:alice:a@atlanta.com', 'sip:alice:b@atlanta.com'));
    assert.ok(!eq('sip:alice@atlanta.com;maddr=1.2.3.4', 'sip:alice@atlanta.com'));
  });

  it('compares other schemes by text, case-insensitively', () => {
    assert.ok(eq('tel:+1234', 'TEL:+1234'));
    assert.ok(!eq('tel:+1234', 'sip:+1234@x.com'));
    assert.ok(eq('urn:Service:SOS', 'URN:service:sos'));
  });
});
