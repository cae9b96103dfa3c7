/**
 * Where a request goes next (RFC 3261 §16.6 step 7, §18.1.1, RFC 3263): the URI of the top
 * Route, else the Request-URI; its maddr, transport parameter, scheme and port decide the
 * address. A host name without a port is looked up as SRV first (RFC 3263 §4.2:
 * `_sip._udp`, `_sip._tcp`, `_sips._tcp`), then as A/AAAA. NAPTR is not used: the transport
 * comes from the URI (RFC 3263 §4.1 allows that when the URI says it; otherwise UDP).
 */
import { lookup, resolveSrv } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SrvRecord } from 'node:dns';
import type { Uri } from '../sip/message/index.js';
import { type Destination, type TransportKind, defaultPort, isTransportKind } from '../sip/transport/index.js';

export type NextHop = { ok: true; destination: Destination } | { ok: false; status: number; reason: string };

/** The DNS queries RFC 3263 needs; node:dns by default, fakes in tests. */
export interface NextHopResolver {
  /** A/AAAA: one address of `name` (rejects when there is none). */
  address(name: string): Promise<string>;
  /** SRV records of `name` (rejects when there are none). */
  srv(name: string): Promise<SrvRecord[]>;
  /** Uniform in [0, 1): picks among SRV records of equal priority by weight. */
  random(): number;
}

const systemResolver: NextHopResolver = {
  address: async (name) => (await lookup(name)).address,
  srv: (name) => resolveSrv(name),
  random: Math.random,
};

export async function resolveNextHop(uri: Uri, dns: NextHopResolver = systemResolver): Promise<NextHop> {
  if (uri.kind !== 'sip') return { ok: false, status: 416, reason: 'Unsupported URI Scheme' };
  const param = uri.transport;
  let transport: TransportKind;
  if (uri.scheme === 'sips') transport = param === 'ws' || param === 'wss' ? 'wss' : 'tls';
  else transport = param !== undefined && isTransportKind(param) ? param : 'udp';
  const port = uri.port ?? defaultPort(transport);
  const maddr = uri.param('maddr');
  const hasMaddr = typeof maddr === 'string' && maddr !== '';
  const name = hasMaddr ? maddr.replace(/^\[|\]$/g, '') : uri.hostname;
  if (isIP(name) !== 0) return { ok: true, destination: { transport, host: name, port } };
  try {
    // RFC 3263 §4.2: "If the TARGET was not a numeric IP address, but a port is present in
    // the URI, the client performs an A or AAAA record lookup"; without a port, SRV first.
    if (uri.port === undefined && !hasMaddr) {
      const srv = await srvTarget(name, transport, dns);
      if (srv !== undefined) return { ok: true, destination: { transport, host: await dns.address(srv.name), port: srv.port } };
    }
    return { ok: true, destination: { transport, host: await dns.address(name), port } };
  } catch {
    // §16.7 / RFC 3263: an unresolvable next hop is a 503 from the proxy's point of view.
    return { ok: false, status: 503, reason: 'Next Hop Unresolvable' };
  }
}

/** RFC 2782 selection: lowest priority, then weighted random among equals. */
async function srvTarget(name: string, transport: TransportKind, dns: NextHopResolver): Promise<{ name: string; port: number } | undefined> {
  if (transport === 'ws' || transport === 'wss') return undefined;
  const service = transport === 'tls' ? '_sips._tcp' : transport === 'tcp' ? '_sip._tcp' : '_sip._udp';
  let records;
  try {
    records = await dns.srv(`${service}.${name}`);
  } catch {
    return undefined; // no SRV: fall back to A/AAAA (RFC 3263 §4.2)
  }
  if (records.length === 0) return undefined;
  const best = Math.min(...records.map((r) => r.priority));
  const group = records.filter((r) => r.priority === best);
  const total = group.reduce((n, r) => n + r.weight, 0);
  if (total === 0) return { name: group[0].name, port: group[0].port };
  // A running sum over the weights: a record is picked with probability weight / total.
  const pick = dns.random() * total;
  let sum = 0;
  for (const r of group) {
    sum += r.weight;
    if (pick < sum) return { name: r.name, port: r.port };
  }
  return { name: group[0].name, port: group[0].port };
}
