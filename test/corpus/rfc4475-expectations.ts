/**
 * What RFC 4475 says of each of its 50 messages, as assertions: for the valid ones, the
 * values a parser must read (and the status validateRequest gives an endpoint), for the
 * invalid ones the status they are refused with. Used by rfc4475.test.ts.
 */
import assert from 'node:assert/strict';
import {
  type NameAddr,
  parseNameAddr,
  serialize,
  type SipMessage,
  SipRequest,
  SipResponse,
  SipUri,
  unescape,
  validateResponse,
} from '../../src/sip/message/index.js';
import { loadRfc4475 } from '../support/corpus.js';

const corpus = loadRfc4475();

function req(m: SipMessage): SipRequest {
  assert.ok(m instanceof SipRequest, 'expected a request');
  return m;
}

function res(m: SipMessage): SipResponse {
  assert.ok(m instanceof SipResponse, 'expected a response');
  return m;
}

function sip(u: unknown): SipUri {
  assert.ok(u instanceof SipUri, `expected a SIP URI, got ${String(u)}`);
  return u;
}

/** Every value of a name-addr list header, parsed. */
function nameAddrs(m: SipMessage, header: string): NameAddr[] {
  const values = m.headerValues(header);
  assert.ok(values !== undefined, `${header} values split`);
  return values.map((v) => {
    const na = parseNameAddr(v);
    assert.ok(na !== undefined, `${header} value parses: ${v}`);
    return na;
  });
}

/** Expected validateRequest outcome of a valid request (undefined = accepted). */
export type ValidCheck = { validate?: number; check: (m: SipMessage) => void };

