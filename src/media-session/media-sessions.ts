/**
 * The media session controller: joins SDP offer/answer (src/sdp) and the RTP relay (src/media)
 * in rtpengine's model. Calls are keyed by call-id and their two legs by SIP tag; the first
 * offer of a call creates leg A (its sender) and leg B (the answerer). Every RTP m-line gets
 * its own relay session (a port pair per leg); other m-lines are disabled with port 0 in what
 * is forwarded, since the relay forwards only RTP.
 *
 * Offers and answers of one call are handled one at a time, in arrival order.
 */
import { isIP } from 'node:net';
import { type Clock, KeyedSerialQueue } from '../lib/index.js';
import { DEFAULT_MEDIA_TIMEOUT_MS, type CodecMapping, type MediaRelay, type RemoteAddress } from '../media/index.js';
import {
  type CodecPolicy,
  type MediaEndpoint,
  type RelayEndpoint,
  type SessionDescription,
  answerForOfferer,
  connectionOf,
  filterOffer,
  isHold,
  isNullConnection,
  isRtpProto,
  normalizeCodecName,
  parseSdp,
  planMedia,
  rewriteForRelay,
  rtcpOf,
  serializeSdp,
} from '../sdp/index.js';
import { CallState, type Leg, type Stream, otherLeg } from './call-state.js';
import { publishMedia } from './media-events.js';
import { codecLabel, mappingsFor } from './payload-plan.js';
import type { CallMediaStats, MediaAnswerRequest, MediaOfferRequest, MediaResult, MediaSessionControl, MediaSessionLog } from './types.js';

export interface MediaSessionsOptions {
  readonly relay: MediaRelay;
  readonly clock: Clock;
  /** Allowed voice codecs in preference order, e.g. ['g722', 'pcmu', 'pcma'] (aliases accepted). */
  readonly codecs: string[];
  /** Offer codecs the relay can convert to (e.g. PCMU for a PCMA-only caller) and convert. */
  readonly transcode: boolean;
  /** Address written into the SDP (the relay's, or its public 1:1 NAT address). */
  readonly advertisedAddress: string;
  /** Media timeout while a leg holds the call; default 1 h. */
  readonly holdTimeoutMs?: number;
  /** Media timeout otherwise; default 60 s (DEFAULT_MEDIA_TIMEOUT_MS). */
  readonly mediaTimeoutMs?: number;
  readonly log?: MediaSessionLog;
}

export const DEFAULT_HOLD_TIMEOUT_MS = 3_600_000;

const INCOMPATIBLE = 'Incompatible media format';

type Failure = Extract<MediaResult, { ok: false }>;

const fail = (status: Failure['status'], reason: string, warning?: string): Failure =>
  warning === undefined ? { ok: false, status, reason } : { ok: false, status, reason, warning };

const isAudioRtp = (sd: SessionDescription, i: number): boolean => {
  const md = sd.media[i];
  return md.port !== 0 && md.type.toLowerCase() === 'audio' && isRtpProto(md.proto);
};

export class MediaSessions implements MediaSessionControl {
  private readonly calls = new Map<string, CallState>();
  /** Offers, answers and deletes of one call, one after the other. */
  private readonly perCall = new KeyedSerialQueue();
  private readonly timeoutHandlers: ((callId: string, reason: string) => void)[] = [];
  private readonly relay: MediaRelay;
  private readonly clock: Clock;
  private readonly policy: CodecPolicy;
  private readonly allowed: string[];
  private readonly transcodable: string[][];
  private readonly address: string;
  private readonly holdTimeoutMs: number;
  private readonly mediaTimeoutMs: number;
  private readonly log: MediaSessionLog | undefined;

  constructor(o: MediaSessionsOptions) {
    this.relay = o.relay;
    this.clock = o.clock;
    this.allowed = o.codecs.map(normalizeCodecName);
    // Every codec the relay's registry knows converts to every other (directly or via PCM).
    this.transcodable = o.transcode ? [o.relay.codecs.names().map(normalizeCodecName)] : [];
    this.policy = { codecs: this.allowed, transcodable: this.transcodable, otherMedia: 'keep' };
    this.address = o.advertisedAddress;
    this.holdTimeoutMs = o.holdTimeoutMs ?? DEFAULT_HOLD_TIMEOUT_MS;
    this.mediaTimeoutMs = o.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
    this.log = o.log;
    // This controller owns the relay's timeout handler (MediaRelay keeps one).
    this.relay.onTimeout((relayId, reason) => this.relayTimedOut(relayId, reason));
  }

