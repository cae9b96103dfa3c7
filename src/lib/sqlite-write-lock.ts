/**
 * Taking SQLite's write lock without sleeping on the event loop.
 *
 * better-sqlite3 is synchronous, and SQLite's busy handler waits for a lock held by another
 * connection by sleeping in the calling thread (1, 2, 5, 10 … 100 ms at a time, up to
 * `busy_timeout`). In the server that thread is the event loop: while `switchboard user
 * import` wrote 100,000 users (one transaction, 0.5 s holding the lock), every SIP message
 * waited, even OPTIONS and calls that never write. Under 1,000 REGISTER/s with three imports
 * (bench/sip-load `probe`): event-loop stalls of 661 and 737 ms, and 4.6 % of the SIPp
 * registrations failed on late, duplicated answers. With this module: longest stall 61 ms,
 * none failed (REGISTERs retransmitted while they waited: 3.2 %).
 *
 * So a writer asks for the lock with `busy_timeout = 0`: a busy database answers at once
 * (SQLITE_BUSY), and the caller tries again from a timer (`retryDelayMs`) while the event loop
 * goes on. The connection's own timeout is restored after each attempt, for the readers that
 * share it (the user directory) and for waits that may block (shutdown).
 *
 * Typed structurally (a connection with `pragma()`), so it needs no import of better-sqlite3.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits between attempts, as SQLite's own busy handler spaces them; the last one repeats. */
const RETRY_DELAYS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 50, 50, 100] as const;

/** What this module needs of a better-sqlite3 connection. */
export interface PragmaConnection {
  pragma(source: string): unknown;
}

export type LockAttempt<R> = { readonly busy: true } | { readonly busy: false; readonly value: R };

/** The outcome of waitFor(): the write's value, or how long the lock stayed taken. */
export type LockWait<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly waitedMs: number; readonly abandoned: boolean };

/** True for SQLITE_BUSY and its extended codes (…_RECOVERY, …_SNAPSHOT, …_TIMEOUT). */
export function isSqliteBusy(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** Why a write failed after waitFor() or a queue gave up on the lock (for the caller's error). */
export function lockTimeoutReason(waitedMs: number): string {
  return `the database stayed locked by another connection for ${Math.round(waitedMs)} ms (SQLITE_BUSY)`;
}

/** The wait before attempt `attempt + 1`, in ms (`attempt` counts the busy answers so far, from 0). */
export function retryDelayMs(attempt: number): number {
  return RETRY_DELAYS_MS[Math.min(Math.max(0, attempt), RETRY_DELAYS_MS.length - 1)];
}

export class SqliteWriteLock {
  /** How long a write may wait for the lock (whole ms, ≥ 0): waitFor()'s bound. */
  readonly busyTimeoutMs: number;
  private readonly restore: string;

  /**
   * Sets the connection's `busy_timeout` to `busyTimeoutMs` (default 5000), the value restored
   * after each attempt: what a blocking wait (a reader, shutdown) on this connection may take.
   */
  constructor(
    private readonly db: PragmaConnection,
    busyTimeoutMs = 5000,
  ) {
    this.busyTimeoutMs = Math.max(0, Math.trunc(busyTimeoutMs));
    this.restore = `busy_timeout = ${this.busyTimeoutMs}`;
    db.pragma(this.restore);
  }

  /**
   * Runs `write` (a `txn.immediate(…)`, or one statement in autocommit) if the write lock is
   * free now; `{ busy: true }` if another connection holds it (better-sqlite3 rolled back:
   * nothing was written). Other errors pass.
   */
  tryNow<R>(write: () => R): LockAttempt<R> {
    // SQLite applies this PRAGMA when the statement is compiled, so a prepared copy run again
    // would not set it again: db.pragma() compiles it each time (~4 µs).
    this.db.pragma('busy_timeout = 0');
    try {
      return { busy: false, value: write() };
    } catch (e) {
      if (isSqliteBusy(e)) return { busy: true };
      throw e;
    } finally {
      this.db.pragma(this.restore);
    }
  }

  /**
   * tryNow() until the lock is free, waiting on timers in between, for up to busyTimeoutMs.
   * `abandoned()` is asked after each wait (e.g. the store was closed meanwhile).
   */
  async waitFor<R>(write: () => R, abandoned: () => boolean = () => false): Promise<LockWait<R>> {
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      const result = this.tryNow(write);
      if (!result.busy) return { ok: true, value: result.value };
      const waitedMs = performance.now() - started;
      if (waitedMs >= this.busyTimeoutMs) return { ok: false, waitedMs, abandoned: false };
      await sleep(retryDelayMs(attempt));
      if (abandoned()) return { ok: false, waitedMs: performance.now() - started, abandoned: true };
    }
  }
}
