/**
 * RTP and media-session metrics, fed by the media session controller's diagnostics channel
 * (`switchboard:media`) and read at scrape time from the media source. Packet and byte
 * counters are the totals of ended sessions (from their last record) plus the live sessions'
 * counters, so they move while calls are up and never go back when one ends (an ended
 * session leaves the live list before its record is published). Jitter and MOS are observed
 * once per call and leg, at the end of the call, for audio streams that received RTP.
 *
 * Leg A is the party whose offer created the session, leg B the answerer; direction `in` is
 * RTP received from that leg's party (relayed to the other), `out` RTP sent to it.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CallMediaStats, MediaEvent } from '../media-session/index.js';
import { isAudio } from './media-views.js';
import type { MediaSource } from './sources.js';

type LegName = 'a' | 'b';
const LEGS: readonly LegName[] = ['a', 'b'];

interface LegTotals {
  packetsIn: number;
  bytesIn: number;
  packetsOut: number;
  bytesOut: number;
  lost: number;
}

const zero = (): LegTotals => ({ packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, lost: 0 });

function addCall(t: Record<LegName, LegTotals>, stats: CallMediaStats): void {
  for (const s of stats.streams) {
    for (const leg of LEGS) {
      const l = s.relay[leg];
      const x = t[leg];
      x.packetsIn += l.rtp.packetsIn;
      x.bytesIn += l.rtp.bytesIn;
      x.packetsOut += l.rtp.packetsOut;
      x.bytesOut += l.rtp.bytesOut;
      x.lost += l.packetsLost;
    }
  }
}

/** Interarrival jitter buckets, seconds (RFC 3550 §6.4.1 estimate). */
const JITTER_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5];
/** MOS buckets (1 = bad … 4.5 = the E-model's ceiling). */
const MOS_BUCKETS = [1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.3, 4.4, 4.5];

export class MediaMetrics {
  private readonly ended: Record<LegName, LegTotals> = { a: zero(), b: zero() };
  /** Sessions by Call-ID, from the events, when no source is given. */
  private readonly live = new Set<string>();
  private readonly jitter: Histogram;
  private readonly mos: Histogram;
  private readonly timeouts: Counter;
  private readonly sessionsTotal: Counter;

  constructor(registry: Registry, source?: () => MediaSource | undefined) {
    const registers = [registry];
    // One scrape collects the three counters below in the same synchronous pass; the live
    // sessions' stats are read once for all of them, and forgotten before the next scrape.
    let scraped: Record<LegName, LegTotals> | undefined;
    const totals = (): Record<LegName, LegTotals> => {
      if (scraped !== undefined) return scraped;
      const t = { a: { ...this.ended.a }, b: { ...this.ended.b } };
      for (const call of source?.()?.list() ?? []) addCall(t, call);
      scraped = t;
      queueMicrotask(() => (scraped = undefined));
      return t;
    };
    const byDirection = (name: string, help: string, inOf: (t: LegTotals) => number, outOf: (t: LegTotals) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['leg', 'direction'],
        registers,
        collect() {
          const t = totals();
          this.reset();
          for (const leg of LEGS) {
            this.inc({ leg, direction: 'in' }, inOf(t[leg]));
            this.inc({ leg, direction: 'out' }, outOf(t[leg]));
          }
        },
      });
    };
    byDirection(
      'switchboard_rtp_packets_total',
      'RTP packets relayed, by leg (a: first offerer, b: answerer) and direction (in: from that party, out: to it)',
      (t) => t.packetsIn,
      (t) => t.packetsOut,
    );
    byDirection('switchboard_rtp_bytes_total', 'RTP bytes relayed (UDP payload), by leg and direction', (t) => t.bytesIn, (t) => t.bytesOut);
    new Counter({
      name: 'switchboard_rtp_packets_lost_total',
      help: 'RTP packets lost (sequence gaps, RFC 3550 A.3) in what each leg sent',
      labelNames: ['leg'],
      registers,
      collect() {
        const t = totals();
        this.reset();
        for (const leg of LEGS) this.inc({ leg }, t[leg].lost);
      },
    });
    this.jitter = new Histogram({
      name: 'switchboard_rtp_jitter_seconds',
      help: 'Interarrival jitter at the end of each call, per leg of each audio stream that received RTP',
      buckets: JITTER_BUCKETS,
      registers,
    });
    this.mos = new Histogram({
      name: 'switchboard_rtp_mos',
      help: 'Estimated MOS (E-model) at the end of each call, per leg of each audio stream that received RTP',
      buckets: MOS_BUCKETS,
      registers,
    });
    const live = this.live;
    new Gauge({
      name: 'switchboard_media_sessions',
      help: 'Calls with media anchored on the relay',
      registers,
      collect() {
        const s = source?.();
        this.set(s !== undefined ? s.list().length : live.size);
      },
    });
    this.sessionsTotal = new Counter({ name: 'switchboard_media_sessions_total', help: 'Media sessions started (calls whose media was anchored)', registers });
    this.timeouts = new Counter({ name: 'switchboard_media_timeouts_total', help: 'Calls whose media stopped for the media timeout', registers });
  }

  event(e: MediaEvent): void {
    switch (e.kind) {
      case 'started':
        this.sessionsTotal.inc();
        if (this.live.size < 1_000_000) this.live.add(e.callId);
        return;
      case 'timeout':
        this.timeouts.inc();
        return;
      case 'ended':
        this.live.delete(e.callId);
        addCall(this.ended, e.stats);
        for (const s of e.stats.streams) {
          if (!isAudio(s)) continue;
          for (const leg of LEGS) {
            const l = s.relay[leg];
            if (l.rtp.packetsIn === 0) continue;
            this.jitter.observe(l.jitterMs / 1000);
            this.mos.observe(l.mos);
          }
        }
        return;
    }
  }
}
