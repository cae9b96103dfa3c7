/**
 * The calls passing through the proxy: an INVITE dialog from the initial INVITE to its
 * failure or to the BYE (seen when the dialog is record-routed). Feeds `show calls`, the
 * call diagnostics channel (metrics: active calls, setup time) and the call policy's
 * `ended` (toll-fraud concurrency). Without Record-Route the BYE never passes here, so an
 * answered call is forgotten after `maxSilentMs` without in-dialog traffic.
 */
import type { Clock, TimerHandle } from '../lib/index.js';
import type { NetAddress } from '../sip/transport/index.js';
import { type CallInfo, type CallSource, type CallState, publishCall } from './call-events.js';

interface Tracked {
  info: CallInfo;
  /** Clock.now() of the INVITE and of the last in-dialog request. */
  readonly startedNow: number;
  lastSeen: number;
  answeredNow?: number;
}

export interface CallTrackerOptions {
  readonly clock: Clock;
  /** An answered call without in-dialog requests for this long is dropped (default 2 h). */
  readonly maxSilentMs?: number;
  /** Called once per call when it leaves the list. */
  readonly onEnded?: (callId: string) => void;
}

export class CallTracker implements CallSource {
  private readonly calls = new Map<string, Tracked>();
  private sweepTimer: TimerHandle | undefined;
  private readonly maxSilentMs: number;
  private readonly endListeners: ((callId: string) => void)[] = [];

  constructor(private readonly o: CallTrackerOptions) {
    this.maxSilentMs = o.maxSilentMs ?? 2 * 3600_000;
  }

  /** Also tells `listener` when a call leaves the list (after the `onEnded` option). */
  onEnd(listener: (callId: string) => void): void {
    this.endListeners.push(listener);
  }

  list(): CallInfo[] {
    return [...this.calls.values()].map((c) => c.info);
  }

  get size(): number {
    return this.calls.size;
  }

  /** An initial INVITE is being routed. A retransmission or a second fork of it is ignored. */
  started(callId: string, call: { from: string; to: string; user: string | undefined; source: NetAddress }): void {
    if (this.calls.has(callId)) return;
    const now = this.o.clock.now();
    const info: CallInfo = { callId, ...call, state: 'setup', startedAt: this.o.clock.wallNow(), answeredAt: undefined };
    this.calls.set(callId, { info, startedNow: now, lastSeen: now });
    publishCall(() => ({ kind: 'started', call: info, timestamp: info.startedAt }));
    this.scheduleSweep();
  }

  /** A response to the initial INVITE went upstream. */
  response(callId: string, status: number): void {
    const c = this.calls.get(callId);
    if (c === undefined || status === 100) return;
    const wall = this.o.clock.wallNow();
    if (status < 200) {
      if (c.info.state !== 'setup') return;
      this.setState(c, 'ringing');
      publishCall(() => ({ kind: 'ringing', call: c.info, timestamp: wall }));
    } else if (status < 300) {
      if (c.info.state === 'up') return; // another fork's 2xx
      c.answeredNow = this.o.clock.now();
      c.info = { ...c.info, state: 'up', answeredAt: wall };
      const setupMs = c.answeredNow - c.startedNow;
      publishCall(() => ({ kind: 'answered', call: c.info, timestamp: wall, setupMs }));
    } else if (c.info.state !== 'up') {
      this.calls.delete(callId);
      publishCall(() => ({ kind: 'failed', call: c.info, timestamp: wall, status }));
      this.ended(callId);
    }
  }

  /** An in-dialog request of the call passed through (keeps it alive; BYE ends it). */
  inDialog(callId: string, method: string): void {
    const c = this.calls.get(callId);
    if (c === undefined) return;
    c.lastSeen = this.o.clock.now();
    if (method === 'BYE') this.end(c, 'bye');
  }

  /** The call was ended by this server (e.g. media timeout). */
  terminated(callId: string, reason: string): void {
    const c = this.calls.get(callId);
    if (c !== undefined) this.end(c, reason);
  }

  private end(c: Tracked, reason: string): void {
    if (!this.calls.delete(c.info.callId)) return;
    const wall = this.o.clock.wallNow();
    const durationMs = c.answeredNow === undefined ? 0 : this.o.clock.now() - c.answeredNow;
    publishCall(() => ({ kind: 'ended', call: c.info, timestamp: wall, durationMs, reason }));
    this.ended(c.info.callId);
  }

  private ended(callId: string): void {
    this.o.onEnded?.(callId);
    for (const l of this.endListeners) l(callId);
  }

  private setState(c: Tracked, state: CallState): void {
    c.info = { ...c.info, state };
  }

  /** Drops answered calls silent for maxSilentMs (their BYE did not pass through us). */
  private scheduleSweep(): void {
    if (this.sweepTimer !== undefined) return;
    const interval = Math.min(60_000, this.maxSilentMs);
    this.sweepTimer = this.o.clock.setTimer(interval, () => {
      this.sweepTimer = undefined;
      const now = this.o.clock.now();
      for (const c of [...this.calls.values()]) {
        if (c.info.state === 'up' && now - c.lastSeen >= this.maxSilentMs) this.end(c, 'no in-dialog traffic');
      }
      if (this.calls.size > 0) this.scheduleSweep();
    });
  }

  stop(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
  }
}
