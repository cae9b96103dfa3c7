/**
 * Where responses to a received request go (RFC 3261 §18.2.2, RFC 3581 §4), and the
 * `received` / `rport` stamping of the top Via on receipt (RFC 3261 §18.2.1, RFC 3581 §4).
 * Sans-IO: a Via and the receive context in, a Destination out.
 */
import { isIPv6 } from 'node:net';
import { HeaderField, type SipRequest, Via, withParam } from '../message/index.js';
import { type Destination, type NetAddress, type ReceivedContext, type TransportKind, isReliable } from './types.js';

/** The port a sent-by without a port stands for (RFC 3261 §18.2.2, §19.1.2; RFC 7118 §5). */
export function defaultPort(kind: TransportKind): number {
  switch (kind) {
    case 'tls':
      return 5061;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 5060;
  }
}

/** IP literals compared in one canonical spelling (IPv6 zero compression, case). */
export function sameIp(a: string, b: string): boolean {
  return canonicalIp(a) === canonicalIp(b);
}

function canonicalIp(ip: string): string {
  const bare = ip.startsWith('[') ? ip.slice(1, -1) : ip;
  if (!isIPv6(bare)) return bare.toLowerCase();
  // The WHATWG URL parser prints IPv6 hosts in their canonical (RFC 5952) form.
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/**
 * RFC 3261 §18.2.2: the destination of responses to a request whose top Via is `topVia`,
 * received as described by `rx`. The transport kind is the one the request arrived on.
 */
export function responseDestination(topVia: Via, rx: ReceivedContext): Destination {
  const transport = rx.source.transport;
  const sentByPort = topVia.port ?? defaultPort(transport);
  if (isReliable(transport)) {
    // §18.2.2: "If the 'sent-protocol' is a reliable transport protocol such as TCP or SCTP,
    // or TLS over those, the response MUST be sent using the existing connection to the
    // source of the original request that created the transaction, if that connection is
    // still open. ... If that connection is no longer open, the server SHOULD open a
    // connection to the IP address in the 'received' parameter, if present, using the port
    // in the 'sent-by' value."
    const host = topVia.received ?? rx.source.host;
    const dest: Destination = { transport, host: bare(host), port: sentByPort };
    return rx.connectionId === undefined ? dest : { ...dest, connectionId: rx.connectionId };
  }
  const local = rx.local;
  const maddr = topVia.maddr;
  if (maddr !== undefined) {
    // §18.2.2: "if the Via header field value contains a 'maddr' parameter, the response
    // MUST be forwarded to the address listed there, using the port indicated in
    // 'sent-by', or port 5060 if none is present."
    return { transport, host: bare(maddr), port: sentByPort, local };
  }
  if (topVia.rport !== undefined) {
    // RFC 3581 §4: "the response MUST be sent to the IP address listed in the 'received'
    // parameter, and the port in the 'rport' parameter" — both are the packet's source.
    return { transport, host: bare(topVia.received ?? rx.source.host), port: rx.source.port, local };
  }
  // §18.2.2: "if the top Via header field value contains a 'received' parameter, the
  // response MUST be sent to the address in the 'received' parameter, using the port
  // indicated in the 'sent-by' value, or using port 5060 if none is specified explicitly."
  // Without `received` the sent-by host is the source address itself (§18.2.1 stamping).
  return { transport, host: bare(topVia.received ?? topVia.host), port: sentByPort, local };
}

/**
 * RFC 3261 §18.2.1 and RFC 3581 §4 on the top Via of a received request:
 * - "If the host portion of the 'sent-by' parameter contains a domain name, or if it
 *   contains an IP address that differs from the packet source address, the server MUST
 *   add a 'received' parameter to that Via header field value."
 * - RFC 3581: when `rport` is present without a value the server "MUST set the value of
 *   the 'rport' parameter to the source port of the request" and "MUST add a 'received'
 *   parameter containing the source IP address ... even if it is identical to the
 *   sent-by host".
 * Idempotent: stamping twice with the same source changes nothing more. Returns whether
 * the Via was changed.
 */
export function stampReceived(request: SipRequest, source: NetAddress): boolean {
  const vias = request.vias;
  const top = vias[0];
  if (top === undefined) return false;
  const via = stampedVia(top, source);
  if (via === top) return false;
  // Replace only the top value, in place; the rest of a combined Via field keeps its text.
  const at = request.headers.findIndex((f) => f.key === 'via');
  const name = request.headers[at].name;
  const wasAlone = request.removeFirstValue('via') !== undefined && request.headers[at]?.key !== 'via';
  if (wasAlone) {
    request.headers.splice(at, 0, new HeaderField(name, 'via', via.toString()));
    request.prime('via', [via, ...vias.slice(1)]);
  } else {
    request.addHeader('via', via, 'first'); // keeps the typed Via list itself
  }
  return true;
}

/** The top Via as §18.2.1 / RFC 3581 §4 want it after receipt from `source` (same object if unchanged). */
export function stampedVia(top: Via, source: NetAddress): Via {
  const rport = top.rport;
  const setRport = rport === null;
  const mustReceive = rport !== undefined || !sameIp(top.hostname, source.host);
  const setReceived = mustReceive && (top.received === undefined || !sameIp(top.received, source.host));
  if (!setRport && !setReceived) return top;
  // One new Via for both parameters: each withParam would format a whole Via.
  let params = top.params;
  if (setRport) params = withParam(params, 'rport', String(source.port));
  if (setReceived) params = withParam(params, 'received', bare(source.host));
  return new Via({ ...top.parts(), params });
}

function bare(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
