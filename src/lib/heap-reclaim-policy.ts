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
 * more than it uses. An episode asks for a collection on each tick until the slack is
 * nearly gone, a round gives nothing back, or `maxRounds` ticks have passed; several ticks are needed because V8
 * releases swept pages and shrinks the young generation only in later collections, once
 * it sees the allocation rate has dropped. Load coming back ends the episode at once.
 * After an episode, the next one waits until the heap has grown again by `minSlackBytes`,
 * so a heap whose slack cannot be reduced is not collected over and over.
 *
 * One late collection follows an episode once the server has stayed idle for
 * `lateRoundTicks` more ticks: V8 shrinks the young generation (32 MiB committed after a
 * burst) only when its allocation rate, averaged over the last 5 s, is low, which no
 * collection inside the episode can see yet.
 */

export interface HeapSample {
  /** Event-loop utilisation since the previous sample, 0..1, excluding our own collections. */
  readonly utilization: number;
  /** Bytes the JS heap has committed (v8 total_heap_size). */
  readonly totalBytes: number;
  /** Bytes in use by objects (v8 used_heap_size; includes garbage not yet collected). */
  readonly usedBytes: number;
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
}

export const DEFAULT_IDLE_UTILIZATION = 0.05;
export const DEFAULT_MIN_SLACK_BYTES = 32 * 1024 * 1024;
export const DEFAULT_MAX_ROUNDS = 8;
export const DEFAULT_LATE_ROUND_TICKS = 28;
/** An episode round that gave back less than this (from the third on) ends the episode. */
const STALL_BYTES = 1024 * 1024;

/** What an episode achieved, for a log line. */
export interface ReclaimEpisode {
  readonly fromBytes: number;
  readonly toBytes: number;
  readonly collections: number;
  /** 'done': slack gone or rounds used up; 'load': the server got busy again. */
  readonly end: 'done' | 'load';
}

export class HeapReclaimPolicy {
  private readonly idleUtilization: number;
  private readonly minSlack: number;
  private readonly maxRounds: number;
  private readonly lateRoundTicks: number;
  private reclaiming = false;
  /** Idle ticks counted toward the late collection; undefined when none is pending. */
  private lateWait: number | undefined;
  private rounds = 0;
  private fromBytes = 0;
  private lastTotal = 0;
  /** Committed size after the last finished episode: the next one needs growth above it. */
  private floorBytes = 0;
  private lastEpisode: ReclaimEpisode | undefined;

  constructor(options: HeapReclaimPolicyOptions = {}) {
    this.idleUtilization = options.idleUtilization ?? DEFAULT_IDLE_UTILIZATION;
    this.minSlack = options.minSlackBytes ?? DEFAULT_MIN_SLACK_BYTES;
    this.maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
    this.lateRoundTicks = options.lateRoundTicks ?? DEFAULT_LATE_ROUND_TICKS;
  }

  /** How many full collections to run now (0: none). */
  decide(sample: HeapSample): number {
    this.lastEpisode = undefined;
    const slack = sample.totalBytes - sample.usedBytes;
    const idle = sample.utilization < this.idleUtilization;
    if (!this.reclaiming) {
      if (this.lateWait !== undefined) {
        if (!idle) this.lateWait = undefined;
        else if (++this.lateWait >= this.lateRoundTicks) {
          this.lateWait = undefined;
          return 1;
        }
      }
      if (!idle || slack < this.minSlack || sample.totalBytes < this.floorBytes + this.minSlack) return 0;
      this.reclaiming = true;
      this.rounds = 1;
      this.fromBytes = sample.totalBytes;
      this.lastTotal = sample.totalBytes;
      // Two at first: the first frees the garbage, the second finishes the sweep and
      // releases the pages the first emptied.
      return 2;
    }
    if (!idle) return this.finish(sample, 'load');
    const stalled = this.rounds >= 3 && this.lastTotal - sample.totalBytes < STALL_BYTES;
    if (slack < this.minSlack / 4 || stalled || this.rounds >= this.maxRounds) return this.finish(sample, 'done');
    this.lastTotal = sample.totalBytes;
    this.rounds++;
    return 1;
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
      this.lateWait = 0;
    }
    this.lastEpisode = { fromBytes: this.fromBytes, toBytes: sample.totalBytes, collections: this.rounds + 1, end }; // two in the first round, one in each later
    return 0;
  }
}
