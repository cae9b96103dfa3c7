/** createRequest/createResponse (§8.1.1, §8.2.6), header editing, validateRequest/validateResponse (§8.2). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createRequest,
  createResponse,
  NameAddr,
  parse,
  parseUri,
  parseVia,
  serialize,
  type SipMessage,
  SipRequest,
  type SipUri,
  validateRequest,
  validateResponse,
  type Via,
} from '../../../../src/sip/message/index.js';

const uri = (s: string) => parseUri(s) as SipUri;
const via = (s: string) => parseVia(s) as Via;

function parsed(text: string): SipMessage {
  const r = parse(Buffer.from(text, 'latin1'));
  assert.ok(r.ok, r.ok ? '' : r.error.reason);
  return r.message;
}

function request(lines: string[], body = ''): SipRequest {
  const m = parsed(lines.join('\r\n') + `\r\nContent-Length: ${body.length}\r\n\r\n` + body);
  assert.ok(m instanceof SipRequest);
  return m;
}

const INVITE_LINES = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8 ;received=192.0.2.1',
  'v:SIP/2.0/TCP  proxy.example.com;branch=z9hG4bK1',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From:Alice<sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq:  314159   INVITE',
  'Timestamp: 54',
];

describe('createRequest', () => {
  it('writes the mandatory headers canonically, in RFC 3261 order', () => {
    const req = createRequest({
      method: 'OPTIONS',
      uri: uri('sip:carol@chicago.example.com'),
      via: via('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport'),
      from: NameAddr.of(uri('sip:alice@atlanta.example.com'), 'Alice "Al"').withParam('tag', 'ft'),
      to: NameAddr.of(uri('sip:carol@chicago.example.com')),
      callId: 'cid-1',
      cseq: 7,
      headers: [
        ['accept', 'application/sdp'],
        ['x-custom', 'value'],
      ],
    });
    assert.equal(
      serialize(req).toString(),
      [
        'OPTIONS sip:carol@chicago.example.com SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport',
        'Max-Forwards: 70',
        'From: "Alice \\"Al\\"" <sip:alice@atlanta.example.com>;tag=ft',
        'To: <sip:carol@chicago.example.com>',
        'Call-ID: cid-1',
        'CSeq: 7 OPTIONS',
        'Accept: application/sdp',
        'X-Custom: value',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    assert.equal(req.cseq.method, 'OPTIONS');
    assert.equal(req.from.displayText, 'Alice "Al"');
    assert.equal(validateRequest(req), undefined);
  });

  it('sets a body with its Content-Type and Content-Length, and several Vias in order', () => {
    const req = createRequest({
      method: 'MESSAGE',
      uri: uri('sip:bob@biloxi.example.com'),
      via: [via('SIP/2.0/TCP a.example.com;branch=z9hG4bK1'), via('SIP/2.0/TCP b.example.com;branch=z9hG4bK2')],
      from: NameAddr.of(uri('sip:alice@atlanta.example.com')).withParam('tag', '1'),
      to: NameAddr.of(uri('sip:bob@biloxi.example.com')),
      callId: 'c2',
      cseq: 1,
      maxForwards: 10,
      body: 'hello',
      contentType: 'text/plain',
    });
    const text = serialize(req).toString();
    assert.ok(text.endsWith('Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello'), text);
    const back = parsed(text);
    assert.deepEqual(back.vias.map((v) => v.host), ['a.example.com', 'b.example.com']);
    assert.equal(back.maxForwards, 10);
    assert.equal(back.body.toString(), 'hello');
  });
});

describe('createResponse (§8.2.6.2)', () => {
  it('copies Via, From, Call-ID and CSeq byte-identically and tags To', () => {
    const req = request(INVITE_LINES);
    const res = createResponse(req, 180, { toTag: 'tt1' });
    const text = serialize(res).toString();
    assert.equal(
      text,
      [
        'SIP/2.0 180 Ringing',
        INVITE_LINES[1],
        INVITE_LINES[2],
        'To: Bob <sip:bob@biloxi.example.com>;tag=tt1',
        INVITE_LINES[5],
        INVITE_LINES[6],
        INVITE_LINES[7],
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    assert.equal(res.to.tag, 'tt1');
    // The same tag for every response of the transaction; a fresh one when none is given.
    assert.equal(createResponse(req, 200, { toTag: 'tt1' }).to.tag, 'tt1');
    const auto = createResponse(req, 486).to.tag;
    assert.ok(auto !== undefined && auto.length > 0);
  });

  it('adds no To tag to a 100 and copies the Timestamp into it (§8.2.6.1)', () => {
    const req = request(INVITE_LINES);
    const trying = createResponse(req, 100);
    assert.equal(trying.to.tag, undefined);
    assert.equal(trying.reason, 'Trying');
    assert.equal(trying.header('timestamp'), '54');
    assert.equal(createResponse(req, 180).header('timestamp'), undefined);
  });

  it('keeps an existing To tag, and takes reason, headers and body from the options', () => {
    const req = request(INVITE_LINES.map((l) => (l.startsWith('To:') ? 'To: <sip:bob@biloxi.example.com>;tag=have' : l)));
    const res = createResponse(req, 405, { reason: 'Nope', headers: [['allow', 'INVITE, ACK']], body: 'x', contentType: 'text/plain' });
    assert.equal(res.to.tag, 'have');
    assert.equal(res.reason, 'Nope');
    assert.equal(res.header('allow'), 'INVITE, ACK');
    assert.equal(res.header('content-length'), '1');
    assert.equal(serialize(res).toString().split('\r\n')[3], 'To: <sip:bob@biloxi.example.com>;tag=have');
  });

  it('answers a request that failed to parse from its partial headers', () => {
    const r = parse(Buffer.from([...INVITE_LINES, 'CSeq: 2 INVITE', '', ''].join('\r\n')));
    assert.ok(!r.ok && r.partial !== undefined);
    const res = createResponse(r.partial, r.error.status, { reason: r.error.reason, toTag: 'e1' });
    assert.equal(res.status, 400);
    assert.equal(res.headers.filter((f) => f.key === 'cseq').length, 2, 'copied as received');
    assert.equal(res.headers.find((f) => f.key === 'to')?.value, 'Bob <sip:bob@biloxi.example.com>;tag=e1');
  });
});

describe('editing a parsed message', () => {
  it('prepends a Via, removes the top one, and keeps typed views in step', () => {
    const req = request(INVITE_LINES);
    assert.equal(req.vias.length, 2);
    req.addHeader('via', via('SIP/2.0/UDP proxy2.example.com;branch=z9hG4bKnew'), 'first');
    assert.deepEqual(req.vias.map((v) => v.host), ['proxy2.example.com', 'pc33.atlanta.example.com', 'proxy.example.com']);
    assert.equal(req.removeFirstValue('via'), 'SIP/2.0/UDP proxy2.example.com;branch=z9hG4bKnew');
    assert.equal(req.topVia.host, 'pc33.atlanta.example.com');
    req.setHeader('max-forwards', req.maxForwards! - 1);
    assert.equal(req.maxForwards, 69);
    req.setHeader('to', req.to.withParam('tag', 'zz'));
    assert.equal(req.to.tag, 'zz');
    const text = serialize(req).toString();
    assert.ok(text.includes('\r\nMax-Forwards: 69\r\n'));
    assert.ok(text.includes('\r\nTo: Bob <sip:bob@biloxi.example.com>;tag=zz\r\n'));
    assert.equal(parsed(text).to.tag, 'zz');
  });

  it('splits a field holding several values when the first is removed', () => {
    const req = request(['OPTIONS sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2', 'From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>', 'Call-ID: x', 'CSeq: 1 OPTIONS', 'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>']);
    assert.equal(req.removeFirstValue('route'), '<sip:p1.example.com;lr>');
    assert.equal(req.header('route'), '<sip:p2.example.com;lr>');
    assert.equal(req.removeFirstValue('via'), 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1');
    assert.deepEqual(req.vias.map((v) => v.host), ['b.example.com']);
    assert.equal(req.removeFirstValue('record-route'), undefined);
  });
});

describe('validateRequest / validateResponse', () => {
  const KNOWN = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER'];
  const base = (replace: [string | RegExp, string][] = [], extra: string[] = []): SipRequest => {
    let text = [...INVITE_LINES, ...extra].join('\r\n') + '\r\nContent-Length: 0\r\n\r\n';
    for (const [from, to] of replace) text = text.replace(from, to);
    const m = parsed(text);
    assert.ok(m instanceof SipRequest);
    return m;
  };

  it('accepts a well-formed request', () => {
    assert.equal(validateRequest(base(), { knownMethods: KNOWN }), undefined);
  });

  it('answers another SIP version with 505', () => {
    assert.equal(validateRequest(base([[' SIP/2.0\r\n', ' SIP/7.0\r\n']]))?.status, 505);
    assert.equal(validateRequest(base([[' SIP/2.0\r\n', ' sip/2.0\r\n']])), undefined, 'the version is case-insensitive');
  });

  it('answers an unsupported Request-URI scheme with 416', () => {
    const r = base([['INVITE sip:bob@biloxi.example.com', 'INVITE urn:service:sos']]);
    assert.equal(validateRequest(r)?.status, 416);
    assert.equal(validateRequest(r, { uriSchemes: ['sip', 'urn'] }), undefined);
    assert.equal(validateRequest(base([['INVITE sip:bob@biloxi.example.com', 'INVITE tel:+15551234']])), undefined);
  });

  it('answers an unknown method with 501 only when knownMethods is given, before the CSeq check', () => {
    const r = base([
      ['INVITE sip:bob', 'NEWMETHOD sip:bob'],
    ]);
    assert.equal(validateRequest(r, { knownMethods: KNOWN })?.status, 501);
    assert.equal(validateRequest(r)?.code, 'SIP_ERR_CSEQ_METHOD');
  });

  it('answers a CSeq method mismatch with 400', () => {
    const e = validateRequest(base([['INVITE sip:bob', 'OPTIONS sip:bob']]), { knownMethods: KNOWN });
    assert.equal(e?.status, 400);
    assert.equal(e?.code, 'SIP_ERR_CSEQ_METHOD');
  });

  it('answers headers in the Request-URI with 400', () => {
    const e = validateRequest(base([['INVITE sip:bob@biloxi.example.com', 'INVITE sip:bob@biloxi.example.com?Route=%3Csip:x.example.com%3E']]));
    assert.equal(e?.code, 'SIP_ERR_RURI_HEADERS');
    assert.equal(e?.status, 400);
  });

  it('checks the syntax of every known header (deep), naming the bad one', () => {
    const bad: [string, string][] = [
      ['Contact: sip:user@example.com?Route=%3Csip:x%3E', 'contact'],
      ['Contact: <sip:a@example.com>;expires=soon', 'contact'],
      ['Contact: <sip:a@example.com>;q=1.5', 'contact'],
      ['Route: <sip:p1.example.com;lr', 'route'],
      ['Record-Route: nonsense here', 'record-route'],
      ['Expires: -1', 'expires'],
      ['Date: Sat, 13 Nov 2010 23:29:00 EST', 'date'],
      ['Require: 100rel, bad token', 'require'],
      ['Content-Type: sdp', 'content-type'],
      ['Accept: text', 'accept'],
    ];
    for (const [line, key] of bad) {
      const e = validateRequest(base([], [line]));
      assert.equal(e?.code, 'SIP_ERR_HEADER_SYNTAX', line);
      assert.equal(e?.header, key, line);
      assert.equal(validateRequest(base([], [line]), { deep: false }), undefined, `${line} passes when not deep`);
    }
    const good = ['Contact: *', 'Contact: "A" <sip:a@example.com>;expires=60;q=0.5, <sip:b@example.com>', 'Date: Sat, 13 Nov 2010 23:29:00 GMT', 'Supported:', 'Accept: application/sdp, text/plain;q=0.5', 'Content-Type: application/sdp'];
    for (const line of good) assert.equal(validateRequest(base([], [line])), undefined, line);
  });

  it('drops responses of another version; checks their headers only on request', () => {
    const res = parsed(['SIP/2.0 200 OK', ...INVITE_LINES.slice(1), 'Contact: nonsense here', 'Content-Length: 0', '', ''].join('\r\n'));
    assert.ok(res.kind === 'response');
    assert.equal(validateResponse(res), undefined);
    assert.equal(validateResponse(res, { deep: true })?.header, 'contact');
    res.version = 'SIP/3.0';
    assert.equal(validateResponse(res)?.status, 505);
  });
});
