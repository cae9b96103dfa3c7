/**
 * Where a request goes next (RFC 3261 §16.6 step 7, §18.1.1, RFC 3263): the URI of the top
 * Route, else the Request-URI; its maddr, transport parameter, scheme and port decide the
 * address. A host name without a port or transport parameter gets its transport from NAPTR,
 * else from the first SRV service that exists (RFC 3263 §4.1), then its address from SRV,
 * else A/AAAA (§4.2). With a transport parameter only that transport's SRV is asked; with a
 * port only A/AAAA. Without a resolver of the caller's, answers come from a shared cache
 * (dns-cache.ts). Every address of every server of an SRV set, in RFC 2782 order, or every
 * address of a name without SRV records, is an element of the list §4.3 tries: the first is
 * the destination, the others the `alternates` the proxy fails over to.
 */
import { lookup, resolveNaptr, resolveSrv } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NaptrRecord } from 'node:dns';
import { type Clock, systemClock } from '../lib/index.js';
import type { Uri } from '../sip/message/index.js';
import { type Destination, type TransportKind, defaultPort, isTransportKind } from '../sip/transport/index.js';
import { CachingResolver, type CachingResolverOptions, type NextHopResolver } from './dns-cache.js';

export type { NextHopResolver };

export type NextHop =
  | { ok: true; destination: Destination; alternates?: readonly Destination[] }
  | { ok: false; status: number; reason: string };

/** Where a resolved hop sends a target (spread into a Target): its destination and alternates (other addresses, other SRV servers). */
export function reachOf(hop: Extract<NextHop, { ok: true }>): { destination: Destination; alternates?: readonly Destination[] } {
  return hop.alternates === undefined ? { destination: hop.destination } : { destination: hop.destination, alternates: hop.alternates };
}

/**
 * Most elements (destination + alternates) a request may try, and most servers of one SRV set
 * whose addresses are asked: a bound on the queries and on the failover of one request.
 */
const MAX_ELEMENTS = 8;

const systemResolver: NextHopResolver = {
  // `all`: every A/AAAA record; node keeps the resolver's order (`verbatim`, the default).
  addresses: async (name) => (await lookup(name, { all: true })).map((a) => a.address),
  srv: (name) => resolveSrv(name),
  naptr: (name) => resolveNaptr(name),
  random: Math.random,
};

/** node:dns behind an answer cache with the given lifetimes and size (config `proxy.dns_*`). */
export function createNextHopDnsCache(options: Omit<CachingResolverOptions, 'clock'> & { clock?: Clock } = {}): CachingResolver {
  return new CachingResolver(systemResolver, { clock: systemClock, ...options });
}

/** The process-wide default of `resolveNextHop`: node:dns behind one shared answer cache. */
export const nextHopDnsCache = createNextHopDnsCache();

/** A server of an SRV set. */
type Server = { name: string; port: number };
/** The servers of the SRV set for a transport, in the order RFC 2782 tries them. */
type Located = { transport: TransportKind; servers: readonly Server[] };

export async function resolveNextHop(uri: Uri, dns: NextHopResolver = nextHopDnsCache): Promise<NextHop> {
  if (uri.kind !== 'sip') return { ok: false, status: 416, reason: 'Unsupported URI Scheme' };
  const param = uri.transport;
  const sips = uri.scheme === 'sips';
  let transport: TransportKind;
  if (sips) transport = param === 'ws' || param === 'wss' ? 'wss' : 'tls';
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
      // §4.1: "If the URI specifies a transport protocol in the transport parameter, that
      // transport protocol SHOULD be used"; otherwise NAPTR, then SRV, pick it.
      const found = param === undefined ? await locateTransport(name, sips, dns) : await srvOfTransport(name, transport, dns);
      if (found !== undefined) return await addressesOf(found, dns);
    }
    // The URI's transport; without one §4.1: "If no SRV records are found, the client SHOULD
    // use TCP for a SIPS URI, and UDP for a SIP URI" (TCP carrying TLS: our `tls`), at the
    // default port of the transport (§4.2). §4.2: "The result will be a list of IP
    // addresses, each of which can be contacted"; §4.3 moves to the next on a failure.
    const hosts = await dns.addresses(name);
    return elementList(hosts.map((host) => ({ transport, host, port })));
  } catch {
    // §16.7 / RFC 3263: an unresolvable next hop is a 503 from the proxy's point of view.
    return { ok: false, status: 503, reason: 'Next Hop Unresolvable' };
  }
}

