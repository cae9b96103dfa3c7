/**
 * fail2ban's rule: `maxTries` failures from one source within `windowMs` → that source is to
 * be banned. Keeps at most `maxTries` timestamps per source, and at most `maxSources`
 * sources (the oldest entry goes first), so a spoofed-address storm cannot grow it unbounded.
 */
import type { Clock } from '../lib/index.js';

export interface FailureCounterOptions {
  readonly maxTries: number;
  readonly windowMs: number;
  readonly clock: Clock;
  /** Default 100 000. */
  readonly maxSources?: number;
}

export class FailureCounter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxSources: number;

  constructor(private readonly o: FailureCounterOptions) {
    this.maxSources = o.maxSources ?? 100_000;
  }

  get sources(): number {
    return this.failures.size;
  }

  /** Records one failure; true when this one reaches the threshold (the count then restarts). */
  record(source: string): boolean {
    const now = this.o.clock.now();
    const since = now - this.o.windowMs;
    const list = (this.failures.get(source) ?? []).filter((t) => t > since);
    list.push(now);
    if (list.length >= this.o.maxTries) {
      this.failures.delete(source);
      return true;
    }
    // Re-inserted at the end: Map order is then least-recently-failed first.
    this.failures.delete(source);
    this.failures.set(source, list);
    if (this.failures.size > this.maxSources) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
    return false;
  }

  /** Failures from `source` still inside the window. */
  count(source: string): number {
    const since = this.o.clock.now() - this.o.windowMs;
    return (this.failures.get(source) ?? []).filter((t) => t > since).length;
  }

  /** Drops sources whose failures all left the window; returns how many. */
  sweep(): number {
    const since = this.o.clock.now() - this.o.windowMs;
    let n = 0;
    for (const [source, list] of this.failures) {
      if (list[list.length - 1]! <= since) {
        this.failures.delete(source);
        n++;
      }
    }
    return n;
  }
}
