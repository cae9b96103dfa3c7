/**
 * Media statistics as the admin API shows them: a per-leg summary of each call's anchored
 * media for `GET /calls` (leg A = the party whose offer created the media session, normally
 * the caller; leg B = the answerer), and the full record for `GET /calls/:callId`.
 */
import type { CallMediaStats, StreamMediaStats } from '../media-session/index.js';
import type { CallInfo, CallSource } from '../proxy/index.js';
import type { MediaSource } from './sources.js';
import { hostPort } from '../sip/transport/index.js';

type LegName = 'a' | 'b';

/** One party's side of the call, summed over the call's relayed streams. */
export interface MediaLegView {
  readonly tag?: string;
  /** Codec of the first audio stream, e.g. `PCMU/8000`. */
  readonly codec?: string;
  /** Where the relay sends this party's media (`host:port`, latched or signalled). */
  readonly peer?: string;
  /** RTP received from this party (and relayed to the other). */
  readonly packetsIn: number;
  readonly bytesIn: number;
  /** RTP sent to this party. */
  readonly packetsOut: number;
  readonly bytesOut: number;
  /** Lost in what this party sent (sequence gaps, RFC 3550 A.3). */
  readonly packetsLost: number;
  /** packetsLost / packetsExpected, percent. */
  readonly lossPercent: number;
  /** Interarrival jitter of what this party sent, ms (the worst audio stream). */
  readonly jitterMs: number;
  /** Estimated MOS of what this party sent (the worst audio stream); null before any RTP from it. */
  readonly mos: number | null;
}

export interface CallMediaView {
  readonly state: CallMediaStats['state'];
  readonly hold: CallMediaStats['hold'];
  /** Relayed m-lines (rejected ones included). */
  readonly streams: number;
  readonly legs: { readonly a: MediaLegView; readonly b: MediaLegView };
}

/** A call of `GET /calls`: the proxy's view plus its media summary when its media is anchored. */
export type CallView = CallInfo & { readonly media?: CallMediaView };

const round2 = (n: number): number => Math.round(n * 100) / 100;

function peerText(p: { address: string; port: number } | undefined): string | undefined {
  if (p === undefined) return undefined;
  return hostPort(p.address, p.port);
}

function legView(stats: CallMediaStats, leg: LegName): MediaLegView {
  let packetsIn = 0;
  let bytesIn = 0;
  let packetsOut = 0;
  let bytesOut = 0;
  let packetsLost = 0;
  let expected = 0;
  let jitterMs = 0;
  let mos: number | null = null;
  for (const s of stats.streams) {
    const l = s.relay[leg];
    packetsIn += l.rtp.packetsIn;
    bytesIn += l.rtp.bytesIn;
    packetsOut += l.rtp.packetsOut;
    bytesOut += l.rtp.bytesOut;
    packetsLost += l.packetsLost;
    expected += l.packetsExpected;
    if (!isAudio(s)) continue;
    jitterMs = Math.max(jitterMs, l.jitterMs);
    if (l.rtp.packetsIn > 0) mos = mos === null ? l.mos : Math.min(mos, l.mos);
  }
  const audio = stats.streams.find(isAudio) ?? stats.streams[0];
  const tag = stats.tags[leg];
  const codec = audio?.codec[leg];
  const peer = peerText(audio?.relay[leg].peer);
  return {
    ...(tag === undefined ? {} : { tag }),
    ...(codec === undefined ? {} : { codec }),
    ...(peer === undefined ? {} : { peer }),
    packetsIn,
    bytesIn,
    packetsOut,
    bytesOut,
    packetsLost,
    lossPercent: expected > 0 ? round2((packetsLost / expected) * 100) : 0,
    jitterMs: round2(jitterMs),
    mos: mos === null ? null : round2(mos),
  };
}

/** Audio streams are the ones a MOS means something for. */
export function isAudio(s: StreamMediaStats): boolean {
  return s.type.toLowerCase() === 'audio';
}

export function callMediaView(stats: CallMediaStats): CallMediaView {
  return {
    state: stats.state,
    hold: { ...stats.hold },
    streams: stats.streams.length,
    legs: { a: legView(stats, 'a'), b: legView(stats, 'b') },
  };
}

/** `GET /calls`: the proxy's calls, each with its media summary when the relay anchors it. */
export function callsView(calls: CallSource | undefined, media: MediaSource | undefined): { available: boolean; calls: CallView[] } {
  if (calls === undefined) return { available: false, calls: [] };
  return {
    available: true,
    calls: calls.list().map((c) => {
      const m = media?.stats(c.callId);
      return m === undefined ? c : { ...c, media: callMediaView(m) };
    }),
  };
}

/** `GET /calls/:callId`: the call as the proxy sees it and its full media record (either may be null). */
export interface CallDetailView {
  readonly callId: string;
  readonly call: CallInfo | null;
  readonly media: CallMediaStats | null;
}

/** undefined when neither the proxy nor the relay knows the call. */
export function callDetailView(callId: string, calls: CallSource | undefined, media: MediaSource | undefined): CallDetailView | undefined {
  const call = calls?.list().find((c) => c.callId === callId);
  const m = media?.stats(callId);
  if (call === undefined && m === undefined) return undefined;
  return { callId, call: call ?? null, media: m ?? null };
}
