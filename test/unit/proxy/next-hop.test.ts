/** RFC 3263 next-hop resolution (RFC 3261 §16.6 step 7) against a fake resolver: no real DNS. */
import assert from 'node:assert/strict';
import type { SrvRecord } from 'node:dns';
import { describe, it } from 'node:test';
import { type NextHopResolver, resolveNextHop } from '../../../src/proxy/index.js';
import { type Uri, parseUri } from '../../../src/sip/message/index.js';

/** A resolver answering from tables and recording every query. */
function fakeDns(a: Record<string, string>, srv: Record<string, SrvRecord[]> = {}, random = 0): NextHopResolver & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    address: async (name) => {
      queries.push(`A ${name}`);
      const v = a[name];
      if (v === undefined) throw new Error(`ENOTFOUND ${name}`);
      return v;
    },
    srv: async (name) => {
      queries.push(`SRV ${name}`);
      const v = srv[name];
      if (v === undefined) throw new Error(`ENODATA ${name}`);
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
    assert.deepEqual(dns.queries.slice(1), ['SRV _sip._udp.example.com', 'A example.com']);
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
    assert.deepEqual(r, { ok: true, destination: { transport: 'udp', host: '198.51.100.13', port: 5063 } });
  });

  it('WebSocket transports skip SRV; an unresolvable name is 503, a non-SIP URI 416', async () => {
    const dns = fakeDns({ 'ws.example.com': '198.51.100.20' });
    assert.deepEqual(await resolveNextHop(uri('sip:bob@ws.example.com;transport=ws'), dns), { ok: true, destination: { transport: 'ws', host: '198.51.100.20', port: 80 } });
    assert.deepEqual(dns.queries, ['A ws.example.com']);
    assert.deepEqual(await resolveNextHop(uri('sip:bob@nowhere.invalid'), dns), { ok: false, status: 503, reason: 'Next Hop Unresolvable' });
    assert.deepEqual(await resolveNextHop(uri('tel:+15551234567'), dns), { ok: false, status: 416, reason: 'Unsupported URI Scheme' });
  });
});
