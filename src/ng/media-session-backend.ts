/**
 * The ng backend on Switchboard's media session controller: `offer`, `answer`, `delete`,
 * `query` and `list` map one to one onto MediaSessionControl, and the relay's per-leg counters
 * become rtpengine's per-tag stream statistics (each tag's streams count what that party sent
 * to the relay, as rtpengine's do). Calls set up through ng are deleted on media timeout, as
 * rtpengine does (the SIP proxy driving it learns of it from its own timers or `query`).
 *
 * Accepted and ignored (the controller has one behaviour for them): most flags (latching is
 * always on; `SIP-source-address`, `media-address`, `ICE`, `DTLS`, `SDES`, `rtcp-mux`, codec
 * manipulations, `replace` — origin and session connection are always rewritten), `label`,
 * `via-branch` and `delete-delay` (a delete takes effect at once).
 */
import type { CallMediaStats, MediaResult, MediaSessionControl, StreamMediaStats } from '../media-session/index.js';
import type { LegStats } from '../media/index.js';
import type {
  NgAnswerRequest,
  NgBackend,
  NgCallStats,
  NgDeleteRequest,
  NgMediaStats,
  NgOfferRequest,
  NgQueryRequest,
  NgResult,
  NgStreamStats,
  NgTagStats,
} from './ng-types.js';

export interface MediaSessionNgBackendOptions {
  readonly sessions: MediaSessionControl;
  /** Delete calls set up through ng when their media times out (default true, as rtpengine). */
  readonly deleteOnTimeout?: boolean;
}

const NOT_FOUND = "Call-ID not found or tags didn't match";

function sdpResult(r: MediaResult): NgResult<{ sdp: string }> {
  if (r.ok) return { result: 'ok', value: { sdp: r.sdp } };
  return { result: 'error', errorReason: r.warning ?? r.reason };
}

function streamsOf(s: StreamMediaStats, leg: LegStats, side: 'a' | 'b'): NgStreamStats[] {
  const rtp: NgStreamStats = {
    kind: 'rtp',
    localPort: leg.localRtpPort,
    ...(leg.peer === undefined ? {} : { endpoint: { address: leg.peer.address, port: leg.peer.port } }),
    ...(s.signalled[side] === undefined ? {} : { advertisedEndpoint: s.signalled[side] }),
    ...(leg.rtp.packetsIn === 0 ? {} : { lastPacketAt: s.lastPacketAtWall }),
    flags: leg.peer?.latched === true ? ['filled', 'confirmed'] : leg.peer === undefined ? [] : ['filled'],
    stats: { packets: leg.rtp.packetsIn, bytes: leg.rtp.bytesIn, errors: leg.dropped },
  };
  if (leg.localRtcpPort === undefined || leg.rtcp === undefined) return [rtp];
  const rtcp: NgStreamStats = {
    kind: 'rtcp',
    localPort: leg.localRtcpPort,
    stats: { packets: leg.rtcp.packetsIn, bytes: leg.rtcp.bytesIn, errors: 0 },
  };
  return [rtp, rtcp];
}

function mediasOf(c: CallMediaStats, side: 'a' | 'b'): NgMediaStats[] {
  return c.streams.map((s) => {
    const codec = s.codec[side];
    const flags = ['initialized', ...(s.transcoding ? ['transcoding'] : [])];
    return {
      index: s.index + 1,
      type: s.type,
      protocol: s.proto,
      ...(codec === undefined ? {} : { codec }),
      flags,
      streams: s.rejected ? [] : streamsOf(s, s.relay[side], side),
    };
  });
}

/** rtpengine's shape of a call's statistics: one entry per tag (monologue). */
export function ngCallStats(c: CallMediaStats): NgCallStats {
  const tags: NgTagStats[] = [
    { tag: c.tags.a, createdAt: c.createdAt, ...(c.tags.b === undefined ? {} : { inDialogueWith: c.tags.b }), medias: mediasOf(c, 'a') },
  ];
  if (c.tags.b !== undefined) tags.push({ tag: c.tags.b, createdAt: c.createdAt, inDialogueWith: c.tags.a, medias: mediasOf(c, 'b') });
  return { createdAt: c.createdAt, lastSignalAt: c.lastSignalAt, tags };
}

export class MediaSessionNgBackend implements NgBackend {
  private readonly sessions: MediaSessionControl;
  /** Calls created through ng (only those are deleted on timeout here). */
  private readonly owned = new Set<string>();

  constructor(options: MediaSessionNgBackendOptions) {
    this.sessions = options.sessions;
    if (options.deleteOnTimeout ?? true) {
      this.sessions.onTimeout((callId) => {
        if (!this.owned.delete(callId)) return;
        void this.sessions.delete(callId, 'media timeout');
      });
    }
  }

  async offer(req: NgOfferRequest): Promise<NgResult<{ sdp: string }>> {
    const source = req.receivedFrom === undefined ? undefined : { host: req.receivedFrom.address, port: 0 };
    const r = await this.sessions.offer({ callId: req.callId, fromTag: req.fromTag, sdp: req.sdp, ...(source === undefined ? {} : { source }) });
    if (r.ok) this.owned.add(req.callId);
    return sdpResult(r);
  }

  async answer(req: NgAnswerRequest): Promise<NgResult<{ sdp: string }>> {
    if (!this.sessions.has(req.callId)) return { result: 'error', errorReason: 'Unknown call-id' };
    const source = req.receivedFrom === undefined ? undefined : { host: req.receivedFrom.address, port: 0 };
    return sdpResult(await this.sessions.answer({ callId: req.callId, fromTag: req.fromTag, toTag: req.toTag, sdp: req.sdp, ...(source === undefined ? {} : { source }) }));
  }

  /** Deletes the whole call (rtpengine deletes a call when a tag of it is given without a branch). */
  async delete(req: NgDeleteRequest): Promise<NgResult<{ stats?: NgCallStats }>> {
    const stats = this.sessions.stats(req.callId);
    if (stats === undefined || !this.tagMatches(stats, req.fromTag, req.toTag)) return { result: 'error', errorReason: NOT_FOUND };
    this.owned.delete(req.callId);
    await this.sessions.delete(req.callId, 'ng delete');
    return { result: 'ok', value: { stats: ngCallStats(stats) } };
  }

  async query(req: NgQueryRequest): Promise<NgResult<NgCallStats>> {
    const stats = this.sessions.stats(req.callId);
    if (stats === undefined) return { result: 'error', errorReason: 'Unknown call-id' };
    return { result: 'ok', value: ngCallStats(stats) };
  }

  async list(limit: number): Promise<string[]> {
    return this.sessions
      .list()
      .slice(0, limit)
      .map((c) => c.callId);
  }

  private tagMatches(c: CallMediaStats, fromTag: string | undefined, toTag: string | undefined): boolean {
    const tags = [c.tags.a, c.tags.b];
    return (fromTag === undefined || fromTag === '' || tags.includes(fromTag)) && (toTag === undefined || toTag === '' || tags.includes(toTag));
  }
}
