/** RFC 3263 next-hop resolution (RFC 3261 §16.6 step 7) against a fake resolver: no real DNS. */
import assert from 'node:assert/strict';
import type { NaptrRecord, SrvRecord } from 'node:dns';
import { describe, it } from 'node:test';
import { type NextHopResolver, resolveNextHop } from '../../../src/proxy/index.js';
import { type Uri, parseUri } from '../../../src/sip/message/index.js';

/**
 * A resolver answering from tables and recording every query. An A entry is one address or
 * several (in the resolver's order). A NAPTR entry that is an Error is a resolver failure
 * (SERVFAIL, timeout): the query rejects with it.
 */
function fakeDns(
  a: Record<string, string | string[]>,
  srv: Record<string, SrvRecord[]> = {},
  random = 0,
  naptr: Record<string, NaptrRecord[] | Error> = {},
): NextHopResolver & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    addresses: async (name) => {
      queries.push(`A ${name}`);
      const v = a[name];
      if (v === undefined) throw new Error(`ENOTFOUND ${name}`);
      return typeof v === 'string' ? [v] : v;
    },
    srv: async (name) => {
      queries.push(`SRV ${name}`);
      const v = srv[name];
      if (v === undefined) throw new Error(`ENODATA ${name}`);
      return v;
    },
    naptr: async (name) => {
      queries.push(`NAPTR ${name}`);
      const v = naptr[name];
      if (v === undefined) throw new Error(`ENODATA ${name}`);
      if (v instanceof Error) throw v;
      return v;
    },
    random: () => random,
  };
}

const uri = (text: string): Uri => {
  const u = parseUri(text);
  assert.ok(u, text);
  return u;
};

const rec = (name: string, port: number, priority: number, weight: number): SrvRecord => ({ name, port, priority, weight });
const naptr = (order: number, preference: number, flags: string, service: string, replacement: string, regexp = ''): NaptrRecord => ({
  order,
  preference,
  flags,
  service,
  regexp,
  replacement,
});