  offer(req: MediaOfferRequest): Promise<MediaResult> {
    return this.serial(req.callId, () => this.doOffer(req));
  }

  answer(req: MediaAnswerRequest): Promise<MediaResult> {
    return this.serial(req.callId, () => this.doAnswer(req));
  }

  delete(callId: string, reason: string): Promise<boolean> {
    return this.serial(callId, async () => {
      const call = this.calls.get(callId);
      if (call === undefined) return false;
      this.calls.delete(callId);
      // The last record is taken (only when someone listens) before the ports and their counters go.
      publishMedia(() => {
        const wallNow = this.clock.wallNow();
        return { kind: 'ended', callId, reason, durationMs: Math.max(0, wallNow - call.createdAt), stats: call.stats(this.clock), timestamp: wallNow };
      });
      await Promise.all([...call.streams.values()].map((s) => this.relay.release(s.relayId)));
      this.log?.info({ callId, reason, streams: call.streams.size }, 'media released');
      return true;
    });
  }

  /** Releases every call (server stop); returns how many there were. */
  async deleteAll(reason: string): Promise<number> {
    const ids = [...this.calls.keys()];
    const done = await Promise.all(ids.map((id) => this.delete(id, reason)));
    return done.filter(Boolean).length;
  }

  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  get size(): number {
    return this.calls.size;
  }

  onTimeout(handler: (callId: string, reason: string) => void): void {
    this.timeoutHandlers.push(handler);
  }

  stats(callId: string): CallMediaStats | undefined {
    return this.calls.get(callId)?.stats(this.clock);
  }

  list(): CallMediaStats[] {
    return [...this.calls.values()].map((c) => c.stats(this.clock));
  }

  private async doOffer(req: MediaOfferRequest): Promise<MediaResult> {
    const parsed = parseSdp(req.sdp);
    if (!parsed.ok) return fail(400, parsed.error.reason);
    const sd = parsed.value;
    if (!sd.media.some((_, i) => isAudioRtp(sd, i))) {
      this.log?.info({ callId: req.callId }, 'offer has no active audio RTP stream');
      return fail(488, 'Not Acceptable Here', INCOMPATIBLE);
    }
    const filtered = filterOffer(sd, this.policy);
    if (!filtered.ok) {
      this.log?.info({ callId: req.callId, detail: filtered.error.detail }, 'offer refused');
      return fail(488, 'Not Acceptable Here', filtered.error.warningText);
    }
    const existing = this.calls.get(req.callId);
    let call: CallState;
    let leg: Leg;
    if (existing === undefined) {
      call = new CallState(req.callId, req.fromTag, this.mediaTimeoutMs, this.clock.wallNow());
      leg = 'a';
    } else {
      call = existing;
      const known = call.legOf(req.fromTag);
      if (known !== undefined) leg = known;
      else if (call.tagB === undefined) {
        // A new offer from another tag before any answer (late-offer forks: the last 2xx wins)
        // replaces the unanswered one: its sender becomes leg A.
        call.tagA = req.fromTag;
        leg = 'a';
      } else return fail(500, `offer from tag '${req.fromTag}' that is not in call`);
    }
    const forwardTo = otherLeg(leg);
    const added: Stream[] = [];
    for (let i = 0; i < filtered.value.sdp.media.length; i++) {
      const md = filtered.value.sdp.media[i];
      if (md.port === 0 || !isRtpProto(md.proto) || call.streams.has(i)) continue;
      const relayId = CallState.relayId(req.callId, i);
      const r = await this.relay.allocateSession(relayId, { timeoutMs: call.timeoutMs });
      if (!r.ok) {
        await Promise.all(added.map((s) => this.relay.release(s.relayId)));
        for (const s of added) call.streams.delete(s.index);
        this.log?.warn({ callId: req.callId, error: r.error.message }, 'no relay ports');
        return r.error.code === 'duplicate-id' ? fail(500, r.error.message) : fail(503, 'Media relay ports unavailable');
      }
      const s: Stream = { index: i, relayId, session: r.value, type: md.type, proto: md.proto, rejected: false, codec: {}, transcoding: false, signalled: {} };
      call.streams.set(i, s);
      added.push(s);
    }
    const endpoints: RelayEndpoint[] = [];
    for (const s of call.streams.values()) {
      const md = filtered.value.sdp.media[s.index];
      s.rejected = md === undefined || md.port === 0 || !isRtpProto(md.proto);
      if (s.rejected || md === undefined) continue;
      s.type = md.type;
      s.proto = md.proto;
      this.setRemote(s, leg, this.endpointOf(sd, s.index), req.source);
      endpoints.push(this.relayEndpoint(s, forwardTo));
    }
    const out = rewriteForRelay(filtered.value.sdp, endpoints, { rewriteOrigin: true });
    if (existing === undefined) publishMedia(() => ({ kind: 'started', callId: req.callId, timestamp: call.createdAt }));
    this.calls.set(req.callId, call);
    call.lastOffer = { leg, sdp: sd };
    call.state = 'offered';
    call.lastSignalAt = this.clock.wallNow();
    call.hold[leg] = isHold(sd);
    this.applyTimeout(call);
    this.log?.debug({ callId: req.callId, leg, tag: req.fromTag, streams: endpoints.length, hold: call.hold[leg] }, 'offer relayed');
    return { ok: true, sdp: serializeSdp(out) };
  }

