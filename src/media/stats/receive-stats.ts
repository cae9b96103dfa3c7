/**
 * Receiver statistics of one incoming RTP stream: sequence-gap loss with wrap-around and
 * reordering (RFC 3550 Appendix A.1) and interarrival jitter (RFC 3550 §6.4.1 / A.8).
 * `update` is called per packet and allocates nothing.
 */

const RTP_SEQ_MOD = 1 << 16;
// RFC 3550 A.1 constants.
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceiveStats {
  /** SSRC of the current source (0 before the first packet). */
  ssrc = 0;
  private started = false;
  private baseSeq = 0;
  private maxSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private cycles = 0;
  private received = 0;
  // Totals of earlier SSRCs on the same leg (a new SSRC restarts the A.1 state).
  private priorExpected = 0;
  private priorReceived = 0;
  // A.8 jitter state, in RTP timestamp units of `rate`.
  private rate = 0;
  private lastArrival = 0;
  private lastTs = 0;
  private jitterUnits = 0;

  /** One received packet: its sequence number, RTP timestamp, SSRC, arrival (ms) and clock rate (Hz). */
  update(seq: number, ts: number, ssrc: number, nowMs: number, clockRate: number): void {
    if (!this.started || ssrc !== this.ssrc) {
      if (this.started) {
        this.priorExpected += this.expectedCurrent();
        this.priorReceived += this.received;
      }
      this.started = true;
      this.ssrc = ssrc;
      this.initSeq(seq);
      this.received = 1;
      this.startJitter(ts, nowMs, clockRate);
      return;
    }
    // RFC 3550 A.1 update_seq (without the probation phase: a relay counts from the first packet).
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (udelta < MAX_DROPOUT) {
      // "in order, with permissible gap"
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // "Sequence number wrapped - count another 64K cycle."
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // "the sequence number made a very large jump"
      if (seq === this.badSeq) {
        // "Two sequential packets -- assume that the other side restarted without telling us"
        this.priorExpected += this.expectedCurrent();
        this.priorReceived += this.received;
        this.initSeq(seq);
        this.received = 0;
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return;
      }
    }
    // else: "duplicate or reordered packet" — counted as received.
    this.received++;

    // RFC 3550 A.8: D(i-1,i) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16.
    if (clockRate !== this.rate) {
      this.startJitter(ts, nowMs, clockRate);
      return;
    }
    const arrival = (nowMs * clockRate) / 1000;
    const d = arrival - this.lastArrival - ((ts - this.lastTs) | 0);
    this.lastArrival = arrival;
    this.lastTs = ts;
    this.jitterUnits += ((d < 0 ? -d : d) - this.jitterUnits) / 16;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
  }

  private startJitter(ts: number, nowMs: number, clockRate: number): void {
    this.rate = clockRate;
    this.lastArrival = (nowMs * clockRate) / 1000;
    this.lastTs = ts;
  }

  private expectedCurrent(): number {
    return this.cycles + this.maxSeq - this.baseSeq + 1;
  }

  /** Packets received (duplicates included, as in A.1). */
  get packetsReceived(): number {
    return this.priorReceived + this.received;
  }

  /** Extended highest sequence number of the current source (A.1 `cycles + max_seq`). */
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** Packets expected from the sequence numbers (A.3 `expected`). */
  get packetsExpected(): number {
    return this.started ? this.priorExpected + this.expectedCurrent() : 0;
  }

  /** A.3 "lost = expected - received", floored at 0 (duplicates can make it negative). */
  get packetsLost(): number {
    return Math.max(0, this.packetsExpected - this.packetsReceived);
  }

  get lossFraction(): number {
    const e = this.packetsExpected;
    return e > 0 ? this.packetsLost / e : 0;
  }

  /** Interarrival jitter in milliseconds (A.8 estimate in timestamp units / clock rate). */
  get jitterMs(): number {
    return this.rate > 0 ? (this.jitterUnits / this.rate) * 1000 : 0;
  }

  /** Clock rate of the last packet (Hz), 0 before any. */
  get clockRate(): number {
    return this.rate;
  }
}
