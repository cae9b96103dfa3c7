/**
 * Where a request goes next (RFC 3261 §16.6 step 7, §18.1.1, RFC 3263 in part): the URI of the
 * top Route, else the Request-URI; its maddr, transport parameter, scheme and port decide the
 * address. Host names are resolved to an address (A/AAAA); NAPTR/SRV are not used yet.
 */
import { lookup } from 'node:dns/promises';
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
    const a = await lookup(name);
    return { ok: true, destination: { transport, host: a.address, port } };
  } catch {
    // §16.7 / RFC 3263: an unresolvable next hop is a 503 from the proxy's point of view.
    return { ok: false, status: 503, reason: 'Next Hop Unresolvable' };
  }
}
