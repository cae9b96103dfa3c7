/**
 * RFC 3263 next-hop resolution through node's real DNS resolver against a tiny DNS server on
 * 127.0.0.1 (RFC 1035 wire format, hand-encoded): NAPTR → SRV → A. Nothing leaves loopback
 * and nothing goes through /etc/hosts.
 */
import assert from 'node:assert/strict';
import { type Socket, createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type NextHopResolver, resolveNextHop } from '../../../src/proxy/index.js';
import { parseUri } from '../../../src/sip/message/index.js';

const T_A = 1;
const T_SRV = 33;
const T_NAPTR = 35;
const TYPE_NAMES: Record<number, string> = { [T_A]: 'A', [T_SRV]: 'SRV', [T_NAPTR]: 'NAPTR' };

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
/** A domain name as labels, uncompressed (RFC 1035 §3.1). */
const name = (s: string): Buffer => Buffer.concat([...s.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
/** A <character-string> (RFC 1035 §3.3). */
const text = (s: string): Buffer => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
/** NAPTR RDATA (RFC 3403 §4.1): order, preference, flags, services, regexp, replacement. */
const naptr = (order: number, pref: number, flags: string, service: string, replacement: string): Buffer =>
  Buffer.concat([u16(order), u16(pref), text(flags), text(service), text(''), name(replacement)]);
/** SRV RDATA (RFC 2782): priority, weight, port, target. */
const srv = (priority: number, weight: number, port: number, target: string): Buffer => Buffer.concat([u16(priority), u16(weight), u16(port), name(target)]);
const a = (ip: string): Buffer => Buffer.from(ip.split('.').map(Number));

/** The zone: "name type" → RDATA of each record. UDP sorts first by preference but comes later by order. */
const ZONE = new Map<string, Buffer[]>([
  ['carrier.test NAPTR', [naptr(20, 10, 's', 'SIP+D2U', '_sip._udp.carrier.test'), naptr(10, 50, 's', 'SIP+D2T', '_sip._tcp.carrier.test')]],
  ['_sip._udp.carrier.test SRV', [srv(10, 1, 5071, 'sbc.carrier.test')]],
  ['_sip._tcp.carrier.test SRV', [srv(10, 1, 5072, 'sbc.carrier.test')]],
  ['sbc.carrier.test A', [a('192.0.2.55')]],
  ['carrier.test A', [a('192.0.2.99')]],
]);

/** Answers a query from ZONE, NXDOMAIN otherwise; records what was asked. */
function answer(query: Buffer, asked: string[]): Buffer | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]).toString());
    at += 1 + query[at];
  }
  const end = at + 5; // the root label, QTYPE, QCLASS
  if (end > query.length) return undefined;
  const type = query.readUInt16BE(at + 1);
  const key = `${labels.join('.').toLowerCase()} ${TYPE_NAMES[type] ?? type}`;
  asked.push(key);
  const records = ZONE.get(key) ?? [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // ID
  header.writeUInt16BE(0x8180 | (records.length === 0 ? 3 : 0), 2); // QR, RD, RA; NXDOMAIN when nothing
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((rdata) => Buffer.concat([u16(0xc00c), u16(type), u16(1), Buffer.from([0, 0, 0, 60]), u16(rdata.length), rdata]));
  return Buffer.concat([header, query.subarray(12, end), ...answers]);
}

describe('resolveNextHop through a real resolver (loopback DNS server)', () => {
  let server: Socket;
  let dns: NextHopResolver;
  const asked: string[] = [];

  before(async () => {
    server = createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      const reply = answer(msg, asked);
      if (reply !== undefined) server.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const resolver = new (await import('node:dns')).promises.Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    dns = {
      addresses: (n) => resolver.resolve4(n),
      srv: (n) => resolver.resolveSrv(n),
      naptr: (n) => resolver.resolveNaptr(n),
      random: () => 0,
    };
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sip:carrier.test goes NAPTR → SRV → A to the TCP server the carrier prefers', async () => {
    const uri = parseUri('sip:carrier.test');
    assert.ok(uri);
    assert.deepEqual(await resolveNextHop(uri, dns), { ok: true, destination: { transport: 'tcp', host: '192.0.2.55', port: 5072 } });
    assert.deepEqual(asked, ['carrier.test NAPTR', '_sip._tcp.carrier.test SRV', 'sbc.carrier.test A']);
  });
});
