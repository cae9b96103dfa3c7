/**
 * The shared backend for several server nodes: ioredis against one Redis (see redis-keys.ts
 * for the layout). modify() reads the AOR, runs `change`, and writes with a compare-and-set
 * script; when another node wrote in between, it reads again and calls `change` again.
 * Within one store, calls on the same AOR are queued, so retries happen only across nodes.
 * Every Redis failure is a rejected promise carrying a LocationStoreError.
 */
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedSerialQueue } from '../lib/index.js';
import type { Binding, BindingChange, ListOptions, LocationStore, RegistrationEntry } from './types.js';
import { type EncodedBindings, decodeBindings, liveBindings, planChange, planPurge } from './binding-codec.js';
import { LocationStoreError, describeError } from './errors.js';
import { COMPARE_AND_SET_LUA, type RedisKeys, redisKeys } from './redis-keys.js';
import { connectRedis } from './redis-connect.js';

const BACKEND = 'redis';
/** AORs fetched per round trip by list(), count() and purgeExpired(). */
const SCAN_BATCH = 500;

export interface RedisLocationStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  readonly url: string;
  /** Prepended to every key; default `sb:`. */
  readonly keyPrefix?: string;
  /** A command without a reply after this long fails; default 2000 ms. */
  readonly commandTimeoutMs?: number;
  /**
   * The AOR key expires this long after its latest binding (default 60 s): Redis reclaims
   * bindings no node purges, while purgeExpired() normally sees and counts them first, and
   * a Redis clock a little ahead of the nodes' does not drop live bindings.
   */
  readonly expiryGraceMs?: number;
  /** Compare-and-set attempts per modify() before it gives up; default 32. */
  readonly maxAttempts?: number;
  /** Connection errors (ioredis reconnects by itself); for logging. */
  readonly onConnectionError?: (error: Error) => void;
}

type CompareAndSet = (aorKey: string, aorsKey: string, expiryKey: string, aor: string, expected: string, next: string, expireAt: number, minExpiresAt: number) => Promise<number>;

interface WritePlan<R> {
  readonly result: R;
  readonly next: EncodedBindings | undefined;
  readonly write: boolean;
}

export class RedisLocationStore implements LocationStore {
  readonly kind = BACKEND;
  private readonly keys: RedisKeys;
  private readonly graceMs: number;
  private readonly maxAttempts: number;
  private readonly compareAndSet: CompareAndSet;
  /** This store's operations on one AOR, one after the other. */
  private readonly perAor = new KeyedSerialQueue();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  /** Connects (failing with a LocationStoreError when Redis cannot be reached) and returns the store. */
  static async open(options: RedisLocationStoreOptions): Promise<RedisLocationStore> {
    const c = await connectRedis(options);
    if (!c.ok) throw new LocationStoreError(BACKEND, c.reason, { cause: c.cause });
    const client = c.client;
    return new RedisLocationStore(client, options);
  }

  private constructor(
    private readonly client: Redis,
    options: RedisLocationStoreOptions,
  ) {
    this.keys = redisKeys(options.keyPrefix ?? 'sb:');
    this.graceMs = options.expiryGraceMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 32;
    client.defineCommand('sbLocationCompareAndSet', { numberOfKeys: 3, lua: COMPARE_AND_SET_LUA });
    const command = (client as unknown as Record<string, CompareAndSet>).sbLocationCompareAndSet;
    this.compareAndSet = command.bind(client);
  }

  lookup(aor: string, now: number): Promise<Binding[]> {
    return this.track(async () => {
      const json = await this.call('lookup', () => this.client.get(this.keys.aor(aor)));
      return json === null ? [] : liveBindings(decodeBindings(BACKEND, aor, json), now);
    });
  }

  modify<T>(aor: string, now: number, change: (current: readonly Binding[]) => BindingChange<T>): Promise<T> {
    return this.track(() =>
      this.serial(aor, () =>
        this.compareAndSetLoop('modify', aor, (stored) => {
          const plan = planChange(BACKEND, aor, stored, now, change);
          return { result: plan.result, next: plan.next, write: plan.changed };
        }),
      ),
    );
  }

  purgeExpired(now: number): Promise<number> {
    return this.track(async () => {
      let removed = 0;
      // Each AOR visited leaves the expiry index with a score > now, or leaves it entirely.
      for (;;) {
        const aors = await this.call('purgeExpired', () => this.client.zrangebyscore(this.keys.expiry, '-inf', now, 'LIMIT', 0, SCAN_BATCH));
        const counts = await Promise.all(aors.map((aor) => this.serial(aor, () => this.compareAndSetLoop('purgeExpired', aor, (stored) => purgePlan(aor, stored, now)))));
        for (const n of counts) removed += n;
        if (aors.length < SCAN_BATCH || this.closed) return removed;
      }
    });
  }