describe('resolveNextHop (RFC 3263)', () => {
  it('uses a numeric host as it is, with the default port of the transport', async () => {
    const dns = fakeDns({});
    assert.deepEqual(await resolveNextHop(uri('sip:bob@192.0.2.1'), dns), { ok: true, destination: { transport: 'udp', host: '192.0.2.1', port: 5060 } });
    assert.deepEqual(await resolveNextHop(uri('sips:bob@192.0.2.1'), dns), { ok: true, destination: { transport: 'tls', host: '192.0.2.1', port: 5061 } });
    assert.deepEqual(await resolveNextHop(uri('sip:bob@[2001:db8::1]:5070;transport=tcp'), dns), { ok: true, destination: { transport: 'tcp', host: '2001:db8::1', port: 5070 } });
    assert.deepEqual(await resolveNextHop(uri('sip:bob@example.com;maddr=192.0.2.9'), dns), { ok: true, destination: { transport: 'udp', host: '192.0.2.9', port: 5060 } });
    assert.deepEqual(dns.queries, [], 'no DNS query for an IP literal or maddr');
  });

  it('looks a name without a port up as SRV first (RFC 3263 §4.2), per transport', async () => {
    const dns = fakeDns({ 'pbx1.example.com': '198.51.100.1' }, {
      '_sip._udp.example.com': [rec('pbx1.example.com', 5080, 10, 1)],
      '_sip._tcp.example.com': [rec('pbx1.example.com', 5081, 10, 1)],
      '_sips._tcp.example.com': [rec('pbx1.example.com', 5082, 10, 1)],
    });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier@example.com'), dns), { ok: true, destination: { transport: 'udp', host: '198.51.100.1', port: 5080 } });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier@example.com;transport=tcp'), dns), { ok: true, destination: { transport: 'tcp', host: '198.51.100.1', port: 5081 } });
    assert.deepEqual(await resolveNextHop(uri('sips:carrier@example.com'), dns), { ok: true, destination: { transport: 'tls', host: '198.51.100.1', port: 5082 } });
    assert.deepEqual(dns.queries.filter((q) => q.startsWith('SRV')), ['SRV _sip._udp.example.com', 'SRV _sip._tcp.example.com', 'SRV _sips._tcp.example.com']);
  });

  it('with a port in the URI asks only for A/AAAA; without SRV records falls back to A/AAAA', async () => {
    const dns = fakeDns({ 'example.com': '198.51.100.7' });
    assert.deepEqual(await resolveNextHop(uri('sip:bob@example.com:5090'), dns), { ok: true, destination: { transport: 'udp', host: '198.51.100.7', port: 5090 } });
    assert.deepEqual(dns.queries, ['A example.com']);
    assert.deepEqual(await resolveNextHop(uri('sip:bob@example.com'), dns), { ok: true, destination: { transport: 'udp', host: '198.51.100.7', port: 5060 } });
    // Without a port: NAPTR, then the SRV services (RFC 3263 §4.1), then A/AAAA.
    assert.deepEqual(dns.queries.slice(1), ['NAPTR example.com', 'SRV _sip._udp.example.com', 'SRV _sip._tcp.example.com', 'SRV _sips._tcp.example.com', 'A example.com']);
  });

  it('picks the lowest SRV priority, and among equals by weight (RFC 2782)', async () => {
    const records = [rec('backup.example.com', 5060, 20, 100), rec('a.example.com', 5061, 10, 1), rec('b.example.com', 5062, 10, 3), rec('zero.example.com', 5063, 10, 0)];
    const a = { 'a.example.com': '198.51.100.10', 'b.example.com': '198.51.100.11', 'backup.example.com': '198.51.100.12', 'zero.example.com': '198.51.100.13' };
    const pick = async (random: number) => {
      const r = await resolveNextHop(uri('sip:x@example.com'), fakeDns(a, { '_sip._udp.example.com': records }, random));
      return r.ok ? r.destination.port : r.status;
    };
    // Weights 1 and 3 (total 4): random < 0.25 → a, else b; weight 0 is never picked beside them.
    assert.equal(await pick(0), 5061);
    assert.equal(await pick(0.249), 5061);
    assert.equal(await pick(0.25), 5062);
    assert.equal(await pick(0.999), 5062);
    // All weights 0 at the best priority: the first one.
    const zeros = [rec('zero.example.com', 5063, 5, 0), rec('a.example.com', 5061, 5, 0)];
    const r = await resolveNextHop(uri('sip:x@example.com'), fakeDns(a, { '_sip._udp.example.com': zeros }, 0.9));
    assert.deepEqual(r, {
      ok: true,
      destination: { transport: 'udp', host: '198.51.100.13', port: 5063 },
      alternates: [{ transport: 'udp', host: '198.51.100.10', port: 5061 }],
    });
  });

  it('the other servers of the SRV set are alternates in RFC 2782 order; an unresolvable one is skipped (RFC 3263 §4.3)', async () => {
    const records = [rec('backup.example.com', 5060, 20, 100), rec('a.example.com', 5061, 10, 1), rec('b.example.com', 5062, 10, 3), rec('zero.example.com', 5063, 10, 0), rec('gone.example.com', 5064, 30, 1)];
    const a = { 'a.example.com': '198.51.100.10', 'b.example.com': '198.51.100.11', 'backup.example.com': '198.51.100.12', 'zero.example.com': '198.51.100.13' };
    const at = (host: string, port: number) => ({ transport: 'udp', host, port });
    // random 0.5: among a (1) and b (3), 0.5 × 4 = 2 picks b; then a (the only weight left), then zero; then priority 20.
    const r = await resolveNextHop(uri('sip:x@example.com'), fakeDns(a, { '_sip._udp.example.com': records }, 0.5));
    assert.deepEqual(r, {
      ok: true,
      destination: at('198.51.100.11', 5062),
      alternates: [at('198.51.100.10', 5061), at('198.51.100.13', 5063), at('198.51.100.12', 5060)],
    });
    // Only the first server of a set that resolves counts: the others become the destination.
    const first = await resolveNextHop(uri('sip:x@example.com'), fakeDns({ 'b.example.com': '198.51.100.11' }, { '_sip._udp.example.com': [rec('gone.example.com', 5064, 1, 1), rec('b.example.com', 5062, 2, 1)] }));
    assert.deepEqual(first, { ok: true, destination: at('198.51.100.11', 5062) });
    // None resolving: the next hop is unresolvable.
    const none = await resolveNextHop(uri('sip:x@example.com'), fakeDns({}, { '_sip._udp.example.com': [rec('gone.example.com', 5064, 1, 1)] }));
    assert.deepEqual(none, { ok: false, status: 503, reason: 'Next Hop Unresolvable' });
  });

  it('takes at most 8 servers of one SRV set (a bound on the address queries)', async () => {
    const many = Array.from({ length: 20 }, (_, i) => rec(`s${i}.example.com`, 6000 + i, i, 1));
    const a = Object.fromEntries(many.map((m, i) => [m.name, `198.51.100.${i + 1}`]));
    const dns = fakeDns(a, { '_sip._udp.example.com': many });
    const r = await resolveNextHop(uri('sip:x@example.com;transport=udp'), dns);
    assert.ok(r.ok);
    assert.equal(r.destination.port, 6000);
    assert.deepEqual(r.alternates?.map((d) => d.port), [6001, 6002, 6003, 6004, 6005, 6006, 6007]);
    assert.equal(dns.queries.filter((q) => q.startsWith('A ')).length, 8);
  });

  it('every address of a name is an element of the list: the first is the destination, the others alternates (RFC 3263 §4.2, §4.3)', async () => {
    const at = (host: string, port: number, transport = 'udp') => ({ transport, host, port });
    // No SRV: the A/AAAA records of the name, in the resolver's order, at the default port.
    const a = { 'pbx.example.com': ['198.51.100.1', '2001:db8::1', '198.51.100.2'] };
    assert.deepEqual(await resolveNextHop(uri('sip:bob@pbx.example.com'), fakeDns(a)), {
      ok: true,
      destination: at('198.51.100.1', 5060),
      alternates: [at('2001:db8::1', 5060), at('198.51.100.2', 5060)],
    });
    // A port in the URI: A/AAAA only, same list.
    assert.deepEqual(await resolveNextHop(uri('sip:bob@pbx.example.com:5080;transport=tcp'), fakeDns(a)), {
      ok: true,
      destination: at('198.51.100.1', 5080, 'tcp'),
      alternates: [at('2001:db8::1', 5080, 'tcp'), at('198.51.100.2', 5080, 'tcp')],
    });
    // SRV: the addresses of each server in server order, each at its server's port.
    const srvA = { 'a.example.com': ['198.51.100.10', '198.51.100.11'], 'b.example.com': '198.51.100.20' };
    const r = await resolveNextHop(uri('sip:x@example.com;transport=udp'), fakeDns(srvA, { '_sip._udp.example.com': [rec('b.example.com', 5062, 2, 1), rec('a.example.com', 5061, 1, 1)] }));
    assert.deepEqual(r, { ok: true, destination: at('198.51.100.10', 5061), alternates: [at('198.51.100.11', 5061), at('198.51.100.20', 5062)] });
    // At most 8 elements in all, however many addresses a name has.
    const many = { 'pbx.example.com': Array.from({ length: 12 }, (_, i) => `198.51.100.${i + 1}`) };
    const capped = await resolveNextHop(uri('sip:bob@pbx.example.com'), fakeDns(many));
    assert.ok(capped.ok);
    assert.equal(capped.destination.host, '198.51.100.1');
    assert.deepEqual(capped.alternates?.map((d) => d.host), ['198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6', '198.51.100.7', '198.51.100.8']);
    // A name without addresses is unresolvable.
    assert.deepEqual(await resolveNextHop(uri('sip:bob@pbx.example.com'), fakeDns({ 'pbx.example.com': [] })), { ok: false, status: 503, reason: 'Next Hop Unresolvable' });
  });

  it('WebSocket transports skip SRV; an unresolvable name is 503, a non-SIP URI 416', async () => {
    const dns = fakeDns({ 'ws.example.com': '198.51.100.20' });
    assert.deepEqual(await resolveNextHop(uri('sip:bob@ws.example.com;transport=ws'), dns), { ok: true, destination: { transport: 'ws', host: '198.51.100.20', port: 80 } });
    assert.deepEqual(dns.queries, ['A ws.example.com']);
    assert.deepEqual(await resolveNextHop(uri('sip:bob@nowhere.invalid'), dns), { ok: false, status: 503, reason: 'Next Hop Unresolvable' });
    assert.deepEqual(await resolveNextHop(uri('tel:+15551234567'), dns), { ok: false, status: 416, reason: 'Unsupported URI Scheme' });
  });

  // A carrier domain with NAPTR records for every transport; each SRV name has its own port.
  const carrierSrv = {
    '_sip._udp.carrier.example': [rec('sbc.carrier.example', 5071, 10, 1)],
    '_sip._tcp.carrier.example': [rec('sbc.carrier.example', 5072, 10, 1)],
    '_sips._tcp.carrier.example': [rec('sbc.carrier.example', 5073, 10, 1)],
  };
  const carrierA = { 'sbc.carrier.example': '203.0.113.5', 'carrier.example': '203.0.113.9' };
  const to = (transport: string, port: number, host = '203.0.113.5') => ({ ok: true, destination: { transport, host, port } });

  it('NAPTR picks the transport of the lowest order, then the lowest preference (RFC 3263 §4.1)', async () => {
    const records = [
      naptr(10, 20, 's', 'SIPS+D2T', '_sips._tcp.carrier.example'),
      naptr(20, 5, 's', 'SIP+D2U', '_sip._udp.carrier.example'),
      naptr(10, 10, 's', 'SIP+D2T', '_sip._tcp.carrier.example'),
    ];
    const dns = fakeDns(carrierA, carrierSrv, 0, { 'carrier.example': records });
    assert.deepEqual(await resolveNextHop(uri('sip:+15551234567@carrier.example'), dns), to('tcp', 5072));
    assert.deepEqual(dns.queries, ['NAPTR carrier.example', 'SRV _sip._tcp.carrier.example', 'A sbc.carrier.example']);
  });

  it('a SIPS URI uses only SIPS+D2T NAPTR records', async () => {
    const records = [naptr(10, 10, 's', 'SIP+D2U', '_sip._udp.carrier.example'), naptr(10, 20, 's', 'SIP+D2T', '_sip._tcp.carrier.example'), naptr(30, 10, 's', 'SIPS+D2T', '_sips._tcp.carrier.example')];
    const dns = fakeDns(carrierA, carrierSrv, 0, { 'carrier.example': records });
    assert.deepEqual(await resolveNextHop(uri('sips:bob@carrier.example'), dns), to('tls', 5073));
    assert.deepEqual(dns.queries, ['NAPTR carrier.example', 'SRV _sips._tcp.carrier.example', 'A sbc.carrier.example']);
    // Only SIP+D2U/SIP+D2T published: a SIPS URI never takes them; `_sips._tcp` missing too, so
    // A/AAAA of the domain with TLS on 5061.
    const plain = fakeDns(carrierA, { '_sip._udp.carrier.example': carrierSrv['_sip._udp.carrier.example'], '_sip._tcp.carrier.example': carrierSrv['_sip._tcp.carrier.example'] }, 0, {
      'carrier.example': records.slice(0, 2),
    });
    assert.deepEqual(await resolveNextHop(uri('sips:bob@carrier.example'), plain), to('tls', 5061, '203.0.113.9'));
    assert.deepEqual(plain.queries, ['NAPTR carrier.example', 'SRV _sips._tcp.carrier.example', 'A carrier.example']);
  });

  it('ignores NAPTR records whose flags are not "s", that carry a regexp, or name an unknown service', async () => {
    const records = [
      naptr(1, 10, 'a', 'SIP+D2U', 'flag-a.carrier.example'),
      naptr(2, 10, 'u', 'SIP+D2U', '', '!^.*$!sip:info@carrier.example!'),
      naptr(3, 10, 's', 'SIP+D2U', 'with-regexp.carrier.example', '!^.*$!_sip._udp.carrier.example!'),
      naptr(4, 10, 's', 'SIP+D2S', '_sip._sctp.carrier.example'),
      naptr(5, 10, 's', 'E2U+sip', 'enum.carrier.example'),
      naptr(6, 10, '', 'SIP+D2U', 'no-flag.carrier.example'),
      naptr(9, 10, 'S', 'sip+d2t', '_sip._tcp.carrier.example'), // flags and service are case-insensitive
    ];
    // Every ignored record points at an SRV name that would resolve, to a port of its own.
    const srv: Record<string, SrvRecord[]> = { ...carrierSrv };
    for (const [i, r] of records.entries()) {
      if (r.replacement !== '' && srv[r.replacement] === undefined) srv[r.replacement] = [rec('sbc.carrier.example', 6000 + i, 10, 1)];
    }
    const dns = fakeDns(carrierA, srv, 0, { 'carrier.example': records });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), dns), to('tcp', 5072));
    assert.deepEqual(dns.queries, ['NAPTR carrier.example', 'SRV _sip._tcp.carrier.example', 'A sbc.carrier.example']);
  });

  it('a NAPTR record whose SRV name does not resolve gives way to the next one, then to the SRV services', async () => {
    const records = [naptr(10, 10, 's', 'SIP+D2T', '_sip._tcp.carrier.example'), naptr(20, 10, 's', 'SIP+D2U', '_sip._udp.carrier.example')];
    const { '_sip._tcp.carrier.example': _tcp, ...noTcp } = carrierSrv;
    const dns = fakeDns(carrierA, noTcp, 0, { 'carrier.example': records });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), dns), to('udp', 5071));
    assert.deepEqual(dns.queries, ['NAPTR carrier.example', 'SRV _sip._tcp.carrier.example', 'SRV _sip._udp.carrier.example', 'A sbc.carrier.example']);
    // No NAPTR target resolves: the SRV services not asked yet, in their order.
    const onlyTls = fakeDns(carrierA, { '_sips._tcp.carrier.example': carrierSrv['_sips._tcp.carrier.example'] }, 0, { 'carrier.example': records });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), onlyTls), to('tls', 5073));
    assert.deepEqual(onlyTls.queries, ['NAPTR carrier.example', 'SRV _sip._tcp.carrier.example', 'SRV _sip._udp.carrier.example', 'SRV _sips._tcp.carrier.example', 'A sbc.carrier.example']);
  });

  it('without NAPTR asks SRV _sip._udp, _sip._tcp, _sips._tcp in that order and takes the first that exists', async () => {
    const only = (name: keyof typeof carrierSrv) => fakeDns(carrierA, { [name]: carrierSrv[name] });
    const tcp = only('_sip._tcp.carrier.example');
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), tcp), to('tcp', 5072));
    assert.deepEqual(tcp.queries, ['NAPTR carrier.example', 'SRV _sip._udp.carrier.example', 'SRV _sip._tcp.carrier.example', 'A sbc.carrier.example']);
    // A SIP URI goes to TLS only when `_sips._tcp` is the one service published.
    const tls = only('_sips._tcp.carrier.example');
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), tls), to('tls', 5073));
    assert.deepEqual(tls.queries, ['NAPTR carrier.example', 'SRV _sip._udp.carrier.example', 'SRV _sip._tcp.carrier.example', 'SRV _sips._tcp.carrier.example', 'A sbc.carrier.example']);
    const all = fakeDns(carrierA, carrierSrv);
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), all), to('udp', 5071));
    assert.deepEqual(await resolveNextHop(uri('sips:carrier.example'), all), to('tls', 5073));
    assert.deepEqual(all.queries, ['NAPTR carrier.example', 'SRV _sip._udp.carrier.example', 'A sbc.carrier.example', 'NAPTR carrier.example', 'SRV _sips._tcp.carrier.example', 'A sbc.carrier.example']);
  });

  it('a NAPTR query failing with a resolver error falls back to SRV, then A/AAAA', async () => {
    const servfail = Object.assign(new Error('queryNaptr ESERVFAIL carrier.example'), { code: 'ESERVFAIL' });
    const timeout = Object.assign(new Error('queryNaptr ETIMEOUT carrier.example'), { code: 'ETIMEOUT' });
    const srvTcp = { '_sip._tcp.carrier.example': carrierSrv['_sip._tcp.carrier.example'] };
    const withSrv = fakeDns(carrierA, srvTcp, 0, { 'carrier.example': servfail });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), withSrv), to('tcp', 5072));
    assert.deepEqual(withSrv.queries, ['NAPTR carrier.example', 'SRV _sip._udp.carrier.example', 'SRV _sip._tcp.carrier.example', 'A sbc.carrier.example']);
    const noSrv = fakeDns(carrierA, {}, 0, { 'carrier.example': timeout });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example'), noSrv), to('udp', 5060, '203.0.113.9'));
    assert.deepEqual(noSrv.queries.at(-1), 'A carrier.example');
    const nowhere = fakeDns({}, {}, 0, { 'nowhere.example': timeout });
    assert.deepEqual(await resolveNextHop(uri('sip:nowhere.example'), nowhere), { ok: false, status: 503, reason: 'Next Hop Unresolvable' });
  });

  it('a transport parameter, a port or maddr means no NAPTR query', async () => {
    const records = [naptr(10, 10, 's', 'SIP+D2T', '_sip._tcp.carrier.example')];
    const dns = fakeDns(carrierA, carrierSrv, 0, { 'carrier.example': records });
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example;transport=udp'), dns), to('udp', 5071));
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example;transport=TLS'), dns), to('tls', 5073));
    assert.deepEqual(await resolveNextHop(uri('sips:carrier.example;transport=tcp'), dns), to('tls', 5073));
    assert.deepEqual(await resolveNextHop(uri('sip:carrier.example:5070'), dns), to('udp', 5070, '203.0.113.9'));
    assert.deepEqual(await resolveNextHop(uri('sip:x@other.example;maddr=carrier.example'), dns), to('udp', 5060, '203.0.113.9'));
    assert.deepEqual(
      dns.queries.filter((q) => !q.startsWith('A ')),
      ['SRV _sip._udp.carrier.example', 'SRV _sips._tcp.carrier.example', 'SRV _sips._tcp.carrier.example'],
      'no NAPTR query',
    );
  });
});
