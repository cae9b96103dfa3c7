/** The DNS answer cache of next-hop resolution (RFC 3263 queries, RFC 2308 negative caching), against a counting fake resolver. */
import assert from 'node:assert/strict';
import type { NaptrRecord, SrvRecord } from 'node:dns';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { CachingResolver, type NextHopResolver, resolveNextHop } from '../../../src/proxy/index.js';
import { type Uri, parseUri } from '../../../src/sip/message/index.js';

/**
 * A resolver answering from mutable tables (names compared lower-cased, as DNS does) and
 * recording every query it receives. While `hold()` is on, answers wait for `release()`.
 */
function fakeDns(a: Record<string, string> = {}, srv: Record<string, SrvRecord[]> = {}, naptr: Record<string, NaptrRecord[]> = {}) {
  const queries: string[] = [];
  const held: (() => void)[] = [];
  let holding = false;
  const answer = async <T>(query: string, value: T | undefined): Promise<T> => {
    queries.push(query);
    if (holding) await new Promise<void>((resolve) => held.push(resolve));
    if (value === undefined) throw new Error(`ENODATA ${query}`);
    return value;
  };
  const dns = {
    a,
    srv,
    naptr,
    queries,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const resolve of held.splice(0)) resolve();
    },
    resolver: {
      addresses: (name) => answer(`A ${name}`, a[name.toLowerCase()] === undefined ? undefined : [a[name.toLowerCase()]]),
      srv: (name) => answer(`SRV ${name}`, srv[name.toLowerCase()]),
      naptr: (name) => answer(`NAPTR ${name}`, naptr[name.toLowerCase()]),
      random: () => 0.42,
    } satisfies NextHopResolver,
  };
  return dns;
}

const uri = (text: string): Uri => {
  const u = parseUri(text);
  assert.ok(u, text);
  return u;
};

const rec = (name: string, port: number): SrvRecord => ({ name, port, priority: 10, weight: 1 });
const naptr = (service: string, replacement: string): NaptrRecord => ({ order: 10, preference: 10, flags: 's', service, regexp: '', replacement });

/** A carrier with NAPTR → SRV → A: three queries for one uncached resolution. */
const carrier = () =>
  fakeDns(
    { 'sbc.carrier.example': '203.0.113.5' },
    { '_sip._tcp.carrier.example': [rec('sbc.carrier.example', 5072)] },
    { 'carrier.example': [naptr('SIP+D2T', '_sip._tcp.carrier.example')] },
  );
const carrierHop = { ok: true, destination: { transport: 'tcp', host: '203.0.113.5', port: 5072 } };

