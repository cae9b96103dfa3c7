/**
 * The global overload guard: while the server is saturated — the event loop lags more than
 * `maxDelayMs`, or more than `maxInFlight` requests are still being processed here (a request
 * forwarded and ringing downstream is not load on this server) — new
 * initial requests are answered 503 with Retry-After (RFC 3261 §21.5.4) so calls already in
 * progress keep working. In-dialog requests (To tag), ACK, CANCEL and BYE always pass.
 * The state is sampled every `sampleMs` (hysteresis: it clears below half the limits).
 */
import type { Clock, TimerHandle } from '../lib/index.js';
import type { EndpointModule, IncomingRequest } from '../sip/endpoint/index.js';

export interface OverloadDetectorOptions {
  readonly clock: Clock;
  readonly sampleMs: number;
  /** 0 disables the event-loop criterion. */
  readonly maxDelayMs: number;
  /** 0 disables the in-flight criterion. */
  readonly maxInFlight: number;
  /** The event-loop delay over the last sample period, ms (the reader resets its window). */
  readonly readDelayMs: () => number;
  /** Requests still being processed here (Endpoint.inProcess). */
  readonly inFlight: () => number;
  readonly onChange?: (overloaded: boolean, reason: string) => void;
}

export class OverloadDetector {
  private state = false;
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly o: OverloadDetectorOptions) {}

  get overloaded(): boolean {
    return this.state;
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
  }

  /** One sample: updates the state from the current readings. */
  sample(): void {
    const delay = this.o.readDelayMs();
    const inFlight = this.o.inFlight();
    const overDelay = this.o.maxDelayMs > 0 && delay > (this.state ? this.o.maxDelayMs / 2 : this.o.maxDelayMs);
    const overQueue = this.o.maxInFlight > 0 && inFlight > (this.state ? this.o.maxInFlight / 2 : this.o.maxInFlight);
    const next = overDelay || overQueue;
    if (next === this.state) return;
    this.state = next;
    const reason = `event-loop delay ${Math.round(delay)} ms (limit ${this.o.maxDelayMs}), ${inFlight} requests in flight (limit ${this.o.maxInFlight})`;
    this.o.onChange?.(next, reason);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.o.clock.setTimer(this.o.sampleMs, () => {
      this.sample();
      this.schedule();
    });
  }
}

const ALWAYS_PASS = new Set(['ACK', 'CANCEL', 'BYE']);

export function createOverloadModule(o: { readonly isOverloaded: () => boolean; readonly retryAfterS: number }): EndpointModule {
  return {
    name: 'security-overload',
    priority: 'security',
    onRequest(req: IncomingRequest): boolean {
      const r = req.request;
      if (ALWAYS_PASS.has(r.method) || r.to.tag !== undefined || !o.isOverloaded()) return false;
      req.respond(503, { reason: 'Overloaded', headers: [['Retry-After', String(o.retryAfterS)]] });
      return true;
    },
  };
}
