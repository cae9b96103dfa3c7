/**
 * What the controller remembers of one call: the tags of its two legs, one relay session per
 * relayed m-line (each with its own port pairs), the last offer (an answer, a retransmitted
 * answer or a forked answer is always matched against it), and hold state per leg.
 */
import type { Clock } from '../lib/index.js';
import type { RelaySession } from '../media/index.js';
import type { SessionDescription } from '../sdp/index.js';
import type { CallMediaStats, SignalledAddress, StreamMediaStats } from './types.js';

/** Leg A = the party whose offer created the call; leg B = the other party. */
export type Leg = 'a' | 'b';

export const otherLeg = (leg: Leg): Leg => (leg === 'a' ? 'b' : 'a');

/** One relayed m-line. */
export interface Stream {
  readonly index: number;
  /** The relay session's id (unique per call and m-line). */
  readonly relayId: string;
  readonly session: RelaySession;
  type: string;
  proto: string;
  rejected: boolean;
  codec: { a?: string; b?: string };
  transcoding: boolean;
  signalled: { a?: SignalledAddress; b?: SignalledAddress };
}

export interface LastOffer {
  readonly leg: Leg;
  /** The offer as its sender wrote it (planMedia and answerForOfferer need the original). */
  readonly sdp: SessionDescription;
}

export class CallState {
  readonly streams = new Map<number, Stream>();
  tagB: string | undefined;
  lastOffer: LastOffer | undefined;
  state: 'offered' | 'answered' = 'offered';
  readonly hold = { a: false, b: false };
  timeoutMs: number;
  readonly createdAt: number;
  lastSignalAt: number;

  constructor(
    readonly callId: string,
    public tagA: string,
    timeoutMs: number,
    wallNow: number,
  ) {
    this.timeoutMs = timeoutMs;
    this.createdAt = this.lastSignalAt = wallNow;
  }

  tagOf(leg: Leg): string | undefined {
    return leg === 'a' ? this.tagA : this.tagB;
  }

  /** The leg of a tag, undefined for a tag not (yet) in the call. */
  legOf(tag: string): Leg | undefined {
    if (tag === this.tagA) return 'a';
    if (tag === this.tagB) return 'b';
    return undefined;
  }

  /** Relay session id of an m-line: `<call-id>#m<index>` (unique: the suffix is digits only). */
  static relayId(callId: string, index: number): string {
    return `${callId}#m${index}`;
  }

  /** Relay session id → call-id (inverse of relayId). */
  static callIdOf(relayId: string): string | undefined {
    const m = /^(.*)#m\d+$/s.exec(relayId);
    return m === null ? undefined : m[1];
  }

  stats(clock: Clock): CallMediaStats {
    const now = clock.now();
    const wallNow = clock.wallNow();
    const streams: StreamMediaStats[] = [...this.streams.values()]
      .sort((x, y) => x.index - y.index)
      .map((s) => {
        const relay = s.session.stats();
        return {
          index: s.index,
          type: s.type,
          proto: s.proto,
          rejected: s.rejected,
          codec: { ...s.codec },
          transcoding: s.transcoding,
          signalled: { ...s.signalled },
          lastPacketAtWall: Math.round(wallNow - (now - relay.lastPacketAt)),
          relay,
        };
      });
    return {
      callId: this.callId,
      tags: this.tagB === undefined ? { a: this.tagA } : { a: this.tagA, b: this.tagB },
      state: this.state,
      createdAt: this.createdAt,
      lastSignalAt: this.lastSignalAt,
      hold: { ...this.hold },
      timeoutMs: this.timeoutMs,
      streams,
    };
  }
}
