/**
 * Where a request goes next (RFC 3261 §16.6 step 7, §18.1.1, RFC 3263): the URI of the top
 * Route, else the Request-URI; its maddr, transport parameter, scheme and port decide the
 * address. A host name without a port is looked up as SRV first (RFC 3263 §4.2:
 * `_sip._udp`, `_sip._tcp`, `_sips._tcp`), then as A/AAAA. NAPTR is not used: the transport
 * comes from the URI (RFC 3263 §4.1 allows that when the URI says it; otherwise UDP).
 */
import { lookup, resolveSrv } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Uri } from '../sip/message/index.js';
import type { Destination, TransportKind } from '../sip/transport/index.js';

export type NextHop = { ok: true; destination: Destination } | { ok: false; status: number; reason: string };

export async function resolveNextHop(uri: Uri): Promise<NextHop> {
  if (uri.kind !== 'sip') return { ok: false, status: 416, reason: 'Unsupported URI Scheme' };
  const param = uri.transport;
  let transport: TransportKind;
  if (uri.scheme === 'sips') transport = param === 'ws' || param === 'wss' ? 'wss' : 'tls';
  else if (param === 'tcp' || param === 'tls' || param === 'ws' || param === 'wss') transport = param;
  else transport = 'udp';
  const port = uri.port ?? (transport === 'tls' ? 5061 : transport === 'ws' ? 80 : transport === 'wss' ? 443 : 5060);
  const maddr = uri.param('maddr');
  const name = typeof maddr === 'string' && maddr !== '' ? maddr.replace(/^\[|\]$/g, '') : uri.hostname;
  if (isIP(name) !== 0) return { ok: true, destination: { transport, host: name, port } };
  try {
    // RFC 3263 §4.2: "If the TARGET was not a numeric IP address, but a port is present in
    // the URI, the client performs an A or AAAA record lookup"; without a port, SRV first.
    if (uri.port === undefined && (typeof maddr !== 'string' || maddr === '')) {
      const srv = await srvTarget(name, transport);
      if (srv !== undefined) {
        const a = await lookup(srv.name);
        return { ok: true, destination: { transport, host: a.address, port: srv.port } };
      }
    }
    const a = await lookup(name);
    return { ok: true, destination: { transport, host: a.address, port } };
  } catch {
    // §16.7 / RFC 3263: an unresolvable next hop is a 503 from the proxy's point of view.
    return { ok: false, status: 503, reason: 'Next Hop Unresolvable' };
  }
}

/** RFC 2782 selection: lowest priority, then weighted random among equals. */
async function srvTarget(name: string, transport: TransportKind): Promise<{ name: string; port: number } | undefined> {
  if (transport === 'ws' || transport === 'wss') return undefined;
  const service = transport === 'tls' ? '_sips._tcp' : transport === 'tcp' ? '_sip._tcp' : '_sip._udp';
  let records;
  try {
    records = await resolveSrv(`${service}.${name}`);
  } catch {
    return undefined; // no SRV: fall back to A/AAAA (RFC 3263 §4.2)
  }
  if (records.length === 0) return undefined;
  const best = Math.min(...records.map((r) => r.priority));
  const group = records.filter((r) => r.priority === best);
  const total = group.reduce((n, r) => n + r.weight, 0);
  let pick = Math.random() * total;
  for (const r of group) {
    pick -= r.weight;
    if (pick <= 0 || total === 0) return { name: r.name, port: r.port };
  }
  return { name: group[0].name, port: group[0].port };
}