describe('CachingResolver', () => {
  it('answers a repeated query within positiveTtlMs from the cache, each query kind apart', async () => {
    const clock = new ManualClock();
    const dns = fakeDns({ 'pbx.example': '198.51.100.1' }, { 'pbx.example': [rec('pbx.example', 5080)] });
    const cache = new CachingResolver(dns.resolver, { clock });
    assert.deepEqual(await cache.addresses('pbx.example'), ['198.51.100.1']);
    clock.advance(59_999);
    assert.deepEqual(await cache.addresses('pbx.example'), ['198.51.100.1']);
    assert.deepEqual(dns.queries, ['A pbx.example']);
    // The same name as SRV is another question.
    assert.deepEqual(await cache.srv('pbx.example'), [rec('pbx.example', 5080)]);
    assert.deepEqual(await cache.srv('pbx.example'), [rec('pbx.example', 5080)]);
    assert.deepEqual(dns.queries, ['A pbx.example', 'SRV pbx.example']);
    assert.equal(cache.size, 2);
  });

  it('resolves a NAPTR → SRV → A chain twice with the queries of one resolution', async () => {
    const dns = carrier();
    const cache = new CachingResolver(dns.resolver, { clock: new ManualClock() });
    assert.deepEqual(await resolveNextHop(uri('sip:+15551234567@carrier.example'), cache), carrierHop);
    assert.deepEqual(await resolveNextHop(uri('sip:+15557654321@carrier.example'), cache), carrierHop);
    assert.deepEqual(dns.queries, ['NAPTR carrier.example', 'SRV _sip._tcp.carrier.example', 'A sbc.carrier.example']);
  });

  it('asks again once positiveTtlMs has passed, and returns the new answer', async () => {
    const clock = new ManualClock();
    const dns = fakeDns({ 'pbx.example': '198.51.100.1' });
    const cache = new CachingResolver(dns.resolver, { clock, positiveTtlMs: 10_000 });
    assert.deepEqual(await cache.addresses('pbx.example'), ['198.51.100.1']);
    dns.a['pbx.example'] = '198.51.100.2'; // renumbered; the cache does not know yet
    clock.advance(9_999);
    assert.deepEqual(await cache.addresses('pbx.example'), ['198.51.100.1']);
    assert.equal(dns.queries.length, 1);
    clock.advance(1);
    assert.deepEqual(await cache.addresses('pbx.example'), ['198.51.100.2']);
    assert.deepEqual(dns.queries, ['A pbx.example', 'A pbx.example']);
  });

  it('caches a failure for negativeTtlMs (RFC 2308), rejecting again with the original error', async () => {
    const clock = new ManualClock();
    const dns = fakeDns();
    const cache = new CachingResolver(dns.resolver, { clock, positiveTtlMs: 60_000, negativeTtlMs: 30_000 });
    let first: unknown;
    await assert.rejects(cache.naptr('trunk.example'), (e) => {
      first = e;
      return e instanceof Error && e.message === 'ENODATA NAPTR trunk.example';
    });
    dns.naptr['trunk.example'] = [naptr('SIP+D2U', '_sip._udp.trunk.example')]; // published meanwhile
    clock.advance(29_999);
    await assert.rejects(cache.naptr('trunk.example'), (e) => e === first);
    assert.deepEqual(dns.queries, ['NAPTR trunk.example']);
    // The negative lifetime, not the positive one, ends it.
    clock.advance(1);
    assert.deepEqual(await cache.naptr('trunk.example'), [naptr('SIP+D2U', '_sip._udp.trunk.example')]);
    assert.deepEqual(dns.queries, ['NAPTR trunk.example', 'NAPTR trunk.example']);
  });

  it('spares the missing NAPTR and SRV queries of a plain A-record domain on the next call', async () => {
    const clock = new ManualClock();
    const dns = fakeDns({ 'example.com': '198.51.100.7' });
    const cache = new CachingResolver(dns.resolver, { clock });
    const hop = { ok: true, destination: { transport: 'udp', host: '198.51.100.7', port: 5060 } };
    assert.deepEqual(await resolveNextHop(uri('sip:bob@example.com'), cache), hop);
    const first = ['NAPTR example.com', 'SRV _sip._udp.example.com', 'SRV _sip._tcp.example.com', 'SRV _sips._tcp.example.com', 'A example.com'];
    assert.deepEqual(dns.queries, first);
    assert.deepEqual(await resolveNextHop(uri('sip:alice@example.com'), cache), hop);
    assert.deepEqual(dns.queries, first, 'no query at all the second time');
    // After the negative lifetime the misses are asked again; the address is still cached.
    clock.advance(30_000);
    assert.deepEqual(await resolveNextHop(uri('sip:bob@example.com'), cache), hop);
    assert.deepEqual(dns.queries.slice(first.length), first.slice(0, 4));
  });

  it('shares one query among concurrent identical queries, answer or failure', async () => {
    const dns = fakeDns({ 'pbx.example': '198.51.100.1' });
    const cache = new CachingResolver(dns.resolver, { clock: new ManualClock() });
    dns.hold();
    const both = Promise.all([cache.addresses('pbx.example'), cache.addresses('pbx.example')]);
    const misses = Promise.all([cache.srv('_sip._udp.pbx.example'), cache.srv('_sip._udp.pbx.example')].map((p) => p.then(() => undefined, (e: unknown) => e)));
    assert.deepEqual(dns.queries, ['A pbx.example', 'SRV _sip._udp.pbx.example']);
    dns.release();
    assert.deepEqual(await both, [['198.51.100.1'], ['198.51.100.1']]);
    const errors = await misses;
    assert.ok(errors[0] instanceof Error);
    assert.equal(errors[1], errors[0]);
    assert.equal(dns.queries.length, 2);
  });

  it('two resolveNextHop calls started together cost one query per record', async () => {
    const dns = carrier();
    const cache = new CachingResolver(dns.resolver, { clock: new ManualClock() });
    dns.hold();
    const both = Promise.all([resolveNextHop(uri('sip:a@carrier.example'), cache), resolveNextHop(uri('sip:b@carrier.example'), cache)]);
    assert.deepEqual(dns.queries, ['NAPTR carrier.example']);
    dns.release();
    assert.deepEqual(await both, [carrierHop, carrierHop]);
    assert.deepEqual(dns.queries, ['NAPTR carrier.example', 'SRV _sip._tcp.carrier.example', 'A sbc.carrier.example']);
  });

  it('holds at most maxEntries answers, evicting the least recently used', async () => {
    const dns = fakeDns({ 'a.example': '192.0.2.1', 'b.example': '192.0.2.2', 'c.example': '192.0.2.3' });
    const cache = new CachingResolver(dns.resolver, { clock: new ManualClock(), maxEntries: 2 });
    await cache.addresses('a.example');
    await cache.addresses('b.example');
    assert.deepEqual(await cache.addresses('a.example'), ['192.0.2.1']); // a is now the most recent
    assert.deepEqual(dns.queries, ['A a.example', 'A b.example']);
    assert.deepEqual(await cache.addresses('c.example'), ['192.0.2.3']); // evicts b
    assert.equal(cache.size, 2);
    assert.deepEqual(await cache.addresses('a.example'), ['192.0.2.1']);
    assert.deepEqual(await cache.addresses('c.example'), ['192.0.2.3']);
    assert.deepEqual(dns.queries, ['A a.example', 'A b.example', 'A c.example']);
    assert.deepEqual(await cache.addresses('b.example'), ['192.0.2.2']);
    assert.deepEqual(dns.queries, ['A a.example', 'A b.example', 'A c.example', 'A b.example']);
  });

  it('treats names case-insensitively', async () => {
    const dns = fakeDns({ 'pbx.example.com': '198.51.100.1' });
    const cache = new CachingResolver(dns.resolver, { clock: new ManualClock() });
    assert.deepEqual(await cache.addresses('PBX.Example.COM'), ['198.51.100.1']);
    assert.deepEqual(await cache.addresses('pbx.example.com'), ['198.51.100.1']);
    assert.deepEqual(await cache.addresses('Pbx.EXAMPLE.com'), ['198.51.100.1']);
    assert.deepEqual(dns.queries, ['A PBX.Example.COM']);
  });

  it('passes random() through; clear() forgets every answer', async () => {
    const dns = fakeDns({ 'pbx.example': '198.51.100.1' });
    const cache = new CachingResolver(dns.resolver, { clock: new ManualClock() });
    assert.equal(cache.random(), 0.42);
    await cache.addresses('pbx.example');
    assert.equal(cache.size, 1);
    cache.clear();
    assert.equal(cache.size, 0);
    assert.deepEqual(await cache.addresses('pbx.example'), ['198.51.100.1']);
    assert.deepEqual(dns.queries, ['A pbx.example', 'A pbx.example']);
  });
});
