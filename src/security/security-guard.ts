/**
 * The source-address side of security, asked by the transport for every packet and connection
 * (before parsing): allow-listed sources pass; banned ones are dropped; the rest go through
 * the flood limiter. Authentication failures reported by the registrar and the proxy are
 * counted here and turn into bans. Nothing is trusted unless the allow-list names it.
 */
import type { Clock, TimerHandle } from '../lib/index.js';
import type { NetAddress } from '../sip/transport/index.js';
import { BanList } from './ban-list.js';
import type { BanStore } from './ban-store.js';
import { type CidrSet, normalizeIp } from './cidr.js';
import type { SecurityEventSink, SecurityLog } from './events.js';
import { FailureCounter } from './failure-counter.js';
import { FloodLimiter } from './flood-limiter.js';

export interface SecurityGuardOptions {
  readonly store: BanStore;
  readonly clock: Clock;
  readonly report: SecurityEventSink;
  readonly log: SecurityLog;
  /** Never banned nor flood-limited (still authenticated by the registrar and proxy). */
  readonly allow: CidrSet;
  readonly bans: {
    readonly maxTries: number;
    readonly findTimeMs: number;
    readonly banTimeMs: number;
    readonly syncIntervalMs: number;
  };
  /** Per-source rate limit; undefined turns it off. */
  readonly flood?: { readonly ratePerSecond: number; readonly burst: number; readonly banAfterMs: number };
  /** A source just got banned (close its connections). */
  readonly onBanned?: (address: string) => void;
}

/** An authentication failure as the registrar or the proxy reports it. */
export interface AuthFailure {
  readonly source: { readonly host: string };
  readonly user?: string;
  readonly reason: string;
}

const SWEEP_INTERVAL_MS = 30_000;

export class SecurityGuard {
  readonly bans: BanList;
  private readonly failures: FailureCounter;
  private readonly flood: FloodLimiter | undefined;
  private sweepTimer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly o: SecurityGuardOptions) {
    this.bans = new BanList({
      store: o.store,
      clock: o.clock,
      report: o.report,
      log: o.log,
      syncIntervalMs: o.bans.syncIntervalMs,
      // The transport admits allow-listed sources before it looks at bans: a ban of one is
      // not put in force (nor are its connections closed), whoever wrote it.
      isExempt: (address) => o.allow.size > 0 && o.allow.has(address),
      ...(o.onBanned === undefined ? {} : { onBanned: o.onBanned }),
    });
    this.failures = new FailureCounter({ maxTries: o.bans.maxTries, windowMs: o.bans.findTimeMs, clock: o.clock });
    this.flood = o.flood === undefined ? undefined : new FloodLimiter({ ...o.flood, clock: o.clock });
  }

  /** The transport's admission hook: false drops the packet (or closes the connection). */
  readonly admit = (source: NetAddress): boolean => {
    const host = source.host.startsWith('::ffff:') ? normalizeIp(source.host) : source.host;
    if (this.o.allow.size > 0 && this.o.allow.has(host)) return true;
    if (this.bans.size > 0 && this.bans.isBanned(host)) return false;
    if (this.flood === undefined) return true;
    switch (this.flood.take(host)) {
      case 'ok':
        return true;
      case 'throttled':
        return false;
      case 'flood-started':
        this.o.report({ kind: 'flood', source: host, reason: `more than ${this.o.flood!.ratePerSecond} requests/s (burst ${this.o.flood!.burst})` });
        return false;
      case 'ban':
        this.o.report({ kind: 'flood', source: host, reason: `rate exceeded for ${this.o.flood!.banAfterMs / 1000} s` });
        this.bans.ban(host, this.o.bans.banTimeMs, 'flood');
        return false;
    }
  };

  /** Counts a failed authentication (wrong password, ACL breach …); bans at the threshold. */
  authFailed(f: AuthFailure): void {
    const host = normalizeIp(f.source.host);
    this.o.report({ kind: 'auth-failed', source: host, ...(f.user === undefined ? {} : { user: f.user }), reason: f.reason });
    this.countFailure(host);
  }

  /** Counts a failure toward a ban without reporting it (the caller reported its own event). */
  countFailure(host: string): void {
    const ip = normalizeIp(host);
    if (this.o.allow.has(ip)) return;
    if (this.failures.record(ip)) {
      this.bans.ban(ip, this.o.bans.banTimeMs, `${this.o.bans.maxTries} failed authentications within ${this.o.bans.findTimeMs / 1000} s`);
    }
  }

  /** Bans a source at once (a scanner); allow-listed sources are exempt. */
  banNow(host: string, reason: string): boolean {
    const ip = normalizeIp(host);
    if (this.o.allow.has(ip)) return false;
    this.bans.ban(ip, this.o.bans.banTimeMs, reason);
    return true;
  }

  async start(): Promise<void> {
    await this.bans.start();
    this.running = true;
    this.scheduleSweep();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sweepTimer?.cancel();
    await this.bans.stop();
  }

  private scheduleSweep(): void {
    if (!this.running) return;
    this.sweepTimer = this.o.clock.setTimer(SWEEP_INTERVAL_MS, () => {
      this.failures.sweep();
      this.flood?.sweep();
      this.scheduleSweep();
    });
  }
}