/**
 * SRV service of a transport. RFC 3263 §4.2: "the client performs an SRV query for that
 * specific transport, using the service identifier "_sips" for SIPS URIs. For a SIP URI, if
 * the client wishes to use TLS, it also uses the service identifier "_sips"".
 */
const SRV_SERVICE: Partial<Record<TransportKind, string>> = { udp: '_sip._udp', tcp: '_sip._tcp', tls: '_sips._tcp' };

/**
 * The addresses of an SRV set's servers, asked in parallel, in server order and within a
 * server in the resolver's order. A server whose name does not resolve is skipped (§4.3 moves
 * on to the next element); none resolving is an unresolvable next hop.
 */
async function addressesOf(found: Located, dns: NextHopResolver): Promise<NextHop> {
  const servers = found.servers.slice(0, MAX_ELEMENTS);
  const answers = await Promise.allSettled(servers.map((s) => dns.addresses(s.name)));
  const elements: Destination[] = [];
  answers.forEach((a, i) => {
    if (a.status === 'fulfilled') for (const host of a.value) elements.push({ transport: found.transport, host, port: servers[i].port });
  });
  return elementList(elements);
}

/** The first element is the destination, the next (at most MAX_ELEMENTS in all) the alternates. */
function elementList(elements: readonly Destination[]): NextHop {
  const [destination, ...rest] = elements;
  if (destination === undefined) return { ok: false, status: 503, reason: 'Next Hop Unresolvable' };
  const alternates = rest.slice(0, MAX_ELEMENTS - 1);
  return alternates.length === 0 ? { ok: true, destination } : { ok: true, destination, alternates };
}

/** The SRV set for a transport named in the URI (WebSocket has no SRV service). */
async function srvOfTransport(name: string, transport: TransportKind, dns: NextHopResolver): Promise<Located | undefined> {
  const service = SRV_SERVICE[transport];
  if (service === undefined) return undefined;
  const servers = await srvServers(`${service}.${name}`, dns);
  return servers === undefined ? undefined : { transport, servers };
}

/** NAPTR services RFC 3263 §4.1 defines for the transports we have (§9 / IANA table). */
const NAPTR_SERVICES = new Map<string, TransportKind>([
  ['SIP+D2U', 'udp'],
  ['SIP+D2T', 'tcp'],
  ['SIPS+D2T', 'tls'],
]);

/**
 * The order of the SRV queries when there is no usable NAPTR record. RFC 3263 §4.1: "If no
 * NAPTR records are found, the client constructs SRV queries for those transport protocols it
 * supports, and does a query for each. Queries are done using the service identifier "_sip"
 * for SIP URIs and "_sips" for SIPS URIs. A particular transport is supported if the query is
 * successful. The client MAY use any transport protocol it desires which is supported by the
 * server." The choice is ours: UDP, then TCP, then TLS, stopping at the first that exists. UDP
 * first keeps what a server publishing `_sip._udp` got before and matches the §4.1 default
 * ("UDP for a SIP URI"); TLS last because a SIP URI does not ask for it — as with NAPTR,
 * where "a client resolving a SIP URI SHOULD retain records with "SIPS" as the protocol, if
 * the client supports TLS", it is used only when neither `_sip._udp` nor `_sip._tcp` exists.
 * A SIPS URI asks only `_sips._tcp`.
 */
const SIP_SRV_ORDER: readonly TransportKind[] = ['udp', 'tcp', 'tls'];
const SIPS_SRV_ORDER: readonly TransportKind[] = ['tls'];

