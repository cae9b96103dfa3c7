/**
 * The node adapter of `HeapReclaimPolicy`: samples event-loop utilisation and V8 heap
 * statistics on a timer and runs the full collections the policy asks for.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { type Clock, type TimerHandle, systemClock } from './clock.js';
import { HeapReclaimPolicy, type HeapReclaimPolicyOptions, type HeapSample, type ReclaimEpisode } from './heap-reclaim-policy.js';

/**
 * A function that runs a full garbage collection, or undefined when this runtime offers
 * none. Node hides V8's `gc()` unless started with `--expose-gc`; the flag can also be set
 * at run time, and then applies to contexts created afterwards, so one fresh context hands
 * the function out and the flag is cleared again (no other context sees `gc`).
 */
export function obtainFullGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return () => void exposed();
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    v8.setFlagsFromString('--no-expose-gc');
    if (typeof fn === 'function') return () => void fn();
  } catch {
    // A runtime that refuses the flag: no reclaiming, the caller says so.
  }
  return undefined;
}

export interface HeapReclaimerOptions extends HeapReclaimPolicyOptions {
  /** Sampling period in ms; default 250. */
  readonly intervalMs?: number;
  readonly clock?: Clock;
  /** Runs one full collection; default `obtainFullGc()`. */
  readonly collect?: () => void;
  /** Event-loop utilisation since the previous call (tests inject it); default perf_hooks. */
  readonly utilization?: (ownMs: number) => number;
  /** Calls and media sessions in progress (no collection is started while there are any). */
  readonly activeCalls?: () => number;
  /** Called when an episode ends. */
  readonly onEpisode?: (episode: ReclaimEpisode & { readonly collectMs: number }) => void;
}

export const DEFAULT_RECLAIM_INTERVAL_MS = 250;

/** Utilisation from perf_hooks, minus the time our own collections kept the loop busy. */
function eventLoopUtilization(): (ownMs: number) => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return (ownMs) => {
    const now = performance.eventLoopUtilization();
    const d = performance.eventLoopUtilization(now, last);
    last = now;
    const span = d.idle + d.active;
    return span > 0 ? Math.max(0, d.active - ownMs) / span : 0;
  };
}

export class HeapReclaimer {
  private readonly policy: HeapReclaimPolicy;
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly collect: (() => void) | undefined;
  private readonly utilization: (ownMs: number) => number;
  private readonly onEpisode: HeapReclaimerOptions['onEpisode'];
  private readonly activeCalls: (() => number) | undefined;
  private timer: TimerHandle | undefined;
  /** Time spent collecting since the last sample (excluded from utilisation). */
  private ownMs = 0;
  private episodeMs = 0;

  constructor(options: HeapReclaimerOptions = {}) {
    this.policy = new HeapReclaimPolicy(options);
    this.intervalMs = options.intervalMs ?? DEFAULT_RECLAIM_INTERVAL_MS;
    this.clock = options.clock ?? systemClock;
    this.collect = options.collect ?? obtainFullGc();
    this.utilization = options.utilization ?? eventLoopUtilization();
    this.onEpisode = options.onEpisode;
    this.activeCalls = options.activeCalls;
  }

  /** False when the runtime gave no way to collect: `start()` then does nothing. */
  get available(): boolean {
    return this.collect !== undefined;
  }

  start(): void {
    if (this.timer || !this.collect) return;
    const arm = (): void => {
      this.timer = this.clock.setTimer(this.intervalMs, () => {
        this.tick();
        if (this.timer) arm();
      });
    };
    arm();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One sample and whatever collections the policy asks for (the timer calls this). */
  tick(): void {
    if (!this.collect) return;
    const stats = v8.getHeapStatistics();
    const sample: HeapSample = {
      utilization: this.utilization(this.ownMs),
      totalBytes: stats.total_heap_size,
      usedBytes: stats.used_heap_size,
      activeCalls: this.activeCalls?.() ?? 0,
    };
    this.ownMs = 0;
    const n = this.policy.decide(sample);
    if (n > 0) {
      let longest = 0;
      for (let i = 0; i < n; i++) {
        const started = this.clock.now();
        this.collect();
        const took = this.clock.now() - started;
        longest = Math.max(longest, took);
        this.ownMs += took;
      }
      this.episodeMs += this.ownMs;
      this.policy.collected(longest);
    }
    const ended = this.policy.endedEpisode();
    if (ended) {
      this.onEpisode?.({ ...ended, collectMs: this.episodeMs });
      this.episodeMs = 0;
    }
  }
}