  private async doAnswer(req: MediaAnswerRequest): Promise<MediaResult> {
    const call = this.calls.get(req.callId);
    if (call === undefined) return fail(500, `unknown call '${req.callId}'`);
    const offer = call.lastOffer;
    if (offer === undefined) return fail(500, 'no offer to answer');
    if (call.tagOf(offer.leg) !== req.fromTag) return fail(500, `answer to an offer from tag '${req.fromTag}', the offer came from '${call.tagOf(offer.leg) ?? ''}'`);
    const answerLeg = otherLeg(offer.leg);
    if (answerLeg === 'a' && req.toTag !== call.tagA) return fail(500, `answer from tag '${req.toTag}' that is not in call`);
    const parsed = parseSdp(req.sdp);
    if (!parsed.ok) return fail(400, parsed.error.reason);
    const answer = parsed.value;
    const plans = planMedia(offer.sdp, answer, { transcodable: this.transcodable, codecs: this.allowed });
    if (!plans.ok) {
      this.log?.info({ callId: req.callId, reason: plans.error.reason }, 'answer refused');
      return plans.error.code === 'OA_ERR_NO_COMMON_CODEC' ? fail(488, 'Not Acceptable Here', INCOMPATIBLE) : fail(400, plans.error.reason);
    }
    if (answerLeg === 'b' && call.tagB !== req.toTag) {
      // RFC 3261 §13.2.2.4: forked 2xx; the last answer's party is leg B from now on.
      if (call.tagB !== undefined) this.log?.info({ callId: req.callId, previous: call.tagB, tag: req.toTag }, 'answer from another fork replaces leg B');
      call.tagB = req.toTag;
    }
    const endpoints: RelayEndpoint[] = [];
    for (const plan of plans.value) {
      const s = call.streams.get(plan.index);
      if (s === undefined) continue;
      if (plan.rejected) {
        s.rejected = true;
        continue;
      }
      s.rejected = false;
      this.setRemote(s, answerLeg, plan.answerer, req.source);
      const m = mappingsFor(offer.sdp.media[plan.index], answer.media[plan.index], plan);
      const mapping: CodecMapping | undefined =
        m === undefined ? undefined : offer.leg === 'a' ? { aToB: m.offererToAnswerer, bToA: m.answererToOfferer } : { aToB: m.answererToOfferer, bToA: m.offererToAnswerer };
      const installed = s.session.setCodecMapping(mapping);
      if (!installed.ok) return fail(500, `relay cannot map payload types: ${installed.error.code}`);
      s.transcoding = plan.transcode;
      s.codec = {};
      if (plan.offererCodec !== undefined) s.codec[offer.leg] = codecLabel(plan.offererCodec);
      if (plan.codec !== undefined) s.codec[answerLeg] = codecLabel(plan.codec);
      endpoints.push(this.relayEndpoint(s, offer.leg));
    }
    const out = rewriteForRelay(answerForOfferer(offer.sdp, answer, plans.value), endpoints, { rewriteOrigin: true });
    call.state = 'answered';
    call.lastSignalAt = this.clock.wallNow();
    call.hold[answerLeg] = isHold(answer);
    this.applyTimeout(call);
    this.log?.debug({ callId: req.callId, leg: answerLeg, tag: req.toTag, streams: endpoints.length }, 'answer relayed');
    return { ok: true, sdp: serializeSdp(out) };
  }

