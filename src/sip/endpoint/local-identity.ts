/**
 * "Is this me?" — RFC 3261 §16.4 / §10.3: a URI names this server when its host is one of the
 * served domains, or one of the listen addresses AND its port (default 5060, 5061 for sips)
 * is a port we listen on there. Host alone is never enough: on a single IP, a host-only
 * check would loop ACK/BYE for another port back into ourselves.
 */
import type { Uri } from '../message/index.js';
import type { NetAddress } from '../transport/index.js';

export class LocalIdentity {
  private readonly domains: Set<string>;
  private readonly addresses: readonly NetAddress[];

  constructor(domains: readonly string[], listeners: readonly NetAddress[]) {
    this.domains = new Set(domains.map((d) => d.toLowerCase()));
    this.addresses = listeners;
  }

  /** The served domains, lower-cased. */
  get domainNames(): readonly string[] {
    return [...this.domains];
  }

  isLocalDomain(host: string): boolean {
    return this.domains.has(stripBrackets(host).toLowerCase());
  }

  /** True when host:port is one of our listeners (any transport unless given). */
  isLocalAddress(host: string, port: number, transport?: NetAddress['transport']): boolean {
    const h = stripBrackets(host).toLowerCase();
    return this.addresses.some(
      (l) =>
        l.port === port &&
        (transport === undefined || l.transport === transport) &&
        (l.host === h || ((l.host === '0.0.0.0' || l.host === '::') && isSameFamily(l.host, h))),
    );
  }

  /** True when the URI names this server (domain, or address + port). */
  isLocalUri(uri: Uri): boolean {
    if (uri.kind !== 'sip') return false;
    if (this.isLocalDomain(uri.host)) {
      return uri.port === undefined || this.addresses.some((l) => l.port === uri.port);
    }
    const port = uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
    return this.isLocalAddress(uri.host, port);
  }
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isSameFamily(wildcard: string, host: string): boolean {
  return wildcard === '::' ? host.includes(':') : !host.includes(':');
}
