/**
 * When to give unused JavaScript heap back to the operating system (Sans-IO: samples in,
 * a number of collections to run out).
 *
 * V8 grows its heap during a burst (every phone re-registering after an outage, a call
 * storm) and keeps those pages committed once the burst is over: its own memory reducer
 * only starts after a garbage collection, and an idle server allocates too little to
 * trigger one. Measured with 100,000 registrations (bench/sip-load `fill`): 241 MiB of
 * heap committed for 53 MiB in use, for as long as the server stayed idle.
 *
 * The policy starts an *episode* when the server is idle (event-loop utilisation below a
 * threshold, our own collections excluded) and the heap holds at least `minSlackBytes`
 * more than it uses, or uses `minSlackBytes` more than after the last episode (the first
 * sample, before any). V8 counts garbage it has not collected yet as used, and a burst
 * often ends with most of it there: after 100,000 registrations, 112 MiB committed, 81 MiB
 * "used", 26 MiB live; 3 of 6 `fill` runs measured 180–188 MB Pss instead of ~115 while
 * only the slack started an episode.
 *
 * An episode asks for a collection on each tick until the slack is nearly gone, a round
 * gives nothing back, or `maxRounds` ticks have passed; several ticks are needed because V8
 * releases swept pages and shrinks the young generation only in later collections, once
 * it sees the allocation rate has dropped. Load coming back ends the episode at once.
 * After an episode, the next one waits until the heap has grown again by `minSlackBytes`,
 * so a heap whose slack cannot be reduced is not collected over and over.
 *
 * One late collection follows an episode once the server has stayed idle for
 * `lateRoundTicks` more ticks: V8 shrinks the young generation (32 MiB committed after a
 * burst) only when its allocation rate, averaged over the last 5 s, is low, which no
 * collection inside the episode can see yet.
 *
 * A forced collection is atomic: it stops the event loop — SIP and the in-process RTP relay
 * — for as long as it marks the live heap. Right after a call storm that heap still holds
 * every transaction lingering in its 64·T1 wait (measured at 650 calls/s: 400 MiB live,
 * 400–590 ms per collection). So there are no episodes while calls are in progress, an
 * episode starts with ONE collection that serves as a probe, and a collection that took
 * longer than `maxPauseMs` ends the episode and backs off for `backoffTicks` (doubling, up
 * to 8×, while collections stay slow) — by then the lingering state has expired and the
 * next collection is short.
 */

export interface HeapSample {
  /** Event-loop utilisation since the previous sample, 0..1, excluding our own collections. */
  readonly utilization: number;
  /** Bytes the JS heap has committed (v8 total_heap_size). */
  readonly totalBytes: number;
  /** Bytes in use by objects (v8 used_heap_size; includes garbage not yet collected). */
  readonly usedBytes: number;
  /** Calls (or media sessions) in progress: a pause would be heard, so none is started. */
  readonly activeCalls?: number;
}

export interface HeapReclaimPolicyOptions {
  /** Utilisation below which the server counts as idle; default 0.05. */
  readonly idleUtilization?: number;
  /** Committed-but-unused bytes worth an episode; default 32 MiB. */
  readonly minSlackBytes?: number;
  /** Most ticks in one episode; default 8. */
  readonly maxRounds?: number;
  /** Idle ticks after an episode before the late collection; default 28 (7 s at 250 ms). */
  readonly lateRoundTicks?: number;
  /** A collection longer than this (ms) ends the episode and backs off; default 100. */
  readonly maxPauseMs?: number;
  /** Ticks without collections after a slow one; default 160 (40 s at 250 ms, past 64·T1). */
  readonly backoffTicks?: number;
}

export const DEFAULT_IDLE_UTILIZATION = 0.05;
export const DEFAULT_MIN_SLACK_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_ROUNDS = 8;
export const DEFAULT_LATE_ROUND_TICKS = 28;
export const DEFAULT_MAX_PAUSE_MS = 100;
export const DEFAULT_BACKOFF_TICKS = 160;
/** Consecutive slow collections multiply the back-off up to this factor. */
const MAX_BACKOFF_FACTOR = 8;
/** An episode round that gave back less than this (from the third on) ends the episode. */
const STALL_BYTES = 1024 * 1024;

/** What an episode achieved, for a log line. */
export interface ReclaimEpisode {
  readonly fromBytes: number;
  readonly toBytes: number;
  readonly collections: number;
  /**
   * 'done': slack gone or rounds used up; 'load': the server got busy again; 'slow': a
   * collection took longer than maxPauseMs.
   */
  readonly end: 'done' | 'load' | 'slow';
}

