/**
 * Listener specs: `udp:127.0.0.1:5060`, `udp:[::1]:5060`, `tls:0.0.0.0:5061` (the YAML string
 * shorthand and the `--listen` flag), and the conflict rules between listeners.
 */
import { isIP } from 'node:net';
import { TRANSPORT_KINDS, type TransportKind, isTransportKind, hostPort } from '../../sip/transport/index.js';
import { type Result, ok, err } from '../../lib/index.js';

export { TRANSPORT_KINDS, isTransportKind };

/** One socket to listen on. `address` is an IP literal without brackets; port 0 = any free port. */
export interface ListenerConfig {
  readonly transport: TransportKind;
  readonly address: string;
  readonly port: number;
}

const SPEC_FORMAT = 'expected TRANSPORT:ADDRESS:PORT, e.g. udp:127.0.0.1:5060 or tcp:[::1]:5060';

/** Strips the brackets of an IPv6 reference (RFC 3261 §25.1 IPv6reference). */
export function unbracket(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/** Returns the error text for a bad bind address, or undefined when it is an IP literal. */
export function checkAddress(address: string): string | undefined {
  return isIP(unbracket(address)) === 0 ? `address "${address}" is not an IP address` : undefined;
}

export function checkPort(port: number): string | undefined {
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `port ${port} is out of range 0..65535`;
  return undefined;
}

/** Parses `transport:address:port`; an IPv6 address must be bracketed. */
export function parseListenSpec(spec: string): Result<ListenerConfig, string> {
  const bad = (why: string) => err(`invalid listen spec "${spec}": ${why}`);
  const first = spec.indexOf(':');
  const last = spec.lastIndexOf(':');
  if (first < 0 || last === first) return bad(SPEC_FORMAT);
  const transport = spec.slice(0, first).toLowerCase();
  if (!isTransportKind(transport)) return bad(`unknown transport "${spec.slice(0, first)}" (one of ${TRANSPORT_KINDS.join(', ')})`);
  const host = spec.slice(first + 1, last);
  const portText = spec.slice(last + 1);
  if (host.includes(':') && !(host.startsWith('[') && host.endsWith(']'))) {
    return bad('an IPv6 address must be in brackets, e.g. udp:[::1]:5060');
  }
  const addressProblem = checkAddress(host);
  if (addressProblem !== undefined) return bad(addressProblem);
  if (!/^[0-9]{1,5}$/.test(portText)) return bad(`port "${portText}" is not a number`);
  const port = Number(portText);
  const portProblem = checkPort(port);
  if (portProblem !== undefined) return bad(portProblem);
  return ok({ transport, address: unbracket(host), port });
}

/** The spec form of a listener (the inverse of parseListenSpec). */
export function formatListener(l: ListenerConfig): string {
  return `${l.transport}:${hostPort(l.address, l.port)}`;
}

/** UDP listeners use UDP sockets; TCP, TLS, WS and WSS all bind TCP ports. */
function socketKind(l: ListenerConfig): 'udp' | 'tcp' {
  return l.transport === 'udp' ? 'udp' : 'tcp';
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/**
 * Why listener `b` cannot be bound next to `a`, or undefined if both can. Two listeners clash
 * when they need the same UDP/TCP port on overlapping addresses: the same address, or a
 * wildcard of the same family (`::` is dual-stack in Node, so it covers IPv4 as well).
 */
export function listenerConflict(a: ListenerConfig, b: ListenerConfig): string | undefined {
  if (a.port === 0 || b.port === 0 || a.port !== b.port || socketKind(a) !== socketKind(b)) return undefined;
  if (a.transport === b.transport && a.address === b.address) return 'duplicate listener';
  const family = (x: string) => isIP(x);
  const overlap =
    a.address === b.address ||
    a.address === '::' ||
    b.address === '::' ||
    (isWildcard(a.address) && family(a.address) === family(b.address)) ||
    (isWildcard(b.address) && family(a.address) === family(b.address));
  if (!overlap) return undefined;
  return `both need ${socketKind(a).toUpperCase()} port ${a.port} on overlapping addresses`;
}