  list(now: number, options: ListOptions = {}): Promise<RegistrationEntry[]> {
    return this.track(async () => {
      const limit = options.limit ?? Infinity;
      const out: RegistrationEntry[] = [];
      if (limit <= 0) return out;
      await this.scanAors('list', options.aorPrefix ?? '', options.after, (aor, bindings) => {
        const live = liveBindings(bindings, now);
        if (live.length > 0) out.push({ aor, bindings: live });
        return out.length < limit;
      });
      return out;
    });
  }

  count(now: number): Promise<{ aors: number; bindings: number }> {
    return this.track(async () => {
      let aors = 0;
      let bindings = 0;
      await this.scanAors('count', '', undefined, (_aor, all) => {
        const live = liveBindings(all, now).length;
        if (live > 0) aors++;
        bindings += live;
        return true;
      });
      return { aors, bindings };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.pending]);
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /** Read, plan, compare-and-set; again with fresh data while another node wins the race. */
  private async compareAndSetLoop<R>(op: string, aor: string, plan: (stored: string | undefined) => WritePlan<R>): Promise<R> {
    const key = this.keys.aor(aor);
    for (let attempt = 1; ; attempt++) {
      const stored = (await this.call(op, () => this.client.get(key))) ?? undefined;
      const p = plan(stored);
      if (!p.write) return p.result;
      const next = p.next;
      const expireAt = next === undefined ? 0 : Math.ceil(next.maxExpiresAt + this.graceMs);
      const minExpiresAt = next?.minExpiresAt ?? 0;
      const done = await this.call(op, () => this.compareAndSet(key, this.keys.aors, this.keys.expiry, aor, stored ?? '', next?.json ?? '', expireAt, minExpiresAt));
      if (done === 1) return p.result;
      if (attempt >= this.maxAttempts) throw new LocationStoreError(BACKEND, `${op} of ${aor}: still conflicting with other writers after ${attempt} attempts`);
      // Several nodes racing on one AOR: a short random pause lets one of them through.
      if (attempt >= 2) await sleep(Math.random() * Math.min(50, 2 ** attempt));
    }
  }

  /** Visits the AORs starting with `prefix` in byte order (with all their stored bindings) until `visit` says stop. */
  private async scanAors(op: string, prefix: string, after: string | undefined, visit: (aor: string, bindings: Binding[]) => boolean): Promise<void> {
    let min: string = prefix === '' ? '-' : `[${prefix}`;
    // ZRANGEBYLEX compares bytes, as Buffer.compare does: "(after" starts just past it.
    if (after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0) min = `(${after}`;
    // No UTF-8 string contains the byte 0xff, so "(prefix\xff" bounds every string starting with prefix.
    const max: string | Buffer = prefix === '' ? '+' : Buffer.concat([Buffer.from(`(${prefix}`), Buffer.from([0xff])]);
    for (;;) {
      const aors = await this.call(op, () => this.client.zrangebylex(this.keys.aors, min, max, 'LIMIT', 0, SCAN_BATCH));
      if (aors.length === 0) return;
      const values = await this.call(op, () => this.client.mget(aors.map((a) => this.keys.aor(a))));
      for (let i = 0; i < aors.length; i++) {
        const json = values[i];
        // null: Redis expired the key already (its index entries go at the next purge).
        if (json !== null && !visit(aors[i], decodeBindings(BACKEND, aors[i], json))) return;
      }
      if (aors.length < SCAN_BATCH) return;
      min = `(${aors[aors.length - 1]}`;
    }
  }

  /** Runs this store's operations on one AOR one after the other. */
  private serial<R>(aor: string, fn: () => Promise<R>): Promise<R> {
    return this.perAor.run(aor, fn);
  }

  /** Refuses work after close() and remembers work in flight so close() can wait for it. */
  private track<R>(fn: () => Promise<R>): Promise<R> {
    if (this.closed) return Promise.reject(new LocationStoreError(BACKEND, 'the store is closed'));
    const p = fn();
    this.pending.add(p);
    const forget = () => this.pending.delete(p);
    p.then(forget, forget);
    return p;
  }

  /** Runs one Redis command; its failure becomes a LocationStoreError. */
  private async call<R>(op: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (e) {
      throw new LocationStoreError(BACKEND, `${op} failed: ${describeError(e)}`, { cause: e });
    }
  }
}

/** Purging one AOR always writes: it moves the AOR's expiry score past `now` (or drops it). */
function purgePlan(aor: string, stored: string | undefined, now: number): WritePlan<number> {
  if (stored === undefined) return { result: 0, next: undefined, write: true };
  const { removed, next } = planPurge(BACKEND, aor, stored, now);
  return { result: removed, next, write: true };
}
