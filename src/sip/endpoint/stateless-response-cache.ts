/**
 * RFC 3261 §8.2.7: a stateless UAS "MUST ... regenerate the same response" for a
 * retransmitted request. REGISTER and OPTIONS are answered without a transaction, and their
 * processing is not idempotent everywhere (a nonce-count may be used once), so the final
 * response of each is kept for the retransmission window and sent again on a retransmission.
 * Bounded by count (oldest dropped first) and by age: this is what remains of Timer J's
 * state, at a few hundred bytes a request instead of a transaction.
 */
import type { Clock } from '../../lib/index.js';
import type { SipRequest, SipResponse } from '../message/index.js';

interface Entry {
  /** undefined while the first copy of the request is still being processed. */
  response: SipResponse | undefined;
  expires: number;
}

/** What to do with a request offered to the cache. */
export type CacheVerdict =
  | { readonly kind: 'new' }
  /** A copy is being processed now: absorb this one; its answer is on the way. */
  | { readonly kind: 'pending' }
  | { readonly kind: 'answered'; readonly response: SipResponse };

export class StatelessResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** How long a retransmission may arrive after the response (64·T1, Timer J's value). */
    private readonly windowMs: number,
    private readonly maxEntries = 50_000,
  ) {}

  /** §17.2.3 matching for a request that has no transaction: branch, sent-by and method. */
  static key(req: SipRequest): string | undefined {
    const via = req.topVia;
    const branch = via.branch;
    if (branch === undefined || !branch.startsWith('z9hG4bK')) return undefined;
    return `${branch}\u0000${via.hostname}:${via.port ?? ''}\u0000${req.method}`;
  }

  /**
   * Looks a request up. A request seen for the first time is marked as in progress, so a
   * retransmission arriving before the answer is absorbed instead of processed twice.
   */
  begin(req: SipRequest): CacheVerdict {
    const key = StatelessResponseCache.key(req);
    if (key === undefined) return { kind: 'new' };
    const now = this.clock.now();
    const e = this.entries.get(key);
    if (e !== undefined && e.expires > now) {
      return e.response === undefined ? { kind: 'pending' } : { kind: 'answered', response: e.response };
    }
    this.evict(now);
    this.entries.set(key, { response: undefined, expires: now + this.windowMs });
    return { kind: 'new' };
  }

  /** Remembers the final response sent to `req`; the first final response wins. */
  store(req: SipRequest, response: SipResponse): void {
    const key = StatelessResponseCache.key(req);
    if (key === undefined) return;
    const now = this.clock.now();
    const e = this.entries.get(key);
    if (e !== undefined && e.response !== undefined && e.expires > now) return;
    if (e === undefined) this.evict(now);
    this.entries.set(key, { response, expires: now + this.windowMs });
  }

  /** Oldest entries first in a Map: drop expired ones, and the oldest when full. */
  private evict(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.expires > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
