/** IP address helpers shared by the manager and the adapters (no sockets here). */
import { isIP } from 'node:net';

/** 4, 6, or 0 when `host` is not an IP literal. Brackets around IPv6 are accepted. */
export function ipFamily(host: string): 0 | 4 | 6 {
  return isIP(stripBrackets(host)) as 0 | 4 | 6;
}

export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The canonical text of an address as seen on a socket: no brackets, IPv6 lower-case and
 * compressed, and IPv4-mapped IPv6 (from a dual-stack socket) turned back into IPv4.
 */
export function canonicalHost(host: string): string {
  const h = stripBrackets(host);
  if (isIP(h) !== 6) return h;
  let canonical: string;
  try {
    canonical = new URL(`http://[${h}]/`).hostname.slice(1, -1);
  } catch {
    return h.toLowerCase();
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(canonical);
  if (mapped !== null) return mapped[1];
  // The URL parser writes a mapped IPv4 address in hex (::ffff:7f00:1).
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (hexMapped !== null) {
    const hi = parseInt(hexMapped[1], 16);
    const lo = parseInt(hexMapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return canonical;
}

/** True for 0.0.0.0 and :: (bound to every interface). */
export function isWildcard(host: string): boolean {
  const h = canonicalHost(host);
  return h === '0.0.0.0' || h === '::';
}

export function isLoopback(host: string): boolean {
  const h = canonicalHost(host);
  return h === '::1' || /^127\./.test(h);
}

/** Key of a remote address in the connection table. */
/** An IP literal as it stands in a URI or `host:port`: IPv6 in brackets (RFC 3986 §3.2.2). */
export function bracketHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `host:port`, an IPv6 host in brackets. */
export function hostPort(host: string, port: number): string {
  return `${bracketHost(host)}:${port}`;
}

export function addressKey(transport: string, host: string, port: number): string {
  return `${transport}|${canonicalHost(host)}|${port}`;
}
