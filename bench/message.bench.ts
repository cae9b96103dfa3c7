/**
 * SIP message core throughput, one core: parse and serialize of a REGISTER with
 * Authorization, an INVITE with SDP and a 200 OK; plus the "proxy path" (parse, read the
 * headers a proxy reads, prepend a Via, serialize). Each figure: warm-up, then a fixed time.
 * Target: ≥ 250,000 REGISTER parses per second. Reference measured in the same run: the
 * parser and serializer of the `sip` npm package (the classic Node SIP stack), given the
 * same bytes (decoded to a string, as it requires), so every figure is also a ratio.
 *   node dist/bench/message.bench.js [seconds-per-figure]
 */
import { createRequire } from 'node:module';
import { parse, parseVia, serialize, type SipMessage } from '../src/sip/message/index.js';

interface ReferenceSip {
  parse(text: string): unknown;
  stringify(message: unknown): string;
}
const reference = createRequire(import.meta.url)('sip') as ReferenceSip;

const SECONDS = Number(process.argv[2] ?? 2);
const REGISTER_TARGET = 250_000;

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

const REGISTER = crlf([
  'REGISTER sip:registrar.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: "Alice" <sip:alice@example.com>',
  'From: "Alice" <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314160 REGISTER',
  'Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=3600',
  'Authorization: Digest username="alice", realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:registrar.example.com", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001',
  'User-Agent: Switchboard-Bench/1.0',
  'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
  'Expires: 3600',
  'Content-Length: 0',
  '',
  '',
]);

const SDP = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 97 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:97 iLBC/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  '',
].join('\r\n');

const INVITE = crlf([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl',
  'Call-ID: 3848276298220188511@atlanta.example.com',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>',
  'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, INFO',
  'Supported: replaces, timer, 100rel',
  'User-Agent: Switchboard-Bench/1.0',
  'Content-Type: application/sdp',
  `Content-Length: ${SDP.length}`,
  '',
  SDP,
]);

const OK_200 = crlf([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP proxy.biloxi.example.com:5060;branch=z9hG4bK2d4790.1;received=192.0.2.3',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101;rport=5060',
  'Record-Route: <sip:proxy.biloxi.example.com;lr>',
  'To: Bob <sip:bob@biloxi.example.com>;tag=8321234356',
  'From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl',
  'Call-ID: 3848276298220188511@atlanta.example.com',
  'CSeq: 1 INVITE',
  'Contact: <sip:bob@192.0.2.4>',
  'Content-Length: 0',
  '',
  '',
]);

function mustParse(buf: Buffer): SipMessage {
  const r = parse(buf);
  if (!r.ok) throw new Error(`benchmark message does not parse: ${r.error.reason}`);
  return r.message;
}

/** Runs `fn` for ~0.3 s to warm up, then for SECONDS; returns operations per second. */
function measure(fn: () => void): number {
  const batch = 500;
  const run = (ms: number) => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < batch; i++) fn();
      n += batch;
      t = performance.now();
    }
    return n / ((t - t0) / 1000);
  };
  run(300);
  return run(SECONDS * 1000);
}

let sink = 0;
const PROXY_VIA = parseVia('SIP/2.0/UDP proxy.example.net:5060;branch=z9hG4bKproxy1');
if (PROXY_VIA === undefined) throw new Error('bad bench Via');

/** What a stateless proxy does per request: read the routing headers, add its Via, send. */
function proxyPath(buf: Buffer): void {
  const r = parse(buf);
  if (!r.ok) throw new Error('parse failed');
  const m = r.message;
  sink += m.topVia.branch?.length ?? 0;
  sink += m.from.tag?.length ?? 0;
  sink += m.to.uri.toString().length;
  sink += m.callId.length;
  sink += m.cseq.seq;
  sink += m.maxForwards ?? 70;
  m.addHeader('via', PROXY_VIA!, 'first');
  sink += serialize(m).length;
}

const rows: [string, number][] = [];
const refRows = new Map<string, number>();
const cases: [string, Buffer][] = [
  ['REGISTER (Authorization)', REGISTER],
  ['INVITE (SDP)', INVITE],
  ['200 OK', OK_200],
];
for (const [name, buf] of cases) {
  rows.push([`parse      ${name}`, measure(() => void (sink += parse(buf).ok ? 1 : 0))]);
  refRows.set(`parse      ${name}`, measure(() => void (sink += reference.parse(buf.toString('latin1')) === undefined ? 0 : 1)));
}
for (const [name, buf] of cases) {
  const m = mustParse(buf);
  rows.push([`serialize  ${name}`, measure(() => void (sink += serialize(m).length))]);
  const rm = reference.parse(buf.toString('latin1'));
  refRows.set(`serialize  ${name}`, measure(() => void (sink += Buffer.from(reference.stringify(rm), 'latin1').length)));
}
for (const [name, buf] of cases) {
  rows.push([`proxy path ${name}`, measure(() => proxyPath(buf))]);
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11);
console.log(`SIP message core — ${SECONDS} s per figure, one core, node ${process.version}`);
console.log(`${'operation'.padEnd(38)}${'msgs/s'.padStart(11)}${'µs/msg'.padStart(9)}${'npm sip/s'.padStart(12)}${'ratio'.padStart(8)}`);
for (const [name, rate] of rows) {
  const ref = refRows.get(name);
  const refCols = ref === undefined ? '' : `${fmt(ref).padStart(12)}${(rate / ref).toFixed(2).padStart(7)}×`;
  console.log(`${name.padEnd(38)}${fmt(rate)}${(1e6 / rate).toFixed(2).padStart(9)}${refCols}`);
}
const reg = rows[0][1];
console.log(
  `REGISTER parse target ≥ ${REGISTER_TARGET.toLocaleString('en-US')}/s: ${reg >= REGISTER_TARGET ? 'met' : 'NOT met'} (${fmt(reg).trim()}/s)`,
);
if (sink === 42) console.log('');
