/** The table of open stream connections: by id, by remote address, and counted per source IP. */
import { addressKey, canonicalHost } from './addresses.js';
import type { NetAddress, TransportKind } from './types.js';

export interface ConnectionInfo {
  readonly id: string;
  readonly transport: TransportKind;
  /** Our side: the local IP and the listener's port. */
  readonly local: NetAddress;
  readonly remote: NetAddress;
  /** True when we opened it (TCP/TLS client side). */
  readonly outgoing: boolean;
  readonly openedAt: number;
  /** Clock time of the last byte received or sent. */
  readonly lastActivity: number;
}

export interface TableEntry<T> {
  info: ConnectionInfo;
  readonly payload: T;
}

export class ConnectionTable<T> {
  private readonly byId = new Map<string, TableEntry<T>>();
  private readonly byRemote = new Map<string, Set<string>>();
  private readonly incomingPerIp = new Map<string, number>();

  get size(): number {
    return this.byId.size;
  }

  /** Incoming connections currently open from this IP. */
  incomingFrom(host: string): number {
    return this.incomingPerIp.get(canonicalHost(host)) ?? 0;
  }

  add(info: ConnectionInfo, payload: T): TableEntry<T> {
    const entry: TableEntry<T> = { info, payload };
    this.byId.set(info.id, entry);
    const key = addressKey(info.transport, info.remote.host, info.remote.port);
    let ids = this.byRemote.get(key);
    if (ids === undefined) this.byRemote.set(key, (ids = new Set()));
    ids.add(info.id);
    if (!info.outgoing) {
      const ip = canonicalHost(info.remote.host);
      this.incomingPerIp.set(ip, (this.incomingPerIp.get(ip) ?? 0) + 1);
    }
    return entry;
  }

  /** Removes a connection; false when it was not (or no longer) in the table. */
  remove(id: string): boolean {
    const entry = this.byId.get(id);
    if (entry === undefined) return false;
    this.byId.delete(id);
    const { info } = entry;
    const key = addressKey(info.transport, info.remote.host, info.remote.port);
    const ids = this.byRemote.get(key);
    ids?.delete(id);
    if (ids?.size === 0) this.byRemote.delete(key);
    if (!info.outgoing) {
      const ip = canonicalHost(info.remote.host);
      const n = (this.incomingPerIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.incomingPerIp.delete(ip);
      else this.incomingPerIp.set(ip, n);
    }
    return true;
  }

  get(id: string): TableEntry<T> | undefined {
    return this.byId.get(id);
  }

  /** The most recently opened connection of that transport to that address. */
  findByRemote(transport: TransportKind, host: string, port: number): TableEntry<T> | undefined {
    const ids = this.byRemote.get(addressKey(transport, host, port));
    if (ids === undefined) return undefined;
    let found: TableEntry<T> | undefined;
    for (const id of ids) found = this.byId.get(id);
    return found;
  }

  touch(entry: TableEntry<T>, now: number): void {
    entry.info = { ...entry.info, lastActivity: now };
  }

  /** Connections without traffic for at least `idleMs` at time `now`. */
  idle(now: number, idleMs: number): TableEntry<T>[] {
    const out: TableEntry<T>[] = [];
    for (const e of this.byId.values()) if (now - e.info.lastActivity >= idleMs) out.push(e);
    return out;
  }

  entries(): TableEntry<T>[] {
    return [...this.byId.values()];
  }
}
