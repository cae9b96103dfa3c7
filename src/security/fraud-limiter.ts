/**
 * Toll-fraud limits (OpenSIPS fraud_detection as the model), applied to every initial INVITE
 * the proxy is about to route: destination prefixes that are blocked outright or need a
 * permission the user holds (international, premium), calls per minute and concurrent calls
 * per authenticated user. A breach is refused with 403 and reported as a `fraud-limit`
 * security event. Calls from trusted networks (no authenticated user) meet only the blocked
 * prefixes.
 *
 * It has the shape of the proxy's CallPolicy (src/proxy/call-policy.ts) without importing it.
 */
import type { Clock } from '../lib/index.js';

/** What the proxy tells about a call (structurally the proxy's CallAttempt). */
export interface FraudCallAttempt {
  readonly callId: string;
  /** The authenticated user; undefined for a trusted source (then only blocked prefixes apply). */
  readonly user: string | undefined;
  readonly from: string;
  readonly dialled: string;
  readonly source: { readonly host: string };
}

export type FraudAdmission = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly reason: string };

export interface RestrictedPrefix {
  readonly prefix: string;
  readonly permission: string;
}

export interface FraudLimits {
  /** 0 = no limit. */
  readonly maxConcurrentCalls: number;
  /** 0 = no limit. */
  readonly maxCallsPerMinute: number;
  readonly blockedPrefixes: readonly string[];
  readonly restrictedPrefixes: readonly RestrictedPrefix[];
  /** Permissions by user name (e.g. alice: [international]). */
  readonly permissions: Readonly<Record<string, readonly string[]>>;
}

export interface FraudLimiterOptions extends FraudLimits {
  readonly clock: Clock;
  readonly onBreach?: (call: FraudCallAttempt, user: string, reason: string) => void;
  /** A call never reported ended is forgotten after this long; default 12 h. */
  readonly maxCallAgeMs?: number;
}

const MINUTE_MS = 60_000;

/** Digits and + of a dialled string (visual separators of RFC 3966 removed). */
export function normalizeDialled(dialled: string): string {
  return dialled.replace(/[-.()\s]/g, '');
}

export class FraudLimiter {
  /** callId → [user, admitted at]. */
  private readonly active = new Map<string, { user: string; at: number }>();
  private readonly concurrent = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();
  private readonly restricted: RestrictedPrefix[];

  constructor(private readonly o: FraudLimiterOptions) {
    // Longest prefix first: `0090` may need another permission than `00`.
    this.restricted = [...o.restrictedPrefixes].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Calls in progress for `user`. */
  concurrentCalls(user: string): number {
    return this.concurrent.get(user) ?? 0;
  }

  admit(call: FraudCallAttempt): FraudAdmission {
    const user = call.user ?? call.from;
    const now = this.o.clock.now();
    this.expireStale(now);
    if (this.active.has(call.callId)) return { ok: true };
    const number = normalizeDialled(call.dialled);
    const blocked = this.o.blockedPrefixes.find((p) => number.startsWith(p));
    if (blocked !== undefined) return this.refuse(call, user, 'Destination Not Allowed', `destination prefix ${blocked} is blocked`);
    // A call from a trusted network carries no authenticated user: the operator vouched for
    // that network (its own PBX or trunk), so only the blocked prefixes apply to it.
    if (call.user === undefined) return { ok: true };
    const needs = this.restricted.find((r) => number.startsWith(r.prefix));
    if (needs !== undefined && !(this.o.permissions[user] ?? []).includes(needs.permission)) {
      return this.refuse(call, user, 'Destination Not Allowed', `destination prefix ${needs.prefix} needs permission ${needs.permission}`);
    }
    // Both limits are checked before either is charged: a call refused for one of them was
    // never made, so it takes no calls-per-minute slot (nor a concurrent one).
    const list = this.o.maxCallsPerMinute > 0 ? (this.recent.get(user) ?? []).filter((t) => t > now - MINUTE_MS) : undefined;
    if (list !== undefined && list.length >= this.o.maxCallsPerMinute) {
      this.recent.set(user, list);
      return this.refuse(call, user, 'Call Limit Exceeded', `more than ${this.o.maxCallsPerMinute} calls per minute`);
    }
    if (this.o.maxConcurrentCalls > 0 && this.concurrentCalls(user) >= this.o.maxConcurrentCalls) {
      return this.refuse(call, user, 'Call Limit Exceeded', `more than ${this.o.maxConcurrentCalls} concurrent calls`);
    }
    if (list !== undefined) {
      list.push(now);
      this.recent.set(user, list);
    }
    this.active.set(call.callId, { user, at: now });
    this.concurrent.set(user, this.concurrentCalls(user) + 1);
    return { ok: true };
  }

  ended(callId: string): void {
    const a = this.active.get(callId);
    if (a === undefined) return;
    this.active.delete(callId);
    const n = this.concurrentCalls(a.user) - 1;
    if (n > 0) this.concurrent.set(a.user, n);
    else this.concurrent.delete(a.user);
  }

  /** The wire gets a short reason phrase; the event log the details. */
  private refuse(call: FraudCallAttempt, user: string, phrase: string, detail: string): FraudAdmission {
    this.o.onBreach?.(call, user, detail);
    return { ok: false, status: 403, reason: phrase };
  }

  /** Forgets calls whose end was never reported, and per-minute lists that emptied. */
  private expireStale(now: number): void {
    const maxAge = this.o.maxCallAgeMs ?? 12 * 3_600_000;
    // Map order is admission order: stop at the first call young enough.
    for (const [callId, a] of this.active) {
      if (now - a.at < maxAge) break;
      this.ended(callId);
    }
    if (this.recent.size > 10_000) {
      for (const [user, list] of this.recent) if (list[list.length - 1]! <= now - MINUTE_MS) this.recent.delete(user);
    }
  }
}
