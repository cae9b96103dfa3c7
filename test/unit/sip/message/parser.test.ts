/** parse(Buffer): framing, header lines, limits and byte-exact round trips (RFC 3261 §7, §18.3). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, type ParseOptions, serialize, type SipMessage, SipRequest, SipResponse } from '../../../../src/sip/message/index.js';

const CRLF = '\r\n';

/** A minimal valid INVITE; `extra` header lines go before Content-Length. */
function invite(extra: string[] = [], body = '', contentLength: number | null = body.length): string {
  const lines = [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    ...extra,
  ];
  if (contentLength !== null) lines.push(`Content-Length: ${contentLength}`);
  return lines.join(CRLF) + CRLF + CRLF + body;
}

function ok(text: string | Buffer, options?: ParseOptions): SipMessage {
  const r = parse(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, options);
  assert.ok(r.ok, `should parse: ${r.ok ? '' : `${r.error.code} ${r.error.reason}`}`);
  return r.message;
}

function fails(text: string | Buffer, options?: ParseOptions): { code: string; status: number } {
  const r = parse(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, options);
  assert.ok(!r.ok, 'should fail');
  return { code: r.error.code, status: r.error.status };
}

describe('parse: start line and header lines', () => {
  it('reads a request and its typed headers', () => {
    const m = ok(invite());
    assert.ok(m instanceof SipRequest);
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri.toString(), 'sip:bob@biloxi.example.com');
    assert.equal(m.version, 'SIP/2.0');
    assert.equal(m.topVia.branch, 'z9hG4bK776asdhds');
    assert.equal(m.to.displayName, 'Bob');
    assert.equal(m.from.tag, '1928301774');
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(m.cseq.seq, 314159);
    assert.equal(m.maxForwards, 70);
    assert.equal(m.contentLength, 0);
  });

  it('reads a response, with or without a reason phrase', () => {
    const base = invite().replace('INVITE sip:bob@biloxi.example.com SIP/2.0', 'SIP/2.0 180 Ringing');
    const m = ok(base);
    assert.ok(m instanceof SipResponse);
    assert.equal(m.status, 180);
    assert.equal(m.reason, 'Ringing');
    const empty = ok(base.replace('180 Ringing', '183 '));
    assert.equal((empty as SipResponse).reason, '');
    assert.equal(fails(base.replace('180 Ringing', '1800 Ringing')).code, 'SIP_ERR_STATUS_CODE');
    assert.equal(fails(base.replace('180 Ringing', '099 x')).code, 'SIP_ERR_STATUS_CODE');
  });

  it('unfolds continuation lines (§7.3.1)', () => {
    const m = ok(invite(['Subject: I know you\'re there,', '   pick up the phone', '\tand talk to me!']));
    assert.equal(m.header('subject'), "I know you're there, pick up the phone and talk to me!");
    const f = ok(invite().replace('CSeq: 314159 INVITE', 'CSeq: 314159\r\n  INVITE'));
    assert.equal(f.cseq.method, 'INVITE');
  });

  it('maps every compact form to its header, names case-insensitively', () => {
    const text = [
      'INVITE sip:bob@biloxi.example.com SIP/2.0',
      'v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKa',
      'f: <sip:alice@atlanta.example.com>;tag=1',
      't: <sip:bob@biloxi.example.com>',
      'i: c1@atlanta',
      'CSEQ: 1 INVITE',
      'm: <sip:alice@pc33.atlanta.example.com>',
      'c: application/sdp',
      'e: gzip',
      'k: 100rel',
      's: hello',
      'o: presence',
      'u: dialog',
      'r: <sip:carol@example.com>',
      'b: <sip:dave@example.com>',
      'x: 1800',
      'y: abcd',
      'MAX-forwards: 10',
      'l: 2',
      '',
      'xy',
    ].join(CRLF);
    const m = ok(text);
    const expected: Record<string, string> = {
      via: 'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKa',
      from: '<sip:alice@atlanta.example.com>;tag=1',
      to: '<sip:bob@biloxi.example.com>',
      'call-id': 'c1@atlanta',
      'Contact': '<sip:alice@pc33.atlanta.example.com>',
      'content-type': 'application/sdp',
      'Content-Encoding': 'gzip',
      supported: '100rel',
      subject: 'hello',
      event: 'presence',
      'allow-events': 'dialog',
      'refer-to': '<sip:carol@example.com>',
      'referred-by': '<sip:dave@example.com>',
      'session-expires': '1800',
      identity: 'abcd',
      'content-length': '2',
      v: 'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKa',
    };
    for (const [name, value] of Object.entries(expected)) assert.equal(m.header(name), value, name);
    assert.equal(m.maxForwards, 10);
    assert.equal(m.cseq.seq, 1);
    assert.equal(m.body.toString(), 'xy');
    assert.equal(m.fields('CONTACT')[0].name, 'm', 'the name as written is kept');
  });

  it('splits list headers only outside quotes and <>', () => {
    const m = ok(invite(['Contact: "Doe, John" <sip:j@a.example.com;x=1,2>, <sip:k@b.example.com>', 'Contact: sip:l@c.example.com']));
    assert.deepEqual(m.headerValues('contact'), ['"Doe, John" <sip:j@a.example.com;x=1,2>', '<sip:k@b.example.com>', 'sip:l@c.example.com']);
    const v = ok(invite().replace('branch=z9hG4bK776asdhds', 'branch=z9hG4bK1, SIP/2.0/TCP proxy.example.com;branch=z9hG4bK2'));
    assert.deepEqual(v.vias.map((x) => x.host), ['pc33.atlanta.example.com', 'proxy.example.com']);
    const unknown = ok(invite(['X-List: a, b, "c, d"']));
    assert.deepEqual(unknown.headerValues('x-list'), ['a, b, "c, d"'], 'unknown headers are not split');
  });

  it('ignores CRLFs before the start line and accepts bare-LF line ends', () => {
    assert.equal((ok('\r\n\r\n' + invite()) as SipRequest).method, 'INVITE');
    const lf = invite([], 'hello').replace(/\r\n/g, '\n');
    const m = ok(lf);
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(m.body.toString(), 'hello');
    const mixed = invite([], 'hi').replace('Max-Forwards: 70\r\n', 'Max-Forwards: 70\n');
    assert.equal(ok(mixed).maxForwards, 70);
  });

  it('refuses malformed start lines and header lines', () => {
    assert.equal(fails('').code, 'SIP_ERR_EMPTY');
    assert.equal(fails('\r\n\r\n').code, 'SIP_ERR_EMPTY');
    assert.equal(fails(invite().replace('INVITE sip', 'INVITE  sip')).code, 'SIP_ERR_START_LINE');
    assert.equal(fails(invite().replace(' SIP/2.0\r\n', ' SIP/2.0 \r\n')).code, 'SIP_ERR_START_LINE');
    assert.equal(fails(invite().replace(' SIP/2.0\r\n', ' HTTP/1.1\r\n')).code, 'SIP_ERR_START_LINE');
    assert.equal(fails(invite().replace('INVITE sip:bob', 'INV@TE sip:bob')).code, 'SIP_ERR_START_LINE');
    assert.equal(fails(invite().replace('sip:bob@biloxi.example.com SIP', '<sip:bob@biloxi.example.com> SIP')).code, 'SIP_ERR_REQUEST_URI');
    assert.equal(fails(invite(['No colon here'])).code, 'SIP_ERR_HEADER_LINE');
    assert.equal(fails(invite(['Bad Name: x'])).code, 'SIP_ERR_HEADER_LINE');
    assert.equal(fails(invite([': no name'])).code, 'SIP_ERR_HEADER_LINE');
  });

  it('refuses missing, repeated and malformed essential headers with a 400', () => {
    const cases: [string, string][] = [
      [invite().replace(/Call-ID: .*\r\n/, ''), 'SIP_ERR_MISSING_HEADER'],
      [invite().replace(/Via: .*\r\n/, ''), 'SIP_ERR_MISSING_HEADER'],
      [invite(['CSeq: 2 INVITE']), 'SIP_ERR_DUPLICATE_HEADER'],
      [invite(['t: <sip:x@y.example.com>']), 'SIP_ERR_DUPLICATE_HEADER'],
      [invite(['Max-Forwards: 70']), 'SIP_ERR_DUPLICATE_HEADER'],
      [invite().replace('Max-Forwards: 70', 'Max-Forwards: 256'), 'SIP_ERR_HEADER_SYNTAX'],
      [invite().replace('CSeq: 314159 INVITE', 'CSeq: x INVITE'), 'SIP_ERR_HEADER_SYNTAX'],
      [invite().replace('branch=z9hG4bK776asdhds', 'branch=z9hG4bK776asdhds;;'), 'SIP_ERR_HEADER_SYNTAX'],
      [invite().replace('Bob <sip', '"Bob <sip'), 'SIP_ERR_HEADER_SYNTAX'],
      [invite([], '', null).replace('CSeq: 314159 INVITE', 'CSeq: 314159 INVITE\r\nContent-Length: -1'), 'SIP_ERR_CONTENT_LENGTH'],
    ];
    for (const [text, code] of cases) {
      const e = fails(text);
      assert.equal(e.code, code, text.split('\r\n').slice(1, 8).join(' | '));
      assert.equal(e.status, 400);
    }
  });

  it('returns the partial message of a request that fails, to answer it', () => {
    const r = parse(Buffer.from(invite(['CSeq: 2 INVITE'])));
    assert.ok(!r.ok);
    assert.equal(r.partial?.kind, 'request');
    assert.equal(r.partial?.method, 'INVITE');
    assert.ok(r.partial?.headers.some((f) => f.key === 'via'));
  });
});

