/**
 * Where bans are kept so they outlive the process and reach every node: the same store family
 * as the location service (a `bans` table in `<data_dir>/switchboard.db`, or Redis keys under
 * the configured prefix), plus a memory backend for tests. Times are wall-clock milliseconds.
 */

export interface Ban {
  /** The banned IP address (normalized: lower case, IPv4-mapped IPv6 unwrapped). */
  readonly address: string;
  /** When the ban ends; null for a ban that lasts until it is removed. */
  readonly expiresAt: number | null;
  readonly reason: string;
  readonly createdAt: number;
}

export interface BanStore {
  readonly kind: 'memory' | 'sqlite' | 'redis';
  /** Adds a ban, replacing any ban of the same address. */
  add(ban: Ban): Promise<void>;
  /** Removes the address's ban; false when there was none (or it had expired). */
  remove(address: string, now: number): Promise<boolean>;
  /** The bans in force at `now`, ordered by address. */
  list(now: number): Promise<Ban[]>;
  /** Deletes bans that ended before `now`; returns how many. */
  purgeExpired(now: number): Promise<number>;
  /**
   * A token that changes whenever the bans changed, by this store or by any other writer on
   * the same backend (the CLI, another node). Equal tokens: nothing to reload.
   */
  revision(): Promise<string>;
  close(): Promise<void>;
}

export class BanStoreError extends Error {
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`ban store (${backend}): ${message}`, options);
    this.name = 'BanStoreError';
  }
}

export function isActive(ban: Ban, now: number): boolean {
  return ban.expiresAt === null || ban.expiresAt > now;
}

export function byAddress(a: Ban, b: Ban): number {
  return a.address < b.address ? -1 : a.address > b.address ? 1 : 0;
}

/** Decodes a stored ban, or undefined for a value that is not one (skipped, never trusted). */
export function decodeBan(address: string, json: string): Ban | undefined {
  try {
    const v = JSON.parse(json) as Partial<Ban>;
    const expiresAt = v.expiresAt === null ? null : typeof v.expiresAt === 'number' ? v.expiresAt : undefined;
    if (expiresAt === undefined || typeof v.reason !== 'string' || typeof v.createdAt !== 'number') return undefined;
    return { address, expiresAt, reason: v.reason, createdAt: v.createdAt };
  } catch {
    return undefined;
  }
}

export function encodeBan(ban: Ban): string {
  return JSON.stringify({ expiresAt: ban.expiresAt, reason: ban.reason, createdAt: ban.createdAt });
}
