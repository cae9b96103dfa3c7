/**
 * The open listeners and the choice among them: which one sends to a destination, and the
 * sent-by it advertises in a Via (RFC 3261 §18.1.1).
 */
import { canonicalHost, ipFamily, isLoopback, isWildcard } from './addresses.js';
import type { DatagramEndpoint, ListenerSpec, StreamListener } from './driver.js';
import type { NetAddress, TransportKind } from './types.js';

export type OpenListener =
  | { readonly kind: 'datagram'; readonly spec: ListenerSpec; readonly local: NetAddress; readonly endpoint: DatagramEndpoint }
  | { readonly kind: 'stream'; readonly spec: ListenerSpec; readonly local: NetAddress; readonly listener: StreamListener };

export class ListenerSet {
  private readonly list: OpenListener[] = [];

  /** `interfaceAddress` names an address of this host in a family (for wildcard listeners). */
  constructor(private readonly interfaceAddress: (family: 4 | 6) => string | undefined) {}

  add(l: OpenListener): void {
    this.list.push(l);
  }

  all(): readonly OpenListener[] {
    return this.list;
  }

  clear(): OpenListener[] {
    return this.list.splice(0, this.list.length);
  }

  has(transport: TransportKind): boolean {
    return this.list.some((l) => l.spec.transport === transport);
  }

  /**
   * The listener of `transport` that reaches `host`: one bound in the same address family
   * first, else a dual-stack IPv6 wildcard for an IPv4 destination.
   */
  /** The listener bound at exactly this address (transport, host, port), if any. */
  find(address: NetAddress): OpenListener | undefined {
    const host = canonicalHost(address.host);
    return this.list.find((l) => l.local.transport === address.transport && l.local.port === address.port && canonicalHost(l.local.host) === host);
  }

  pick(transport: TransportKind, host: string): OpenListener | undefined {
    // Runs for every message sent: loops, no arrays.
    const family = ipFamily(host);
    let dualStack: OpenListener | undefined;
    for (const l of this.list) {
      if (l.spec.transport !== transport) continue;
      if (family === 0 || ipFamily(l.local.host) === family) return l;
      if (family === 4 && dualStack === undefined && canonicalHost(l.local.host) === '::') dualStack = l;
    }
    return dualStack;
  }

  /** The sent-by (host, port) `listener` advertises to `destHost` (§18.1.1). */
  sentBy(listener: OpenListener, destHost: string): NetAddress {
    const { transport, port } = listener.local;
    if (!isWildcard(listener.local.host)) return listener.local;
    const family = ipFamily(destHost) === 4 ? 4 : ipFamily(destHost) === 6 ? 6 : ipFamily(listener.local.host) === 4 ? 4 : 6;
    if (isLoopback(destHost)) return { transport, host: family === 4 ? '127.0.0.1' : '::1', port };
    return { transport, host: this.interfaceAddress(family) ?? (family === 4 ? '127.0.0.1' : '::1'), port };
  }
}