describe('parse: limits', () => {
  it('answers a message over the size limit with 513', () => {
    const big = invite([`X-Big: ${'a'.repeat(70_000)}`]);
    const e = fails(big);
    assert.equal(e.status, 513);
    assert.equal(e.code, 'SIP_ERR_TOO_LARGE');
    assert.equal(fails(invite(), { maxMessageSize: 100 }).status, 513);
    ok(invite(), { maxMessageSize: Buffer.byteLength(invite()) });
  });

  it('refuses more header lines than the limit', () => {
    const extra = Array.from({ length: 20 }, (_, i) => `X-H${i}: ${i}`);
    assert.equal(fails(invite(extra), { maxHeaders: 20 }).code, 'SIP_ERR_TOO_MANY_HEADERS');
    assert.equal(ok(invite(extra), { maxHeaders: 27 }).headers.length, 27);
    assert.equal(fails(invite(extra), { maxHeaders: 26 }).code, 'SIP_ERR_TOO_MANY_HEADERS');
    const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`);
    assert.equal(fails(invite(many)).code, 'SIP_ERR_TOO_MANY_HEADERS', 'default limit 256');
  });
});

describe('parse: body framing (§18.3)', () => {
  it('datagram: truncates the body to Content-Length', () => {
    const m = ok(invite([], 'hello world', 5));
    assert.equal(m.body.toString(), 'hello');
  });

  it('datagram: refuses a Content-Length larger than the octets present', () => {
    const e = fails(invite([], 'short', 50));
    assert.equal(e.code, 'SIP_ERR_CONTENT_LENGTH');
    assert.equal(e.status, 400);
  });

  it('datagram: takes the rest of the datagram when Content-Length is absent', () => {
    const m = ok(invite([], 'v=0\r\nrest of it\r\n', null));
    assert.equal(m.body.toString(), 'v=0\r\nrest of it\r\n');
    assert.equal(m.contentLength, undefined);
  });

  it('datagram: a header section without an empty line has no body', () => {
    const text = invite().replace(/\r\n\r\n$/, '\r\n');
    assert.equal(ok(text).body.length, 0);
  });

  it('stream: the body is exactly the rest, which must match Content-Length', () => {
    const m = ok(invite([], 'hello'), { datagram: false });
    assert.equal(m.body.toString(), 'hello');
    assert.equal(fails(invite([], 'hello world', 5), { datagram: false }).code, 'SIP_ERR_CONTENT_LENGTH');
    assert.equal(ok(invite([], 'abc', null), { datagram: false }).body.toString(), 'abc');
    assert.equal(fails(invite().replace(/\r\n\r\n$/, '\r\n'), { datagram: false }).code, 'SIP_ERR_HEADER_LINE');
  });

  it('copies the body out of the receive buffer', () => {
    const buf = Buffer.from(invite([], 'hello'));
    const m = ok(buf);
    buf.fill(0x21);
    assert.equal(m.body.toString(), 'hello');
  });
});

describe('parse: unknown headers and byte-exact round trips', () => {
  it('keeps unknown headers byte for byte, folding and odd spacing included', () => {
    const weird = ['UnknownHeaderWithUnusualValue: ;;,,;;,;', 'X-Folded  :  first', '    second', 'x-MiXeD: "q,\\"x" <>;,'];
    const text = invite(weird, 'body!');
    const m = ok(text);
    assert.equal(m.fields('unknownheaderwithunusualvalue')[0].line(), weird[0]);
    assert.equal(m.fields('x-folded')[0].line(), 'X-Folded  :  first\r\n    second');
    assert.equal(m.header('x-folded'), 'first second');
    assert.equal(m.header('X-MIXED'), '"q,\\"x" <>;,');
    assert.equal(serialize(m).toString('latin1'), text);
  });

  it('re-serializes a parsed message exactly, for every kind of header', () => {
    const texts = [
      invite(),
      invite(['Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>', 'Contact: <sip:alice@pc33.atlanta.example.com>;expires=60'], 'v=0\r\n', 5),
      invite(['Subject: caf\xc3\xa9 \xc3\xa0 la carte'], '\x00\x01\xff'),
      invite().replace('INVITE sip:bob@biloxi.example.com SIP/2.0', 'SIP/2.0 200 OK'),
      invite().replace('Via: SIP/2.0/UDP', 'v : SIP / 2.0 / UDP'),
    ];
    for (const text of texts) {
      const m = ok(text);
      assert.equal(serialize(m).toString('latin1'), text);
      assert.equal(serialize(ok(serialize(m))).toString('latin1'), text);
    }
  });

  it('does not strip octet 0xA0 (the tail of many UTF-8 characters) from values', () => {
    const m = ok(invite(['Subject: voil\xc3\xa0', 'Contact: "Zo\xc3\xa0" <sip:z@example.com>']));
    assert.equal(Buffer.from(m.header('subject') ?? '', 'latin1').toString('utf8'), 'voilà');
    assert.deepEqual(m.headerValues('contact'), ['"Zo\xc3\xa0" <sip:z@example.com>']);
  });
});
