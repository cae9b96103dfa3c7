/**
 * NAT detection for a request, as Kamailio's nat_uac_test(19) does it: the top Via's sent-by
 * differs from the packet's source address or port (RFC 3581 — the UA does not know its
 * public address), or a Contact names a private address that is not the source. The
 * registrar marks such bindings (pinged, reached through the pinhole); the proxy gives such a
 * caller a flow token in its Record-Route.
 */
import type { SipRequest } from '../sip/message/index.js';

export function behindNat(r: SipRequest, sourceHost: string, sourcePort: number, contactHosts: readonly string[]): boolean {
  const via = r.topVia;
  const viaPort = via.port ?? (via.transport === 'TLS' ? 5061 : 5060);
  if (via.hostname !== sourceHost.toLowerCase() || viaPort !== sourcePort) return true;
  return contactHosts.some((h) => h !== sourceHost && isPrivateAddress(h));
}

/** RFC 1918, RFC 6598 (CGN), link-local and IPv6 unique-local / link-local addresses. */
export function isPrivateAddress(host: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|169\.254\.|f[cd][0-9a-f]{2}:|fe80:)/i.test(host);
}
