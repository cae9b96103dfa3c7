/**
 * What every backend shares: the stored form of one AOR's bindings (a JSON array sorted by q,
 * plus the summary the indexes need) and the read-modify-write step around `change`.
 */
import type { Binding, BindingChange } from './types.js';
import { LocationStoreError } from './errors.js';

/** One AOR's bindings as stored: never empty (an empty set is a deleted AOR). */
export interface EncodedBindings {
  readonly json: string;
  readonly count: number;
  /** Earliest and latest `expiresAt`: the purge index and the key expiry. */
  readonly minExpiresAt: number;
  readonly maxExpiresAt: number;
}

/** What one modify() decided: the caller's result and the row to write (undefined: delete). */
export interface ChangePlan<T> {
  readonly result: T;
  readonly next: EncodedBindings | undefined;
  /** False when the stored value is already exactly `next`: no write needed. */
  readonly changed: boolean;
}

/** RFC 3261 §10.3: a binding is gone once its expiration interval has run out. */
export function isLive(b: Binding, now: number): boolean {
  return b.expiresAt > now;
}

export function liveBindings(bindings: readonly Binding[], now: number): Binding[] {
  return bindings.filter((b) => b.expiresAt > now);
}

/** Highest q first (RFC 3261 §16.6: targets are tried in q order); equal q keep their order. */
export function byPreference(bindings: readonly Binding[]): Binding[] {
  return [...bindings].sort((a, b) => b.q - a.q);
}

/**
 * The stored form of the bindings unexpired at `now`, highest q first; undefined when none is
 * left. A `change` returning a malformed binding is a bug in the caller: it throws TypeError.
 */
export function encodeBindings(bindings: readonly Binding[], now: number): EncodedBindings | undefined {
  const live = byPreference(liveBindings(bindings, now));
  if (live.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const b of live) {
    checkBinding(b);
    if (b.expiresAt < min) min = b.expiresAt;
    if (b.expiresAt > max) max = b.expiresAt;
  }
  return { json: JSON.stringify(live), count: live.length, minExpiresAt: min, maxExpiresAt: max };
}

function checkBinding(b: Binding): void {
  if (typeof b.contact !== 'string' || b.contact.length === 0) throw new TypeError('binding without a contact');
  if (!(b.q >= 0 && b.q <= 1)) throw new TypeError(`binding ${b.contact}: q ${b.q} is outside 0..1`);
  if (!Number.isFinite(b.expiresAt)) throw new TypeError(`binding ${b.contact}: expiresAt is not a finite number`);
}

/** Parses a stored value; a value that is not ours is a backend failure, not a crash. */
export function decodeBindings(backend: string, aor: string, json: string): Binding[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new LocationStoreError(backend, `corrupt bindings of ${aor}: not JSON`);
  }
  if (!Array.isArray(value) || !value.every(looksLikeBinding)) {
    throw new LocationStoreError(backend, `corrupt bindings of ${aor}: not an array of bindings`);
  }
  return value as Binding[];
}

function looksLikeBinding(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return typeof b.contact === 'string' && typeof b.q === 'number' && typeof b.expiresAt === 'number' && typeof b.callId === 'string' && typeof b.cseq === 'number';
}

/**
 * One read-modify-write: `stored` is the AOR's stored JSON (undefined when absent); `change`
 * sees only the bindings unexpired at `now`. Bindings already expired in the new set are not
 * written (they could never be seen again).
 */
export function planChange<T>(
  backend: string,
  aor: string,
  stored: string | undefined,
  now: number,
  change: (current: readonly Binding[]) => BindingChange<T>,
): ChangePlan<T> {
  const current = stored === undefined ? [] : liveBindings(decodeBindings(backend, aor, stored), now);
  const { bindings, result } = change(current);
  const next = encodeBindings(bindings, now);
  return { result, next, changed: next?.json !== stored };
}

/** The purge of one AOR: how many bindings expired at `now`, and what remains. */
export function planPurge(backend: string, aor: string, stored: string, now: number): { removed: number; next: EncodedBindings | undefined } {
  const all = decodeBindings(backend, aor, stored);
  const next = encodeBindings(all, now);
  return { removed: all.length - (next?.count ?? 0), next };
}
