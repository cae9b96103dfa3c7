/**
 * Property tests (fast-check): generated valid messages survive serialize → parse → serialize
 * unchanged; mutated real messages never make parse/validate/serialize throw; and the parser
 * stays linear on pathological input (no quadratic blow-up an attacker could trigger).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createRequest,
  NameAddr,
  parse,
  type Param,
  serialize,
  type SipMessage,
  SipRequest,
  SipUri,
  validateRequest,
  validateResponse,
  Via,
} from '../../../../src/sip/message/index.js';

// --- generators of valid values --------------------------------------------------------------

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~';
const token = (max = 12) => fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: max });
const alnum = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: min, maxLength: max });
const letters = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'), minLength: min, maxLength: max });
/** One %HH escape or an unreserved / user-part character. */
const userUnit = fc.oneof(
  fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*\'()&=+$,;?/'),
  fc.integer({ min: 0, max: 255 }).map((b) => '%' + b.toString(16).padStart(2, '0').toUpperCase()),
);
const paramUnit = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.!~*\'()[]/:&+$');

const domain = fc
  .tuple(fc.array(alnum(1, 8), { minLength: 0, maxLength: 3 }), letters(2, 6))
  .map(([labels, tld]) => [...labels, tld].join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => `[${g.map((x) => x.toString(16)).join(':')}]`);
const host = fc.oneof(domain, ipv4, ipv6);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });

const uriParam: fc.Arbitrary<Param> = fc.record({
  name: fc.string({ unit: paramUnit, minLength: 1, maxLength: 8 }),
  value: fc.option(fc.string({ unit: paramUnit, minLength: 1, maxLength: 10 }), { nil: null }),
});

const sipUri = fc
  .record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(fc.string({ unit: userUnit, minLength: 1, maxLength: 10 }), { nil: undefined }),
    host,
    port,
    params: fc.array(uriParam, { maxLength: 3 }),
  })
  .map((p) => new SipUri(p));

/** Display names of any printable ASCII or non-ASCII octets: quote() escapes " and \. */
const displayText = fc.option(
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 16 }),
  { nil: undefined },
);

const nameAddr = (tag: boolean) =>
  fc.tuple(sipUri, displayText, tag ? token(10).map((t) => [{ name: 'tag', value: t }]) : fc.constant([])).map(([u, dn, params]) => NameAddr.of(u, dn, params));

const via = fc
  .record({
    transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'),
    host,
    port,
    branch: token(16),
    rport: fc.boolean(),
  })
  .map((v) => {
    const params: Param[] = [{ name: 'branch', value: 'z9hG4bK' + v.branch }];
    if (v.rport) params.push({ name: 'rport', value: null });
    return new Via({ transport: v.transport, host: v.host, port: v.port, params });
  });

/** Unknown header values: printable octets, no leading/trailing whitespace (values are trimmed). */
const headerValue = fc
  .string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength: 40 })
  .map((s) => s.trim().replace(/^\xa0+|\xa0+$/g, ''));
const unknownHeader = fc.tuple(token(10), headerValue).map(([n, v]) => [`X-${n}`, v] as const);

const requestSpec = fc.record({
  method: fc.oneof(fc.constantFrom('INVITE', 'REGISTER', 'OPTIONS', 'BYE', 'MESSAGE'), token(10)),
  uri: sipUri,
  vias: fc.array(via, { minLength: 1, maxLength: 4 }),
  from: nameAddr(true),
  to: nameAddr(false),
  callId: fc.tuple(token(20), fc.option(domain, { nil: undefined })).map(([a, b]) => (b === undefined ? a : `${a}@${b}`)),
  cseq: fc.nat(0xffffffff),
  maxForwards: fc.nat(255),
  headers: fc.array(unknownHeader, { maxLength: 5 }),
  body: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
});

// --- round trip --------------------------------------------------------------------------------

