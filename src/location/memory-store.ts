/**
 * The in-process backend: for tests and single-node setups that may lose their bindings at
 * restart. Values are kept in their stored (JSON) form, so callers get copies and the
 * semantics match the persistent backends exactly. Stores built on one `MemoryLocationData`
 * share it, like two processes sharing a database.
 */
import type { Binding, BindingChange, ListOptions, LocationStore, RegistrationEntry } from './types.js';
import { type EncodedBindings, decodeBindings, liveBindings, planChange, planPurge } from './binding-codec.js';
import { LocationStoreError } from './errors.js';

const BACKEND = 'memory';

/** The shared table: AOR → stored bindings. */
export type MemoryLocationData = Map<string, EncodedBindings>;

export class MemoryLocationStore implements LocationStore {
  readonly kind = BACKEND;
  private readonly data: MemoryLocationData;
  private closed = false;

  constructor(options: { data?: MemoryLocationData } = {}) {
    this.data = options.data ?? new Map();
  }

  async lookup(aor: string, now: number): Promise<Binding[]> {
    this.assertOpen();
    const row = this.data.get(aor);
    return row === undefined ? [] : liveBindings(decodeBindings(BACKEND, aor, row.json), now);
  }

  async modify<T>(aor: string, now: number, change: (current: readonly Binding[]) => BindingChange<T>): Promise<T> {
    this.assertOpen();
    // Synchronous from read to write: nothing can interleave.
    const plan = planChange(BACKEND, aor, this.data.get(aor)?.json, now, change);
    if (plan.changed) {
      if (plan.next === undefined) this.data.delete(aor);
      else this.data.set(aor, plan.next);
    }
    return plan.result;
  }

  async purgeExpired(now: number): Promise<number> {
    this.assertOpen();
    let removed = 0;
    for (const [aor, row] of this.data) {
      if (row.minExpiresAt > now) continue;
      const purge = planPurge(BACKEND, aor, row.json, now);
      removed += purge.removed;
      if (purge.next === undefined) this.data.delete(aor);
      else this.data.set(aor, purge.next);
    }
    return removed;
  }

  async list(now: number, options: ListOptions = {}): Promise<RegistrationEntry[]> {
    this.assertOpen();
    const prefix = options.aorPrefix ?? '';
    const limit = options.limit ?? Infinity;
    const after = options.after;
    const aors = [...this.data.keys()].filter((a) => a.startsWith(prefix) && (after === undefined || byteOrder(a, after) > 0)).sort(byteOrder);
    const out: RegistrationEntry[] = [];
    for (const aor of aors) {
      if (out.length >= limit) break;
      const row = this.data.get(aor) as EncodedBindings;
      if (row.maxExpiresAt <= now) continue;
      out.push({ aor, bindings: liveBindings(decodeBindings(BACKEND, aor, row.json), now) });
    }
    return out;
  }

  async count(now: number): Promise<{ aors: number; bindings: number }> {
    this.assertOpen();
    let aors = 0;
    let bindings = 0;
    for (const [aor, row] of this.data) {
      if (row.maxExpiresAt <= now) continue;
      aors++;
      bindings += row.minExpiresAt > now ? row.count : liveBindings(decodeBindings(BACKEND, aor, row.json), now).length;
    }
    return { aors, bindings };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new LocationStoreError(BACKEND, 'the store is closed');
  }
}

/** The byte order of the UTF-8 encodings (SQLite's and Redis's order), not UTF-16 code units. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
