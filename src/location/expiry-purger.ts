/**
 * Deletes expired bindings every `intervalMs` (config `location.purge_interval`). Lookups
 * already hide expired bindings (RFC 3261 §10.3: a binding is removed when its expiration
 * interval runs out); the sweep reclaims their storage. One sweep at a time: the next is
 * scheduled when the previous has finished.
 */
import type { Clock, TimerHandle } from '../lib/index.js';
import type { LocationStore } from './types.js';

export interface ExpiryPurgerOptions {
  readonly store: LocationStore;
  readonly clock: Clock;
  readonly intervalMs: number;
  /** After each sweep that removed something. */
  readonly onPurged?: (removed: number) => void;
  /** A failed sweep (the next one is still scheduled). */
  readonly onError?: (error: unknown) => void;
}

export class ExpiryPurger {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: ExpiryPurgerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Cancels the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.running;
  }

  /** One sweep now; resolves to the number of bindings removed (0 on failure, reported to onError). */
  async sweep(): Promise<number> {
    try {
      const removed = await this.options.store.purgeExpired(this.options.clock.wallNow());
      if (removed > 0) this.options.onPurged?.(removed);
      return removed;
    } catch (e) {
      this.options.onError?.(e);
      return 0;
    }
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimer(this.options.intervalMs, () => {
      this.timer = undefined;
      this.running = this.sweep().then(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule();
      });
    });
  }
}