describe('property: generated valid requests round-trip', () => {
  it('serialize → parse gives the same fields, and re-serializes byte-identically', () => {
    fc.assert(
      fc.property(requestSpec, (s) => {
        const req = createRequest({
          method: s.method,
          uri: s.uri,
          via: s.vias,
          from: s.from,
          to: s.to,
          callId: s.callId,
          cseq: s.cseq,
          maxForwards: s.maxForwards,
          headers: s.headers,
          body: s.body === undefined ? undefined : Buffer.from(s.body),
          contentType: 'application/octet-stream',
        });
        const wire = serialize(req);
        const r = parse(wire);
        assert.ok(r.ok, r.ok ? '' : `${r.error.reason}\n${wire.toString('latin1')}`);
        const m = r.message;
        assert.ok(m instanceof SipRequest);
        assert.equal(m.method, s.method);
        assert.equal(m.uri.toString(), s.uri.toString());
        assert.deepEqual(
          m.vias.map((v) => [v.transport, v.host, v.port, v.branch, v.rport]),
          s.vias.map((v) => [v.transport, v.host, v.port, v.branch, v.rport]),
        );
        assert.equal(m.from.displayText, s.from.displayText);
        assert.equal(m.from.uri.toString(), s.from.uri.toString());
        assert.equal(m.from.tag, s.from.tag);
        assert.equal(m.to.displayText, s.to.displayText);
        assert.equal(m.to.uri.toString(), s.to.uri.toString());
        assert.equal(m.callId, s.callId);
        assert.equal(m.cseq.seq, s.cseq);
        assert.equal(m.cseq.method, s.method);
        assert.equal(m.maxForwards, s.maxForwards);
        for (const [name, value] of s.headers) assert.ok(m.headerValues(name)?.includes(value), `${name}: ${value}`);
        assert.deepEqual(m.body, s.body === undefined ? Buffer.alloc(0) : Buffer.from(s.body));
        assert.equal(validateRequest(m), undefined);
        assert.deepEqual(serialize(m), wire);
      }),
      { numRuns: 400 },
    );
  });
});

// --- mutations -------------------------------------------------------------------------------

const SAMPLES = [
  [
    'INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport, SIP/2.0/TCP [2001:db8::1]:5070;branch=z9hG4bK2',
    'Max-Forwards: 70',
    'To: "Bob \\"B\\"" <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.5',
    'Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>',
    'Subject: folded',
    '  value',
    'Content-Type: application/sdp',
    'Content-Length: 31',
    '',
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n',
  ].join('\r\n'),
  [
    'SIP/2.0 200 OK',
    'v: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8;received=192.0.2.1;rport=5066',
    't: <sip:bob@biloxi.example.com>;tag=a6c85cf',
    'f: <sip:alice@atlanta.example.com>;tag=1928301774',
    'i: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'm: <sip:bob@192.0.2.4>',
    'l: 0',
    '',
    '',
  ].join('\r\n'),
  [
    'REGISTER sips:registrar.example.com SIP/2.0',
    'Via: SIP/2.0/TLS client.example.com:5061;branch=z9hG4bKnashd92',
    'Max-Forwards: 70',
    'To: sip:user@example.com',
    'From: sip:user@example.com;tag=ja743ks76zlflH',
    'Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com',
    'CSeq: 2 REGISTER',
    'Contact: <sip:user@192.0.2.4;ob>;reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>"',
    'Authorization: Digest username="user", realm="example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sips:registrar.example.com", response="dfe56131d1958046689d83306477ecc"',
    'Expires: 3600',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
].map((s) => Buffer.from(s, 'latin1'));

const SPECIAL = [';', ',', '"', '<', '>', ':', '\r', '\n', '\x00', '\\', ' ', '%', '[', ']', '=', '\r\n', '\r\n '].map((s) => Buffer.from(s, 'latin1'));

type Mutation = (b: Buffer) => Buffer;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, x]): Mutation => (b) => {
    const c = Buffer.from(b);
    c[at % c.length] ^= x;
    return c;
  }),
  fc.tuple(fc.nat(), fc.constantFrom(...SPECIAL)).map(([at, s]): Mutation => (b) => {
    const i = at % (b.length + 1);
    return Buffer.concat([b.subarray(0, i), s, b.subarray(i)]);
  }),
  fc.nat().map((at): Mutation => (b) => b.subarray(0, at % (b.length + 1))),
  fc.nat().map((at): Mutation => (b) => {
    const lines = b.toString('latin1').split('\r\n');
    const i = 1 + (at % Math.max(1, lines.length - 3));
    lines.splice(i, 0, lines[i]);
    return Buffer.from(lines.join('\r\n'), 'latin1');
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, n]): Mutation => (b) => {
    const i = a % (b.length + 1);
    return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + (n % 20)))]);
  }),
);

