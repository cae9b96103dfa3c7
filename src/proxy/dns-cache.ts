/**
 * A cache in front of the DNS queries of RFC 3263 next-hop resolution (NAPTR, SRV, A/AAAA),
 * so a call toward a trunk does not repeat up to five sequential queries. Each query kind is
 * cached separately, keyed by kind and lower-cased name (DNS names compare case-insensitively,
 * RFC 4343). An answer is kept for `positiveTtlMs`; a failure (NXDOMAIN, no records, timeout)
 * for `negativeTtlMs`. RFC 2308 §5: a negative answer from a name error (NXDOMAIN) or a no
 * data error (NODATA) "should be cached such that it can be retrieved and returned in
 * response to another query" for the same name; §7.1: "a resolver MAY cache a server failure
 * response. If it does so it MUST NOT cache it for longer than five (5) minutes" (keep
 * `negativeTtlMs` below that). A domain without NAPTR or SRV records is the common case: not
 * cached, its misses would cost those queries on every call.
 *
 * node:dns returns no TTL for SRV or NAPTR answers (and `lookup` none for A/AAAA), so the
 * lifetimes here are fixed, not the records' TTLs. A local caching resolver, if the host has
 * one, still applies the real TTLs below this cache.
 *
 * Identical queries in flight share one promise (a burst of calls to one trunk costs one
 * query). At most `maxEntries` answers are held, the least recently used evicted first, so
 * names from hostile Request-URIs cannot grow the cache without limit; an expired entry is
 * dropped when met. Answers are shared between callers: they must not be mutated.
 */
import type { NaptrRecord, SrvRecord } from 'node:dns';
import type { Clock } from '../lib/index.js';

/**
 * The DNS queries RFC 3263 needs; node:dns by default, fakes in tests. Declared here, below
 * next-hop.ts (which re-exports it), so the cache implements it without an import cycle.
 */
export interface NextHopResolver {
  /**
   * A/AAAA: every address of `name`, in the order the resolver gave them (rejects when there
   * is none). RFC 3263 §4.3 tries them one after the other.
   */
  addresses(name: string): Promise<readonly string[]>;
  /** SRV records of `name` (rejects when there are none). */
  srv(name: string): Promise<SrvRecord[]>;
  /** NAPTR records of `name` (rejects when there are none). */
  naptr(name: string): Promise<NaptrRecord[]>;
  /** Uniform in [0, 1): picks among SRV records of equal priority by weight. */
  random(): number;
}

export interface CachingResolverOptions {
  clock: Clock;
  /** How long an answer is kept (default 60 s). */
  positiveTtlMs?: number;
  /** How long a failure is kept (default 30 s). */
  negativeTtlMs?: number;
  /** The most answers held, in flight included (default 1024). */
  maxEntries?: number;
}

interface Entry {
  /** The query's promise: settled answers are returned as they are, rejections included. */
  answer: Promise<unknown>;
  /** Monotonic expiry; Infinity while the query is in flight. */
  expires: number;
}

export class CachingResolver implements NextHopResolver {
  private readonly clock: Clock;
  private readonly positiveTtlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  /** Insertion order is recency order: a hit is re-inserted, the first key is the LRU. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly inner: NextHopResolver,
    options: CachingResolverOptions,
  ) {
    this.clock = options.clock;
    this.positiveTtlMs = options.positiveTtlMs ?? 60_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 30_000;
    this.maxEntries = Math.max(1, options.maxEntries ?? 1024);
  }

  addresses(name: string): Promise<readonly string[]> {
    return this.cached('A', name, () => this.inner.addresses(name));
  }

  srv(name: string): Promise<SrvRecord[]> {
    return this.cached('SRV', name, () => this.inner.srv(name));
  }

  naptr(name: string): Promise<NaptrRecord[]> {
    return this.cached('NAPTR', name, () => this.inner.naptr(name));
  }

  random(): number {
    return this.inner.random();
  }

  /** Entries held, expired ones not yet met included. */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets every answer; queries in flight still settle for their callers but are not kept. */
  clear(): void {
    this.entries.clear();
  }

  private cached<T>(kind: string, name: string, query: () => Promise<T>): Promise<T> {
    const key = `${kind} ${name.toLowerCase()}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      if (hit.expires > this.clock.now()) {
        this.entries.set(key, hit); // most recently used
        return hit.answer as Promise<T>;
      }
    }
    let answer: Promise<T>;
    try {
      answer = query();
    } catch (e) {
      answer = Promise.reject(e); // a resolver that throws instead of rejecting
    }
    const entry: Entry = { answer, expires: Infinity };
    // The expiry starts when the answer arrives. An entry evicted or cleared meanwhile is
    // not touched (the map holds another one, or none). This handler also keeps a rejection
    // from being reported as unhandled when the cache holds it and nobody asks again.
    const settle = (ttl: number) => () => {
      if (this.entries.get(key) === entry) entry.expires = this.clock.now() + ttl;
    };
    answer.then(settle(this.positiveTtlMs), settle(this.negativeTtlMs));
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return answer;
  }
}
