/**
 * Replay protection for qop=auth (RFC 7616 §3.4: "The nc value is the hexadecimal count of
 * the number of requests (including the current request) that the client has sent with the
 * nonce value in this request"; §5.12: servers should check it increases). Per nonce the
 * highest accepted count is kept in a bounded LRU map; an entry goes when its nonce expires
 * (after that the nonce is stale and never accepted again, so forgetting it is safe).
 */

interface Entry {
  highest: number;
  /** Wall-clock ms after which the nonce is expired. */
  expiresAt: number;
}

/** A string with the same characters that shares no memory with `s`. */
function detachedCopy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

export class NonceCountTracker {
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly capacity: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('nonce tracker capacity must be a positive integer');
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.size;
  }

  /** True when `nc` is higher than every count accepted so far for `nonce`. */
  isFresh(nonce: string, nc: number, now: number): boolean {
    const e = this.entries.get(nonce);
    if (e === undefined || e.expiresAt < now) return nc > 0;
    return nc > e.highest;
  }

  /**
   * Records an accepted count (call only after the response was verified). The key is stored
   * as a copy: the nonce handed in is a slice of the parsed request, and a V8 sliced string
   * keeps its whole parent alive — the key of each of up to 100,000 entries held the complete
   * REGISTER it came from (~55 MiB after 80,000 registrations, seen in a heap snapshot).
   */
  accept(nonce: string, nc: number, expiresAt: number, now: number): void {
    const e = this.entries.get(nonce);
    this.entries.delete(nonce);
    this.entries.set(detachedCopy(nonce), { highest: Math.max(nc, e?.highest ?? 0), expiresAt });
    this.evict(now);
  }

  /**
   * Drops expired entries met at the old end, then the least recently used ones above the
   * bound. Bounded work per call: at most a few entries beyond the overflow.
   */
  private evict(now: number): void {
    let budget = 8;
    for (const [key, e] of this.entries) {
      const over = this.entries.size > this.capacity;
      if (!over && (budget-- <= 0 || e.expiresAt >= now)) break;
      this.entries.delete(key);
    }
  }
}
