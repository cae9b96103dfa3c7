/**
 * Kamailio's pike, as a token bucket per source address: `ratePerSecond` requests per second
 * on average with bursts of up to `burst`. A packet beyond that is throttled (dropped); a
 * source that keeps exceeding the rate for `banAfterMs` (no pause of a full second in its
 * excess) is to be banned. Idle buckets are swept; at most `maxSources` are kept.
 */
import type { Clock } from '../lib/index.js';

export interface FloodLimiterOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
  /** Sustained excess for this long → 'ban'. */
  readonly banAfterMs: number;
  readonly clock: Clock;
  /** Default 100 000. */
  readonly maxSources?: number;
}

/** ok: pass; throttled: drop; flood-started: drop, the first of an excess episode; ban: drop and ban. */
export type FloodVerdict = 'ok' | 'throttled' | 'flood-started' | 'ban';

interface Bucket {
  tokens: number;
  updatedAt: number;
  /** Start of the current excess episode, or -1. */
  excessSince: number;
  lastExcessAt: number;
}

/** An excess episode ends after this long without a throttled packet. */
const EPISODE_GAP_MS = 1000;

export class FloodLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxSources: number;

  constructor(private readonly o: FloodLimiterOptions) {
    this.maxSources = o.maxSources ?? 100_000;
  }

  get sources(): number {
    return this.buckets.size;
  }

  /** Takes one token for a packet from `source`. */
  take(source: string): FloodVerdict {
    const now = this.o.clock.now();
    let b = this.buckets.get(source);
    if (b === undefined) {
      if (this.buckets.size >= this.maxSources) this.sweep();
      if (this.buckets.size >= this.maxSources) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.o.burst, updatedAt: now, excessSince: -1, lastExcessAt: -1 };
      this.buckets.set(source, b);
    } else {
      b.tokens = Math.min(this.o.burst, b.tokens + ((now - b.updatedAt) * this.o.ratePerSecond) / 1000);
      b.updatedAt = now;
    }
    if (b.excessSince >= 0 && now - b.lastExcessAt >= EPISODE_GAP_MS) b.excessSince = -1;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 'ok';
    }
    b.lastExcessAt = now;
    const started = b.excessSince < 0;
    if (started) b.excessSince = now;
    if (now - b.excessSince >= this.o.banAfterMs) {
      this.buckets.delete(source);
      return 'ban';
    }
    return started ? 'flood-started' : 'throttled';
  }

  /** Drops buckets that have refilled completely and are in no excess episode. */
  sweep(): number {
    const now = this.o.clock.now();
    let n = 0;
    for (const [source, b] of this.buckets) {
      const tokens = b.tokens + ((now - b.updatedAt) * this.o.ratePerSecond) / 1000;
      if (tokens >= this.o.burst && (b.excessSince < 0 || now - b.lastExcessAt >= EPISODE_GAP_MS)) {
        this.buckets.delete(source);
        n++;
      }
    }
    return n;
  }
}