export class HeapReclaimPolicy {
  private readonly idleUtilization: number;
  private readonly minSlack: number;
  private readonly maxRounds: number;
  private readonly lateRoundTicks: number;
  private readonly maxPauseMs: number;
  private readonly backoffTicks: number;
  private reclaiming = false;
  /** Ticks left without any collection after a slow one. */
  private backoff = 0;
  private backoffFactor = 1;
  private lastSample: HeapSample | undefined;
  /** Idle ticks counted toward the late collection; undefined when none is pending. */
  private lateWait: number | undefined;
  private rounds = 0;
  private fromBytes = 0;
  private lastTotal = 0;
  /** Committed size after the last finished episode: the next one needs growth above it. */
  private floorBytes = 0;
  /** Used size after the last finished episode (else the first sample's): about the live heap. */
  private usedFloorBytes: number | undefined;
  private lastEpisode: ReclaimEpisode | undefined;

  constructor(options: HeapReclaimPolicyOptions = {}) {
    this.idleUtilization = options.idleUtilization ?? DEFAULT_IDLE_UTILIZATION;
    this.minSlack = options.minSlackBytes ?? DEFAULT_MIN_SLACK_BYTES;
    this.maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
    this.lateRoundTicks = options.lateRoundTicks ?? DEFAULT_LATE_ROUND_TICKS;
    this.maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
    this.backoffTicks = options.backoffTicks ?? DEFAULT_BACKOFF_TICKS;
  }

  /** How many full collections to run now (0: none). */
  decide(sample: HeapSample): number {
    this.lastEpisode = undefined;
    this.lastSample = sample;
    this.usedFloorBytes ??= sample.usedBytes;
    const slack = sample.totalBytes - sample.usedBytes;
    const idle = sample.utilization < this.idleUtilization && (sample.activeCalls ?? 0) === 0;
    if (this.backoff > 0) {
      this.backoff--;
      return 0;
    }
    if (!this.reclaiming) {
      if (this.lateWait !== undefined) {
        if (!idle) this.lateWait = undefined;
        else if (++this.lateWait >= this.lateRoundTicks) {
          this.lateWait = undefined;
          return 1;
        }
      }
      const garbage = slack >= this.minSlack || sample.usedBytes >= this.usedFloorBytes + this.minSlack;
      if (!idle || !garbage || sample.totalBytes < this.floorBytes + this.minSlack) return 0;
      this.reclaiming = true;
      this.rounds = 1;
      this.fromBytes = sample.totalBytes;
      this.lastTotal = sample.totalBytes;
      // One at first: it frees the garbage and measures what a collection costs now.
      return 1;
    }
    if (!idle) return this.finish(sample, 'load');
    const stalled = this.rounds >= 3 && this.lastTotal - sample.totalBytes < STALL_BYTES;
    if (slack < this.minSlack / 4 || stalled || this.rounds >= this.maxRounds) return this.finish(sample, 'done');
    this.lastTotal = sample.totalBytes;
    this.rounds++;
    return 1;
  }

  /**
   * What the collections asked for by the last `decide` took (the longest one, ms). A slow
   * one ends the episode (or cancels the late collection) and backs off.
   */
  collected(longestMs: number): void {
    if (longestMs <= this.maxPauseMs) {
      this.backoffFactor = 1;
      return;
    }
    this.backoff = this.backoffTicks * this.backoffFactor;
    this.backoffFactor = Math.min(MAX_BACKOFF_FACTOR, this.backoffFactor * 2);
    this.lateWait = undefined;
    if (this.reclaiming && this.lastSample !== undefined) this.finish(this.lastSample, 'slow');
  }

  /** The episode that the last `decide` call ended, if any. */
  endedEpisode(): ReclaimEpisode | undefined {
    return this.lastEpisode;
  }

  private finish(sample: HeapSample, end: ReclaimEpisode['end']): 0 {
    this.reclaiming = false;
    // Load ending an episode leaves the floor where it was, so the next idle spell can
    // reclaim at once; a finished episode raises it to what could not be given back.
    if (end === 'done') {
      this.floorBytes = sample.totalBytes;
      this.usedFloorBytes = sample.usedBytes;
      this.lateWait = 0;
    }
    this.lastEpisode = { fromBytes: this.fromBytes, toBytes: sample.totalBytes, collections: this.rounds, end };
    return 0;
  }
}
