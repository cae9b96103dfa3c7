/**
 * The bans in force, held in memory for the transport's per-packet check (O(1)), written
 * through to the BanStore and kept in step with it: every `syncIntervalMs` the store's
 * revision is compared, and on a change the list is reloaded (bans added or removed by the
 * CLI or by another node). Expired bans end on the first check after their time.
 */
import type { Clock, TimerHandle } from '../lib/index.js';
import { type Ban, type BanStore, isActive } from './ban-store.js';
import type { SecurityEventSink, SecurityLog } from './events.js';

export interface BanListOptions {
  readonly store: BanStore;
  readonly clock: Clock;
  readonly report: SecurityEventSink;
  readonly log: SecurityLog;
  /** How often the store is checked for changes by others; default 1000 ms. */
  readonly syncIntervalMs?: number;
  /** A new ban (ours or learned from the store): close the host's connections. */
  readonly onBanned?: (address: string) => void;
  /**
   * Addresses that are never banned (the allow-list): the transport admits their packets
   * whatever the list says, so a ban of one (`switchboard ban add`, another node) is not put
   * in force here — it would close connections whose packets keep being let in — and a
   * warning says why it was ignored.
   */
  readonly isExempt?: (address: string) => boolean;
}

export class BanList {
  private readonly bans = new Map<string, Ban>();
  private timer: TimerHandle | undefined;
  private lastRevision: string | undefined;
  private syncing: Promise<void> | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  /** Addresses whose ban is being written: a reload that does not see them yet keeps them. */
  private readonly writing = new Map<string, number>();
  /** Stored bans of exempt addresses, warned about once (until they leave the store). */
  private ignored = new Set<string>();
  private stopped = false;

  constructor(private readonly o: BanListOptions) {}

  get store(): BanStore {
    return this.o.store;
  }

  get size(): number {
    return this.bans.size;
  }

  /** Whether `address` (normalized) is banned now. Hot path: a map lookup. */
  isBanned(address: string): boolean {
    const ban = this.bans.get(address);
    if (ban === undefined) return false;
    if (isActive(ban, this.o.clock.wallNow())) return true;
    this.bans.delete(address);
    this.o.report({ kind: 'unbanned', source: address, reason: 'ban expired' });
    return false;
  }

  /** Bans in force now, ordered by address. */
  list(): Ban[] {
    const now = this.o.clock.wallNow();
    return [...this.bans.values()].filter((b) => isActive(b, now)).sort((a, b) => (a.address < b.address ? -1 : 1));
  }

  /**
   * Bans `address` for `durationMs` (null: until removed). Takes effect at once in memory;
   * the write to the store follows (a store failure is logged, the ban stays in force here).
   * An exempt (allow-listed) address is not banned: undefined.
   */
  ban(address: string, durationMs: number | null, reason: string): Ban | undefined {
    if (this.o.isExempt?.(address) === true) {
      this.o.log.warn({ address, reason }, 'ban of an allow-listed address ignored (security.allow wins)');
      return undefined;
    }
    const now = this.o.clock.wallNow();
    const ban: Ban = { address, expiresAt: durationMs === null ? null : now + durationMs, reason, createdAt: now };
    this.bans.set(address, ban);
    this.o.report({ kind: 'banned', source: address, reason });
    this.o.onBanned?.(address);
    this.writing.set(address, (this.writing.get(address) ?? 0) + 1);
    this.track(
      this.o.store.add(ban).finally(() => {
        const n = (this.writing.get(address) ?? 1) - 1;
        if (n === 0) this.writing.delete(address);
        else this.writing.set(address, n);
      }),
    );
    return ban;
  }

  /** Lifts a ban here and in the store; false when the address was not banned. */
  async unban(address: string, reason = 'removed'): Promise<boolean> {
    const here = this.bans.delete(address);
    const stored = await this.o.store.remove(address, this.o.clock.wallNow());
    if (here || stored) this.o.report({ kind: 'unbanned', source: address, reason });
    return here || stored;
  }

  /** Loads the bans from the store and starts following it. */
  async start(): Promise<void> {
    await this.o.store.purgeExpired(this.o.clock.wallNow());
    await this.sync();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.syncing;
    await Promise.allSettled([...this.pending]);
  }

  /** Reloads the list when the store's revision changed since the last look. */
  sync(): Promise<void> {
    this.syncing ??= this.reload().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async reload(): Promise<void> {
    const revision = await this.o.store.revision();
    if (revision === this.lastRevision) return;
    const now = this.o.clock.wallNow();
    const stored = await this.o.store.list(now);
    this.lastRevision = revision;
    const seen = new Set<string>();
    const ignored = new Set<string>();
    for (const ban of stored) {
      if (this.o.isExempt?.(ban.address) === true) {
        ignored.add(ban.address);
        if (!this.ignored.has(ban.address)) this.o.log.warn({ address: ban.address, reason: ban.reason }, 'ban of an allow-listed address ignored (security.allow wins)');
        continue;
      }
      seen.add(ban.address);
      const known = this.bans.get(ban.address);
      this.bans.set(ban.address, ban);
      if (known === undefined) {
        this.o.log.info({ address: ban.address, reason: ban.reason, expiresAt: ban.expiresAt }, 'ban loaded from the store');
        this.o.onBanned?.(ban.address);
      }
    }
    this.ignored = ignored;
    for (const address of [...this.bans.keys()]) {
      if (!seen.has(address) && !this.writing.has(address)) {
        this.bans.delete(address);
        this.o.report({ kind: 'unbanned', source: address, reason: 'removed from the store' });
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimer(this.o.syncIntervalMs ?? 1000, () => {
      this.sync().then(
        () => this.schedule(),
        (err: unknown) => {
          this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot read bans from the store');
          this.schedule();
        },
      );
    });
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.then(
      () => undefined,
      (err: unknown) => this.o.log.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot write a ban to the store'),
    );
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
  }
}
