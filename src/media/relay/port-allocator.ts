/**
 * RTP/RTCP port pairs from a range: RTP on an even port, RTCP on the next (odd) one
 * (RFC 3550 §11: "RTP SHOULD use an even destination port number and the corresponding RTCP
 * stream SHOULD use the next higher (odd) destination port number"). Pairs are picked at
 * random among the free ones (harder to guess for injection); a pair whose bind fails with
 * "address in use" (another process holds it) is skipped and tried again on later allocations.
 */
import { type Result, err, ok } from '../../lib/index.js';
import type { BindError } from './relay-socket.js';

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

export const DEFAULT_PORT_RANGE: PortRange = { min: 10000, max: 20000 };

export type AllocationError =
  | { readonly code: 'ports-exhausted'; readonly message: string }
  | { readonly code: 'bind-failed'; readonly message: string };

/** The set of free pairs (Sans-IO): O(1) random take and give-back. */
export class PortPairPool {
  private readonly free: number[] = [];
  /** Index in `free` of each pair (by (rtpPort − first) / 2), −1 when taken. */
  private readonly where: Int32Array;
  private readonly first: number;

  constructor(
    range: PortRange = DEFAULT_PORT_RANGE,
    private readonly random: () => number = Math.random,
  ) {
    this.first = range.min % 2 === 0 ? range.min : range.min + 1;
    const last = range.max % 2 === 0 ? range.max - 2 : range.max - 1; // RTCP = rtp + 1 must be ≤ max
    const count = last >= this.first ? (last - this.first) / 2 + 1 : 0;
    this.where = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      this.where[i] = i;
      this.free.push(this.first + 2 * i);
    }
  }

  get freeCount(): number {
    return this.free.length;
  }

  get size(): number {
    return this.where.length;
  }

  /** Takes a random free pair; returns its RTP port, or undefined when none is free. */
  take(): number | undefined {
    if (this.free.length === 0) return undefined;
    const i = Math.min(this.free.length - 1, Math.floor(this.random() * this.free.length));
    const port = this.free[i];
    this.removeAt(i);
    return port;
  }

  /** Returns a pair taken earlier; a pair not from this pool or already free is ignored. */
  giveBack(rtpPort: number): void {
    const k = (rtpPort - this.first) / 2;
    if (!Number.isInteger(k) || k < 0 || k >= this.where.length || this.where[k] !== -1) return;
    this.where[k] = this.free.length;
    this.free.push(rtpPort);
  }

  private removeAt(i: number): void {
    const port = this.free[i];
    const lastPort = this.free[this.free.length - 1];
    this.free[i] = lastPort;
    this.where[(lastPort - this.first) / 2] = i;
    this.free.pop();
    this.where[(port - this.first) / 2] = -1;
  }
}

/**
 * Takes pairs from `pool` and binds them with `bind` until one binds. Pairs answered with
 * "address in use" are kept aside during this call (so it does not retry them) and returned to
 * the pool at the end. Gives up with `ports-exhausted` when the pool runs dry or after
 * `maxAttempts` busy pairs; any other bind error ends the search with `bind-failed`.
 */
export async function allocatePortPair<T>(
  pool: PortPairPool,
  bind: (rtpPort: number, rtcpPort: number) => Promise<Result<T, BindError>>,
  maxAttempts = 64,
): Promise<Result<{ rtpPort: number; value: T }, AllocationError>> {
  const busy: number[] = [];
  try {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const rtp = pool.take();
      if (rtp === undefined) break;
      const r = await bind(rtp, rtp + 1);
      if (r.ok) return ok({ rtpPort: rtp, value: r.value });
      if (r.error.code === 'address-in-use') {
        busy.push(rtp);
        continue;
      }
      pool.giveBack(rtp);
      return err({ code: 'bind-failed', message: r.error.message });
    }
    return err({ code: 'ports-exhausted', message: `no free RTP/RTCP port pair (${busy.length} in use by other processes)` });
  } finally {
    for (const p of busy) pool.giveBack(p);
  }
}