export const VALID: Record<string, ValidCheck> = {
  'wsinv.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'INVITE');
      const ruri = sip(r.uri);
      assert.equal(ruri.user, 'vivekg');
      assert.equal(ruri.host, 'chair-dnrc.example.com');
      assert.equal(ruri.param('unknownparam'), null, 'unknown Request-URI param without value');
      assert.equal(sip(r.to.uri).toString(), 'sip:vivekg@chair-dnrc.example.com');
      assert.equal(r.to.tag, '1918181833n');
      assert.equal(r.from.displayName, '"J Rosenberg \\\\\\""');
      assert.equal(r.from.displayText, 'J Rosenberg \\"');
      assert.equal(r.from.tag, '98asjd8');
      assert.equal(sip(r.from.uri).user, 'jdrosen');
      assert.equal(r.maxForwards, 68);
      assert.equal(r.cseq.seq, 9);
      assert.equal(r.cseq.method, 'INVITE');
      assert.equal(r.callId, 'wsinv.ndaksdj@192.0.2.1');
      assert.equal(r.header('subject'), '', 'empty Subject (s:)');
      assert.deepEqual(
        r.vias.map((v) => [v.host, v.transport, v.branch]),
        [
          ['192.0.2.2', 'UDP', '390skdjuw'],
          ['spindle.example.com', 'TCP', 'z9hG4bK9ikj8'],
          ['192.168.255.111', 'UDP', 'z9hG4bK30239'],
        ],
      );
      const [contact, ...more] = nameAddrs(r, 'm');
      assert.equal(more.length, 0);
      assert.equal(contact.displayText, 'Quoted string ""');
      assert.equal(contact.param('newparam'), 'newvalue');
      assert.equal(contact.param('secondparam'), null);
      assert.equal(contact.param('q'), '0.33');
      assert.equal(sip(contact.uri).user, 'jdrosen');
      assert.equal(r.body.length, 150);
      assert.equal(r.contentLength, 150);
      const unknown = r.fields('UnknownHeaderWithUnusualValue');
      assert.equal(unknown.length, 1);
      assert.equal(unknown[0].value, ';;,,;;,;');
      assert.equal(unknown[0].line(), 'UnknownHeaderWithUnusualValue: ;;,,;;,;', 'kept verbatim');
      assert.equal(r.header('NewFangledHeader'), 'newfangled value continued newfangled value');
      assert.deepEqual(nameAddrs(r, 'route').map((na) => sip(na.uri).param('unknown-no-value')), [null]);
    },
  },
  'intmeth.dat': {
    validate: 501, // endpoint: 501 Not Implemented for the unknown method
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, "!interesting-Method0123456789_*+`.%indeed'~", '% is not an escape in a method');
      assert.equal(r.cseq.method, r.method);
      assert.equal(r.cseq.seq, 139122385);
      assert.equal(r.to.displayText, 'BEL:\x07 NUL:\x00 DEL:\x7f', 'quoted-pairs incl. a quoted NUL');
      assert.equal(r.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{', 'Call-ID is an opaque word');
      assert.equal(r.from.tag, "_token~1'+`*%!-.");
      const fromParam = r.from.param("fromParam''~+*_!.-%");
      assert.ok(typeof fromParam === 'string' && fromParam.startsWith('"') && /[\x80-\xff]/.test(fromParam), 'UTF-8 param value kept');
      assert.equal(r.from.displayName, "token1~` token2'+_ token3*%!.-");
      assert.equal(Buffer.from(r.header("extensionHeader-!.%*+_`'~") ?? '', 'latin1').toString('utf8'), '\ufeff大停電');
      assert.equal(r.maxForwards, 255);
      const ruri = sip(r.uri);
      assert.equal(ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      assert.equal(ruri.password, '&it+has=1,weird!*pas$wo~d_too.(doesn\'t-it)');
      assert.equal(ruri.host, 'example.com');
    },
  },
  'esc01.dat': {
    check: (m) => {
      const r = req(m);
      const ruri = sip(r.uri);
      assert.equal(ruri.scheme, 'sip');
      assert.equal(unescape(ruri.user ?? ''), 'sips:user@example.com');
      assert.equal(ruri.host, 'example.net');
      assert.equal(unescape(sip(r.to.uri).user ?? ''), 'user');
      assert.equal(unescape(sip(r.from.uri).user ?? ''), 'I have spaces');
      const [contact] = nameAddrs(r, 'contact');
      const curi = sip(contact.uri);
      assert.equal(unescape(curi.user ?? ''), 'caller');
      assert.deepEqual(
        curi.params.map((p) => [unescape(p.name), p.value === null ? null : unescape(p.value)]),
        [
          ['lr', null],
          ['name', 'value%41'],
        ],
        'unescaped once, never recursively',
      );
      assert.equal(r.body.length, 150);
    },
  },
  'escnull.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'REGISTER');
      assert.equal(unescape(sip(r.to.uri).user ?? ''), 'null-\x00-null', 'the NUL does not truncate the user');
      const contacts = nameAddrs(r, 'contact').map((c) => sip(c.uri));
      assert.equal(contacts.length, 2);
      assert.deepEqual(
        contacts.map((u) => unescape(u.user ?? '')),
        ['\x00', '\x00\x00'],
      );
      assert.notEqual(contacts[0].toString(), contacts[1].toString(), 'two distinct contacts');
    },
  },
  'esc02.dat': {
    validate: 501,
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'RE%47IST%45R', 'not REGISTER');
      assert.equal(r.to.displayText, '%Z%45');
      assert.equal(r.from.displayText, '%Z%45');
      assert.deepEqual(
        nameAddrs(r, 'contact').map((c) => c.uri.toString()),
        ['sip:alias1@host1.example.com', 'sip:alias3@host3.example.com'],
        'exactly two Contact values',
      );
      assert.equal(r.header('C%6Fntact'), '<sip:alias2@host2.example.com>', 'C%6Fntact is another header');
      assert.equal(r.topVia.branch, 'z9hG4bK209%fzsnel234');
    },
  },
  'lwsdisp.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.from.displayName, 'caller');
      assert.equal(r.from.uri.toString(), 'sip:caller@example.com');
      assert.equal(r.from.tag, '323');
    },
  },
  'longreq.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.to.displayText, 'I have a user name of ' + 'extreme'.repeat(10) + ' proportion');
      const to = sip(r.to.uri);
      assert.equal(to.port, 6000);
      assert.ok(to.params.some((p) => p.name === 'unknownparam1' && (p.value ?? '').startsWith('verylonglong')));
      assert.ok((r.from.tag ?? '').length > 90, 'long tag kept whole');
      assert.ok(r.callId.startsWith('longreq.one') && r.callId.endsWith('longcallid'));
      assert.equal(r.vias.length, 34);
      assert.equal(r.vias[0].host, 'sip33.example.com');
      assert.ok(r.vias.every((v) => v.transport === 'TCP'));
      assert.equal(r.body.length, 150);
      const unknownName = r.headers.find((f) => f.name.startsWith('Unknown-LongLong'));
      assert.ok(unknownName !== undefined && unknownName.name.endsWith('-Name'));
    },
  },
  'dblreq.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'REGISTER');
      assert.equal(r.body.length, 0, 'trailing INVITE octets ignored (§18.3)');
      assert.ok(!serialize(r).toString('latin1').includes('INVITE'), 'a forwarded copy does not carry them');
    },
  },
  'semiuri.dat': {
    check: (m) => {
      const uri = sip(req(m).uri);
      assert.equal(unescape(uri.user ?? ''), 'user;par=u@example.net');
      assert.equal(uri.host, 'example.com');
      assert.equal(uri.params.length, 0);
      assert.equal(m.headerValues('accept')?.length, 6);
    },
  },
  'transports.dat': {
    check: (m) => {
      assert.deepEqual(
        m.vias.map((v) => v.transport),
        ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
      );
    },
  },
  'mpart01.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.method, 'MESSAGE');
      assert.equal(r.body.length, 553);
      assert.ok(r.body.includes(0x00), 'binary part with NUL kept');
      assert.ok(r.body.toString('latin1').endsWith('--7a9cbec02ceef655--\r\n'));
      assert.equal(r.topVia.rport, null);
    },
  },
  'unreason.dat': {
    check: (m) => {
      const r = res(m);
      assert.equal(r.status, 200);
      const reason = Buffer.from(r.reason, 'latin1').toString('utf8');
      assert.ok(reason.startsWith('= 2**3 * 5**2 но сто девяносто девять'), reason);
      assert.equal(r.body.length, 154);
      assert.equal(validateResponse(r), undefined);
    },
  },
  'noreason.dat': {
    check: (m) => {
      const r = res(m);
      assert.equal(r.status, 100);
      assert.equal(r.reason, '');
    },
  },
  'badbranch.dat': {
    check: (m) => {
      assert.equal(m.topVia.branch, 'z9hG4bK', 'exactly the magic cookie');
    },
  },
  'unkscm.dat': {
    validate: 416,
    check: (m) => {
      const r = req(m);
      assert.equal(r.uri.kind, 'absolute');
      assert.equal(r.uri.scheme, 'nobodyknowsthisscheme');
      assert.equal(r.uri.toString(), 'nobodyKnowsThisScheme:totallyopaquecontent');
    },
  },
  'novelsc.dat': {
    validate: 416,
    check: (m) => {
      const r = req(m);
      assert.equal(r.uri.scheme, 'soap.beep');
      assert.equal(r.uri.toString(), 'soap.beep://192.0.2.103:3002');
    },
  },
  'unksm2.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.to.uri.scheme, 'isbn');
      assert.equal(r.from.uri.scheme, 'http');
      assert.equal(r.from.tag, '3234233');
      assert.deepEqual(nameAddrs(r, 'contact').map((c) => c.uri.toString()), ['name:John_Smith']);
    },
  },
  'bext01.dat': {
    check: (m) => {
      assert.deepEqual(m.headerValues('require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
      assert.deepEqual(m.headerValues('proxy-require'), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    },
  },
  'invut.dat': {
    check: (m) => {
      assert.equal(m.header('content-type'), 'application/unknownformat');
      assert.equal(m.body.length, 40);
    },
  },
  'regaut01.dat': {
    check: (m) => {
      const auth = m.fields('authorization');
      assert.equal(auth.length, 1);
      assert.equal(auth[0].line(), 'Authorization: NoOneKnowsThisScheme opaque-data=here', 'forwarded unmodified');
      assert.equal(m.contentLength, 0);
    },
  },
  'bcast.dat': {
    check: (m) => {
      const r = res(m);
      assert.deepEqual(
        r.vias.map((v) => v.host),
        ['192.0.2.198', '255.255.255.255'],
      );
      assert.equal(r.body.length, 154);
    },
  },
  'zeromf.dat': {
    check: (m) => {
      assert.equal(m.maxForwards, 0);
    },
  },
  'cparam01.dat': {
    check: (m) => {
      const [contact] = nameAddrs(m, 'contact');
      assert.equal(contact.bracketed, false);
      assert.equal(contact.param('unknownparam'), null, 'a contact (header) param');
      assert.equal(sip(contact.uri).params.length, 0, 'not a URI param');
      assert.equal(contact.uri.toString(), 'sip:+19725552222@gw1.example.net');
    },
  },
  'cparam02.dat': {
    check: (m) => {
      const [contact] = nameAddrs(m, 'contact');
      assert.equal(contact.params.length, 0, 'not a header param');
      assert.equal(sip(contact.uri).param('unknownparam'), null, 'a URI param');
    },
  },
  'regescrt.dat': {
    check: (m) => {
      const [contact] = nameAddrs(m, 'contact');
      const uri = sip(contact.uri);
      assert.deepEqual(uri.headers, [{ name: 'Route', value: '%3Csip:sip.example.com%3E' }]);
      assert.equal(unescape(uri.headers[0].value), '<sip:sip.example.com>');
      assert.equal(uri.toString(), 'sip:user@example.com?Route=%3Csip:sip.example.com%3E', 'kept escaped in the URI');
    },
  },
  'sdp01.dat': {
    check: (m) => {
      assert.equal(m.header('accept'), 'text/nobodyKnowsThis');
      assert.equal(m.body.length, 150);
    },
  },
  'inv2543.dat': {
    check: (m) => {
      const r = req(m);
      assert.equal(r.topVia.branch, undefined);
      assert.equal(r.from.tag, undefined);
      assert.equal(r.maxForwards, undefined);
      assert.equal(r.contentLength, undefined);
      // §20: after an addr-spec, ';user=phone' is a To header parameter; inside <> a URI one.
      assert.equal(r.to.param('user'), 'phone');
      assert.equal(sip(r.to.uri).params.length, 0);
      assert.equal(sip(r.from.uri).param('user'), 'phone');
      const raw = corpus.read('inv2543.dat');
      const bodyStart = raw.indexOf('\r\n\r\n') + 4;
      assert.deepEqual(r.body, raw.subarray(bodyStart), 'body = rest of the datagram');
      assert.ok(r.body.toString('latin1').startsWith('v=0\r\n'));
    },
  },
};

/** Status each invalid message is refused with; responses are dropped ('drop'). */
export const INVALID: Record<string, number | 'drop'> = {
  'badinv01.dat': 400,
  'clerr.dat': 400,
  'ncl.dat': 400,
  'scalar02.dat': 400,
  'scalarlg.dat': 'drop',
  'quotbal.dat': 400,
  'ltgtruri.dat': 400,
  'lwsruri.dat': 400,
  'lwsstart.dat': 400,
  'trws.dat': 400,
  'escruri.dat': 400,
  'baddate.dat': 400,
  'regbadct.dat': 400,
  'badaspec.dat': 400,
  'baddn.dat': 400,
  'badvers.dat': 505,
  'mismatch01.dat': 400,
  'mismatch02.dat': 501,
  'bigcode.dat': 'drop',
  'insuf.dat': 400,
  'multi01.dat': 400,
  'mcl01.dat': 400,
  'test.dat': 400,
};