/** Uses everything a parsed message offers; any throw here is a bug. */
function exercise(m: SipMessage): void {
  void m.vias.length;
  void m.topVia.branch;
  void m.from.tag;
  void m.to.uri.toString();
  void m.callId;
  void m.cseq.method;
  void m.maxForwards;
  void m.contentLength;
  void m.headerValues('contact');
  void m.headerValues('route');
  if (m instanceof SipRequest) validateRequest(m, { knownMethods: ['INVITE', 'REGISTER'] });
  else validateResponse(m, { deep: true });
  const again = parse(serialize(m));
  assert.ok(again.ok, 'a parsed message re-parses after serialize');
}

/** `sample` with the mutations applied, parsed as a datagram and as a stream-framed message. */
function parsedMutations(sample: Buffer, ms: readonly Mutation[]): ReturnType<typeof parse>[] {
  let buf: Buffer = sample;
  for (const m of ms) buf = m(buf);
  return [true, false].map((datagram) => parse(buf, { datagram }));
}

describe('property: mutated messages never throw', () => {
  it('parse / validate / serialize survive byte flips, insertions, truncation and duplicated lines', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), fc.array(mutation, { minLength: 1, maxLength: 4 }), (sample, ms) => {
        for (const r of parsedMutations(sample, ms)) {
          if (r.ok) exercise(r.message);
          else assert.ok(r.error.status >= 400 && /^[\x20-\x7e]*$/.test(r.error.reason));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('property: compact() is invisible', () => {
  it('a parsed (mutated) message packed by compact() serializes to the same bytes and unpacks to the same fields', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SAMPLES), fc.array(mutation, { minLength: 0, maxLength: 4 }), (sample, ms) => {
        for (const r of parsedMutations(sample, ms)) {
          if (!r.ok) continue;
          const m = r.message;
          const wire = serialize(m);
          const fields = m.headers.map((f) => [f.key, f.name, f.value]);
          m.compact();
          assert.ok(m.packedHeaderLines !== undefined);
          assert.deepEqual(serialize(m), wire);
          // Unpacked: the same fields (and the Content-Length serialize adds, if there was none).
          const after = m.headers.map((f) => [f.key, f.name, f.value]);
          assert.deepEqual(after.slice(0, fields.length), fields);
          assert.ok(after.length === fields.length || (after.length === fields.length + 1 && after[fields.length][0] === 'content-length'));
          assert.deepEqual(serialize(m), wire);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

// --- linear time -----------------------------------------------------------------------------

/** Builds a request whose `where` holds `value` (~n octets). */
function pathological(where: string, value: string): Buffer {
  const lines = [
    where === 'ruri' ? `INVITE sip:bob@biloxi.example.com;x${value} SIP/2.0` : 'INVITE sip:bob@biloxi.example.com SIP/2.0',
    where === 'via' ? `Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1${value}` : 'Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
    'Max-Forwards: 70',
    where === 'to' ? `To: ${value}<sip:bob@biloxi.example.com>` : 'To: <sip:bob@biloxi.example.com>',
    where === 'from' ? `From: "${value}" <sip:alice@atlanta.example.com>;tag=1` : 'From: <sip:alice@atlanta.example.com>;tag=1',
    'Call-ID: c1',
    'CSeq: 1 INVITE',
  ];
  const others: Record<string, string> = {
    contact: `Contact: <sip:a@b.example.com>${value}`,
    contacturi: `Contact: <sip:a@b.example.com;x${value}>`,
    route: `Route: ${value}`,
    require: `Require: a${value}`,
    accept: `Accept: a/b${value}`,
    date: `Date: ${value}`,
    unknown: `X-Unknown: ${value}`,
  };
  if (where in others) lines.push(others[where]);
  lines.push('Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

function work(buf: Buffer): void {
  const r = parse(buf);
  if (r.ok) {
    if (r.message instanceof SipRequest) validateRequest(r.message);
    void r.message.headerValues('contact');
    void r.message.headerValues('route');
    serialize(r.message);
  }
}

/** Median time of `runs` runs of `reps` calls, in ms. */
function median(buf: Buffer, reps: number, runs = 3): number {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) work(buf);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

describe('linear time on pathological input', () => {
  const patterns = [';', ',', '<', '"', '%', '\\', ';x', ',a', '=', '<>', ' ', ':', ';a="b"'];
  const wheres = ['ruri', 'via', 'to', 'from', 'contact', 'contacturi', 'route', 'require', 'accept', 'date', 'unknown'];

  it('10× the input costs at most ~40× the time (quadratic would be ~100×) (no quadratic blow-up)', () => {
    const small = 6_000;
    const REPS = 8;
    // Times below this are dominated by timer and GC noise; a quadratic path at 60 KB costs
    // hundreds of ms, far above 40× this floor.
    const FLOOR_MS = 0.25;
    const failures: string[] = [];
    let worst = 0;
    for (const where of wheres) {
      for (const p of patterns) {
        const unit = p;
        const a = pathological(where, unit.repeat(Math.floor(small / unit.length)));
        const b = pathological(where, unit.repeat(Math.floor((small * 10) / unit.length)));
        work(a);
        work(b); // warm up
        const ta = Math.max(median(a, REPS), FLOOR_MS);
        const tb = median(b, REPS);
        worst = Math.max(worst, tb / ta);
        if (tb > 40 * ta) {
          // Re-measure once before calling it quadratic: the machine is shared.
          const ta2 = Math.max(median(a, REPS, 5), FLOOR_MS);
          const tb2 = median(b, REPS, 5);
          if (tb2 > 40 * ta2) failures.push(`${where} '${p}': ${ta2.toFixed(2)} ms → ${tb2.toFixed(2)} ms`);
        }
      }
    }
    assert.deepEqual(failures, []);
    console.log(`linear-time check: worst 10x-input time ratio ${worst.toFixed(1)}`);
  });

  it('deep folding and 256 headers stay linear too', () => {
    const folded = (n: number) =>
      Buffer.from(
        pathological('unknown', 'start')
          .toString('latin1')
          .replace('X-Unknown: start', 'X-Unknown: start' + '\r\n a'.repeat(n)),
        'latin1',
      );
    const headers = (n: number, len: number) =>
      Buffer.from(
        pathological('none', '')
          .toString('latin1')
          .replace('Content-Length: 0', Array.from({ length: n }, (_, i) => `X-H${i}: ${'v'.repeat(len)}`).join('\r\n') + '\r\nContent-Length: 0'),
        'latin1',
      );
    const pairs: [string, Buffer, Buffer][] = [
      ['folding', folded(1_500), folded(15_000)],
      ['256 headers', headers(240, 20), headers(240, 230)],
      ['many lines', headers(24, 200), headers(240, 200)],
    ];
    for (const [name, a, b] of pairs) {
      work(a);
      work(b);
      const ta = Math.max(median(a, 20), 0.25);
      const tb = median(b, 20);
      assert.ok(tb <= 40 * ta || median(b, 20) <= 40 * Math.max(median(a, 20), 0.25), `${name}: ${ta.toFixed(2)} ms → ${tb.toFixed(2)} ms`);
      assert.ok(b.length <= 65536, `${name} stays under the size limit`);
    }
  });
});