/** RFC 3263 §4.1 transport selection for a name without transport parameter or port. */
async function locateTransport(name: string, sips: boolean, dns: NextHopResolver): Promise<Located | undefined> {
  const tried = new Set<string>();
  for (const { transport, replacement } of await naptrServices(name, sips, dns)) {
    tried.add(replacement);
    const servers = await srvServers(replacement, dns);
    if (servers !== undefined) return { transport, servers };
  }
  // No usable NAPTR record, or none whose SRV name resolves (Kamailio does the same):
  // the constructed SRV queries, each name once.
  for (const transport of sips ? SIPS_SRV_ORDER : SIP_SRV_ORDER) {
    const srvName = `${SRV_SERVICE[transport]}.${name}`;
    if (tried.has(srvName)) continue;
    const servers = await srvServers(srvName, dns);
    if (servers !== undefined) return { transport, servers };
  }
  return undefined;
}

/** The NAPTR records of `name` that RFC 3263 §4.1 lets us use, most preferred first. */
async function naptrServices(name: string, sips: boolean, dns: NextHopResolver): Promise<{ transport: TransportKind; replacement: string }[]> {
  let records: NaptrRecord[];
  try {
    records = await dns.naptr(name);
  } catch {
    return []; // none, or a resolver failure (timeout, SERVFAIL): go on as without NAPTR
  }
  const usable: { transport: TransportKind; replacement: string; order: number; preference: number }[] = [];
  for (const r of records) {
    const transport = NAPTR_SERVICES.get(r.service.toUpperCase());
    // §4.1: "a client resolving a SIPS URI MUST discard any services that do not contain
    // "SIPS" as the protocol in the service field"; "a client MUST discard any service fields
    // that identify a resolution service whose value is not "D2X", for values of X that
    // indicate transport protocols supported by the client".
    if (transport === undefined || (sips && transport !== 'tls')) continue;
    // §4.1: the record "will contain an empty regular expression and a replacement value,
    // which is the SRV record for that particular transport protocol"; flag "s" (RFC 3403
    // §4.1) says the next lookup is SRV. Anything else is not a SIP server record.
    const replacement = r.replacement.replace(/\.$/, '');
    if (r.flags.toLowerCase() !== 's' || r.regexp !== '' || replacement === '') continue;
    usable.push({ transport, replacement, order: r.order, preference: r.preference });
  }
  // RFC 3403 §4.1: lowest order first, and within an order the lowest preference.
  return usable.sort((a, b) => a.order - b.order || a.preference - b.preference);
}

/**
 * RFC 2782 order of an SRV set: by priority, lowest first; within a priority, repeatedly a
 * weighted random pick among the records not yet ordered ("the probability of selecting
 * each RR is proportional to its weight"; records of weight 0 only when nothing else is
 * left). Undefined when the name has no SRV records (fall back to A/AAAA, RFC 3263 §4.2).
 */
async function srvServers(srvName: string, dns: NextHopResolver): Promise<Server[] | undefined> {
  let records;
  try {
    records = await dns.srv(srvName);
  } catch {
    return undefined;
  }
  if (records.length === 0) return undefined;
  const ordered: Server[] = [];
  for (const priority of [...new Set(records.map((r) => r.priority))].sort((a, b) => a - b)) {
    const group = records.filter((r) => r.priority === priority);
    while (group.length > 0) {
      const i = weightedPick(group.map((r) => r.weight), dns);
      const [r] = group.splice(i, 1);
      ordered.push({ name: r.name, port: r.port });
    }
  }
  return ordered;
}

/** Index picked with probability weight / total, by a running sum; the first when all weigh 0. */
function weightedPick(weights: readonly number[], dns: NextHopResolver): number {
  const total = weights.reduce((n, w) => n + w, 0);
  if (total === 0) return 0;
  const pick = dns.random() * total;
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    if (pick < sum) return i;
  }
  return 0;
}
