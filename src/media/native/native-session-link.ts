/**
 * Binds one RelaySession to its session in the native engine: pushes signalled peers and
 * payload routes down, pulls latches, counters, receive statistics and the last-packet time up
 * (a snapshot call, never per packet), and runs the packets the engine hands to JS (RTCP, and
 * RTP of directions that need PT rewriting or transcoding) through the session core.
 */
import type { Clock } from '../../lib/index.js';
import { staticClockRate } from '../codec/payload-mapping.js';
import type { LegName, RelayLeg } from '../relay/relay-leg.js';
import type { RelaySession, SessionEngineLink } from '../relay/relay-session.js';
import { CH_A_RTCP, CH_A_RTP, CH_B_RTCP, CH_B_RTP, type EngineHandle, type RtpAddon } from './rtp-addon.js';

const rtpChannel = (leg: LegName): number => (leg === 'a' ? CH_A_RTP : CH_B_RTP);

// Field offsets of one channel in the snapshot (see snap_channel in rtp-binding.c).
const F_LATCHED = 0;
const F_PEER_GEN = 1;
const F_PKTS_IN = 2;
const F_BYTES_IN = 3;
const F_PKTS_OUT = 4;
const F_BYTES_OUT = 5;
const F_INJECTED = 6;
const F_INVALID = 7;
const F_UNKNOWN_PT = 8;
const F_NO_DEST = 9;
const F_SSRC = 10;
const F_EXPECTED = 11;
const F_RECEIVED = 12;
const F_JITTER_UNITS = 13;
const F_RATE = 14;
const F_OUT_RATE = 15;

export class NativeSessionLink implements SessionEngineLink {
  private readonly snap: Float64Array;
  private readonly peerGen = [-1, -1];
  /** Whether RTP received on leg A / B is forwarded natively (identity mapping). */
  private readonly forwarding = [true, true];
  private removed = false;

  constructor(
    private readonly addon: RtpAddon,
    private readonly engine: EngineHandle,
    readonly sessionId: number,
    readonly session: RelaySession,
    private readonly clock: Clock,
  ) {
    this.snap = new Float64Array(addon.SNAPSHOT_SIZE);
    session.attachEngine(this);
    this.mappingChanged('a');
    this.mappingChanged('b');
  }

  pull(): void {
    if (this.removed || !this.addon.snapshot(this.engine, this.sessionId, this.snap)) return;
    const s = this.snap;
    const per = this.addon.SNAPSHOT_PER_CHANNEL;
    const legs: readonly RelayLeg[] = [this.session.a, this.session.b];
    for (let k = 0; k < 2; k++) {
      const leg = legs[k];
      const ch = leg.rtp;
      const o = k * per;
      ch.packetsIn = s[o + F_PKTS_IN];
      ch.bytesIn = s[o + F_BYTES_IN];
      ch.packetsOut = s[o + F_PKTS_OUT];
      ch.bytesOut = s[o + F_BYTES_OUT];
      const latched = s[o + F_LATCHED] === 1;
      if (latched && (!ch.latched || s[o + F_PEER_GEN] !== this.peerGen[k])) {
        const p = this.addon.peer(this.engine, this.sessionId, k === 0 ? CH_A_RTP : CH_B_RTP);
        if (p !== null) leg.latch(ch, p[0], p[1]);
        this.peerGen[k] = s[o + F_PEER_GEN];
      }
      leg.engineRtp = {
        injectedDropped: s[o + F_INJECTED],
        invalidDropped: s[o + F_INVALID],
        unknownPtDropped: s[o + F_UNKNOWN_PT],
        noDestinationDropped: s[o + F_NO_DEST],
        ssrc: s[o + F_SSRC],
        packetsExpected: s[o + F_EXPECTED],
        packetsReceived: s[o + F_RECEIVED],
        jitterUnits: s[o + F_JITTER_UNITS],
        clockRate: s[o + F_RATE],
      };
      // Clock rate of what was forwarded natively out of this leg (read the peer's RTCP with it).
      if (this.forwarding[1 - k] && s[o + F_OUT_RATE] > 0) leg.outClockRate = s[o + F_OUT_RATE];
    }
    const idle = s[2 * per];
    if (idle >= 0) this.session.noteActivity(this.clock.now() - idle);
  }

  peerChanged(leg: LegName, clearLatch: boolean): void {
    if (this.removed) return;
    const ch = this.session.leg(leg).rtp;
    this.addon.setPeer(this.engine, this.sessionId, rtpChannel(leg), ch.peerAddress ?? null, ch.peerPort, clearLatch);
    if (clearLatch) this.peerGen[leg === 'a' ? 0 : 1] = -1;
  }

  mappingChanged(leg: LegName): void {
    if (this.removed) return;
    const map = this.session.leg(leg).mapping;
    const rates = new Int32Array(128);
    let identity = true;
    for (let pt = 0; pt < 128; pt++) {
      const e = map === null ? undefined : map[pt];
      if (e !== undefined && (e.transcoder !== null || e.toPt !== pt)) identity = false;
      // > 0: accepted with this clock rate; < 0: unknown PT, dropped (rate still used for stats).
      rates[pt] = e !== undefined ? e.inClockRate : map === null ? staticClockRate(pt) : -staticClockRate(pt);
    }
    this.forwarding[leg === 'a' ? 0 : 1] = identity;
    this.addon.setRoute(this.engine, this.sessionId, rtpChannel(leg), identity, rates);
  }

  /** A packet the engine handed to JS (runs on the main thread, from the addon's queue). */
  onPacket(channel: number, packet: Buffer, address: string, port: number): void {
    const s = this.session;
    if (this.removed || s.isClosed) return;
    const leg = channel === CH_A_RTP || channel === CH_A_RTCP ? s.a : s.b;
    if (channel === CH_A_RTP || channel === CH_B_RTP) {
      const out = s.mapRtp(leg.rtp, packet);
      if (out !== null) this.addon.forward(this.engine, this.sessionId, channel, out);
      return;
    }
    const rtcp = leg.rtcp;
    if (rtcp === null) return;
    this.pull(); // RTCP destinations follow the RTP latch (RelayLeg.refreshDestinations)
    const out = s.receiveRtcp(rtcp, packet, address, port, this.clock.now());
    if (out === null) return;
    const d = rtcp.partner;
    this.addon.sendTo(this.engine, this.sessionId, channel === CH_A_RTCP ? CH_B_RTCP : CH_A_RTCP, out, d.peerAddress!, d.peerPort);
  }

  /** Takes the session out of the engine: its sockets are closed when this returns. */
  remove(): void {
    if (this.removed) return;
    this.pull(); // keep the final counters readable after release
    this.removed = true;
    this.addon.removeSession(this.engine, this.sessionId);
  }
}
