/**
 * Injectable time. Protocol cores never call `setTimeout` or `Date.now()` themselves:
 * they take a `Clock`, so every timer path can be driven by `ManualClock` in tests
 * without waiting.
 */

export interface TimerHandle {
  /** Stops the timer; calling it after the timer fired or twice is harmless. */
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (not wall time); only differences are meaningful. */
  now(): number;
  /** Wall-clock milliseconds since the epoch (for Date headers, logs, expiries stored on disk). */
  wallNow(): number;
  /** Runs `fn` once after `delayMs` (clamped to ≥ 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** The real clock: `performance.now()` and `setTimeout`. */
export class SystemClock implements Clock {
  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    return new SystemTimer(setTimeout(fn, Math.max(0, delayMs)));
  }
}

/** A handle without a closure: every transaction sets several timers. */
class SystemTimer implements TimerHandle {
  constructor(private readonly timeout: ReturnType<typeof setTimeout>) {}

  cancel(): void {
    clearTimeout(this.timeout);
  }
}

export const systemClock: Clock = new SystemClock();

const noop = (): void => {};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

/**
 * A clock that moves only when told to. Timers fire in due-time order (ties in creation
 * order) during `advance()`, and a timer set by a firing timer fires in the same call if
 * it falls due within the advanced span.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly wallOffset: number;
  private seq = 0;
  private queue: ManualTimer[] = [];

  constructor(start = 0, wallStart = Date.UTC(2026, 0, 1)) {
    this.current = start;
    this.wallOffset = wallStart - start;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.current + this.wallOffset;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: ManualTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, live: true };
    // Binary insertion keeps the queue sorted by (at, seq).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const q = this.queue[mid];
      if (q.at < timer.at || (q.at === timer.at && q.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, timer);
    return {
      cancel: () => {
        timer.live = false;
        // As clearTimeout does: a cancelled timer no longer keeps its callback's state alive.
        timer.fn = noop;
      },
    };
  }

  /** Number of timers still waiting to fire. */
  pending(): number {
    return this.queue.filter((t) => t.live).length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.queue[0];
      if (next === undefined || next.at > target) break;
      this.queue.shift();
      if (!next.live) continue;
      this.current = next.at;
      next.live = false;
      next.fn();
    }
    this.current = target;
  }

  /** Advances to the next due timer and fires it (and any due at the same instant). */
  runNext(): boolean {
    const next = this.queue.find((t) => t.live);
    if (next === undefined) return false;
    this.advance(next.at - this.current);
    return true;
  }
}