  /** Where one side of an m-line sends/expects media, from its SDP. */
  private endpointOf(sd: SessionDescription, i: number): MediaEndpoint {
    const rtcp = rtcpOf(sd, i);
    const ep: MediaEndpoint = { port: sd.media[i].port, rtcpPort: rtcp?.port ?? 0, rtcpMux: rtcp?.mux ?? false };
    const address = connectionOf(sd, i)?.address;
    if (address !== undefined) ep.address = address;
    return ep;
  }

  /**
   * The signalled remote of a leg; latching corrects it when packets come from elsewhere
   * (NAT). A name instead of an IP literal falls back to the signalling source; c=0.0.0.0
   * (RFC 3264 §8.4 hold) or no address leaves the leg without a destination until it sends.
   */
  private setRemote(s: Stream, leg: Leg, ep: MediaEndpoint, source: { host: string } | undefined): void {
    let address = ep.address;
    if (address !== undefined && isIP(address) === 0) address = source !== undefined && isIP(source.host) !== 0 ? source.host : undefined;
    const usable = address !== undefined && ep.port !== 0 && !isNullConnection({ netType: 'IN', addrType: 'IP4', address });
    const remote: RemoteAddress | undefined =
      address === undefined || ep.port === 0 ? undefined : { address, port: ep.port, ...(ep.rtcpMux || ep.rtcpPort === 0 ? {} : { rtcpPort: ep.rtcpPort }) };
    const r = s.session.setRemote(leg, remote);
    if (!r.ok) this.log?.warn({ relayId: s.relayId, leg, error: r.error.message }, 'media address not usable');
    s.signalled[leg] = usable && r.ok ? { address: address!, port: ep.port } : undefined;
  }

  private relayEndpoint(s: Stream, leg: Leg): RelayEndpoint {
    const p = s.session.ports[leg];
    // The relay keeps RTCP on its own port: rtcp-mux (RFC 5761) is removed from what is forwarded.
    return { mediaIndex: s.index, address: this.address, port: p.rtp, rtcpPort: p.rtcp ?? p.rtp + 1, rtcpMux: false };
  }

  /** Longer timeout while either leg holds the call (no media is expected then). */
  private applyTimeout(call: CallState): void {
    const ms = call.hold.a || call.hold.b ? this.holdTimeoutMs : this.mediaTimeoutMs;
    if (ms === call.timeoutMs) return;
    call.timeoutMs = ms;
    for (const s of call.streams.values()) s.session.setTimeout(ms);
  }

  /** A stream went silent: the call times out when all its streams are silent. */
  private relayTimedOut(relayId: string, reason: string): void {
    const callId = CallState.callIdOf(relayId);
    const call = callId === undefined ? undefined : this.calls.get(callId);
    if (call === undefined || callId === undefined) return;
    const now = this.clock.now();
    for (const s of call.streams.values()) {
      if (s.relayId !== relayId && now - s.session.stats().lastPacketAt < call.timeoutMs) return;
    }
    this.log?.info({ callId, reason, timeoutMs: call.timeoutMs }, 'media timeout');
    publishMedia(() => ({ kind: 'timeout', callId, reason, timeoutMs: call.timeoutMs, timestamp: this.clock.wallNow() }));
    for (const h of this.timeoutHandlers) h(callId, reason);
  }

  /** Runs `fn` after every earlier operation on the same call has finished. */
  private serial<T>(callId: string, fn: () => Promise<T>): Promise<T> {
    return this.perCall.run(callId, fn);
  }
}
