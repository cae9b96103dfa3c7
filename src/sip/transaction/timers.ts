/** Transaction timer values (RFC 3261 §17.1.1.1, §17.1.2.2, Table 4; RFC 6026 §8.4, §8.7). */

export interface TimerOptions {
  /** RTT estimate, default 500 ms (§17.1.1.1). */
  t1?: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2?: number;
  /** Longest time a message stays in the network, default 5 s. */
  t4?: number;
  /** Timer D on unreliable transports, default `wait` or 32 s (§17.1.1.2: "at least 32 seconds"). */
  timerD?: number;
  /**
   * How long a finished transaction stays to absorb retransmissions: Timers J (unreliable
   * transports), L and M; default 64·T1 as RFC 3261 §17.2.2 and RFC 6026 §8.4, §8.7 set
   * them. Kamailio and OpenSIPS keep finished transactions for their `wt_timer`, 5 s by
   * default: the client's next retransmission comes at most T2 (4 s) after a lost response,
   * and at high call rates these waits hold most of the server's memory (bench/sip-load).
   */
  wait?: number;
}

export interface TimerValues {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  readonly timerD: number;
  readonly wait: number;
}

export const DEFAULT_T1 = 500;
export const DEFAULT_T2 = 4000;
export const DEFAULT_T4 = 5000;
export const DEFAULT_TIMER_D = 32_000;
/** §17.2.1: the 100 (Trying) is sent unless the TU answers within 200 ms. */
export const TRYING_DELAY = 200;

export function resolveTimers(options: TimerOptions = {}): TimerValues {
  const t1 = options.t1 ?? DEFAULT_T1;
  const t2 = options.t2 ?? DEFAULT_T2;
  const t4 = options.t4 ?? DEFAULT_T4;
  const wait = options.wait ?? 64 * t1;
  const timerD = options.timerD ?? (options.wait === undefined ? DEFAULT_TIMER_D : wait);
  for (const [name, v] of [['t1', t1], ['t2', t2], ['t4', t4], ['wait', wait], ['timerD', timerD]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`transaction timer ${name} must be a positive number, got ${v}`);
  }
  return { t1, t2, t4, timerD, wait };
}

/** Timers B, F and H: 64·T1 (J, L and M are `wait`, 64·T1 unless configured). */
export function timeout64(t: TimerValues): number {
  return 64 * t.t1;
}
