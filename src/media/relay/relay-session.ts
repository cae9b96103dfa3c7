/**
 * A relay session (one call stream): legs A and B, each with local RTP(+RTCP) ports. Sans-IO:
 * `receiveRtp` / `receiveRtcp` take a packet, its source and the time, update state and return
 * the packet to send out of the partner channel (to `partner.peerAddress:peerPort`) or null
 * when it is dropped. The caller (MediaRelay) owns the sockets and does the send.
 *
 * Latching (symmetric RTP, RFC 4961 §3 / "comedia" RFC 4145): the first valid packet on a
 * channel fixes that channel's peer, overriding the signalled address (NAT traversal).
 * After latching, packets from any other source are dropped and counted (`injectedDropped`).
 */
import { isIP } from 'node:net';
import { type Clock, type Result, type TimerHandle, err, ok } from '../../lib/index.js';
import type { CodecRegistry } from '../codec/codec-registry.js';
import { PCMU } from '../codec/g711.js';
import { type MappingError, type PayloadMapping, applyMapping, compileMapping, staticClockRate } from '../codec/payload-mapping.js';
import { RTCP_RR, RTCP_SR, parseRtcpCompound } from '../rtp/rtcp.js';
import { rtpPayloadOffset, rtpSequence, rtpSsrc, rtpTimestamp } from '../rtp/rtp-header.js';
import { ASSUMED_BASE_DELAY_MS, estimateMos } from '../stats/mos.js';
import { type EngineRtpState, type LegName, type PeerReport, RelayChannel, RelayLeg, type RemoteAddress } from './relay-leg.js';

export type TimeoutReason = 'no-media';

/** Codec mapping per direction; an absent direction passes every PT unchanged. */
export interface CodecMapping {
  /** Applied to RTP received on leg A and sent to B. */
  readonly aToB?: PayloadMapping;
  /** Applied to RTP received on leg B and sent to A. */
  readonly bToA?: PayloadMapping;
}

export interface SessionPorts {
  readonly a: { readonly rtp: number; readonly rtcp?: number };
  readonly b: { readonly rtp: number; readonly rtcp?: number };
}

export interface ChannelCounters {
  readonly packetsIn: number;
  readonly bytesIn: number;
  readonly packetsOut: number;
  readonly bytesOut: number;
}

export interface LegStats {
  readonly localRtpPort: number;
  readonly localRtcpPort: number | undefined;
  /** Where RTP is sent out of this leg (latched source or signalled address). */
  readonly peer: { readonly address: string; readonly port: number; readonly latched: boolean } | undefined;
  readonly rtp: ChannelCounters;
  readonly rtcp: ChannelCounters | undefined;
  readonly injectedDropped: number;
  readonly invalidDropped: number;
  readonly unknownPtDropped: number;
  readonly noDestinationDropped: number;
  /** Sum of the four drop counters. */
  readonly dropped: number;
  /** SSRC of the RTP received on this leg (0 before any). */
  readonly ssrc: number;
  readonly packetsExpected: number;
  readonly packetsLost: number;
  readonly lossFraction: number;
  readonly jitterMs: number;
  /** The peer's own RTCP view of what the relay sends it. */
  readonly peerReport: PeerReport | undefined;
  /** E-model MOS from the worse of measured and peer-reported loss/jitter (see stats/mos.ts). */
  readonly mos: number;
}

export interface SessionStats {
  readonly id: string;
  readonly createdAt: number;
  readonly lastPacketAt: number;
  readonly a: LegStats;
  readonly b: LegStats;
}

/**
 * A forwarding engine that owns the RTP receive path of the session's channels (the native
 * engine): it latches, counts and forwards RTP itself, and the session asks it for that state
 * whenever it answers a question about it, so the public surface is the same with either engine.
 */
export interface SessionEngineLink {
  /** Copies the engine's RTP state (latches, counters, receive stats, last packet) into the legs. */
  pull(): void;
  /** The leg's RTP destination was (re)signalled; `clearLatch` when the peer must be learnt again. */
  peerChanged(leg: LegName, clearLatch: boolean): void;
  /** The payload mapping of RTP received on the leg changed. */
  mappingChanged(leg: LegName): void;
}

export interface RelaySessionOptions {
  readonly clock: Clock;
  readonly registry: CodecRegistry;
  readonly timeoutMs: number;
  readonly onTimeout: (sessionId: string, reason: TimeoutReason) => void;
}

const validPort = (p: number): boolean => Number.isInteger(p) && p >= 0 && p <= 65535;

// G.711's E-model constants (G.113 Appendix I, with PLC); used when the leg's codec is not known.
const DEFAULT_EMODEL = PCMU.eModel;

export class RelaySession {
  readonly a: RelayLeg;
  readonly b: RelayLeg;
  readonly createdAt: number;
  private lastActivity: number;
  private timeoutMs: number;
  private timer: TimerHandle | null = null;
  private timedOut = false;
  private closed = false;
  private readonly eModel: Record<LegName, { ie: number; bpl: number }> = { a: DEFAULT_EMODEL, b: DEFAULT_EMODEL };
  private engine: SessionEngineLink | null = null;

  constructor(
    readonly id: string,
    ports: SessionPorts,
    private readonly options: RelaySessionOptions,
  ) {
    this.a = new RelayLeg('a', ports.a.rtp, ports.a.rtcp);
    this.b = new RelayLeg('b', ports.b.rtp, ports.b.rtcp);
    this.a.rtp.partner = this.b.rtp;
    this.b.rtp.partner = this.a.rtp;
    if (this.a.rtcp !== null && this.b.rtcp !== null) {
      this.a.rtcp.partner = this.b.rtcp;
      this.b.rtcp.partner = this.a.rtcp;
    }
    this.timeoutMs = options.timeoutMs;
    this.createdAt = this.lastActivity = options.clock.now();
    this.arm();
  }

  /** Local ports of both legs (to put in the SDP sent to each side). */
  get ports(): SessionPorts {
    const p = (l: RelayLeg) => (l.rtcp === null ? { rtp: l.rtp.localPort } : { rtp: l.rtp.localPort, rtcp: l.rtcp.localPort });
    return { a: p(this.a), b: p(this.b) };
  }

  /** Hands the RTP path to a forwarding engine (done once by MediaRelay, before any packet). */
  attachEngine(link: SessionEngineLink): void {
    this.engine = link;
  }

  leg(name: LegName): RelayLeg {
    return name === 'a' ? this.a : this.b;
  }

  /**
   * Signalled remote of a leg (undefined, port 0 or 0.0.0.0 = unknown/on hold). The address
   * must be an IP literal (resolve names before): sends use it as is.
   */
  setRemote(leg: LegName, remote: RemoteAddress | undefined): Result<void, { readonly code: 'bad-address'; readonly message: string }> {
    if (remote !== undefined && (isIP(remote.address) === 0 || !validPort(remote.port) || (remote.rtcpPort !== undefined && !validPort(remote.rtcpPort)))) {
      return err({ code: 'bad-address', message: `bad media address ${remote.address}:${remote.port}` });
    }
    this.engine?.pull();
    const changed = this.leg(leg).setRemote(remote);
    this.engine?.peerChanged(leg, changed);
    return ok(undefined);
  }

  /** Installs payload mappings (replacing earlier ones); unknown codec names are an error. */
  setCodecMapping(mapping: CodecMapping | undefined): Result<void, MappingError> {
    const compile = (m: PayloadMapping | undefined) => (m === undefined ? ok(null) : compileMapping(m, this.options.registry));
    const ab = compile(mapping?.aToB);
    if (!ab.ok) return ab;
    const ba = compile(mapping?.bToA);
    if (!ba.ok) return ba;
    this.a.mapping = ab.value;
    this.b.mapping = ba.value;
    const model = (m: typeof ab.value) => m?.find((e) => e?.transcoder != null)?.transcoder?.from.eModel ?? DEFAULT_EMODEL;
    this.eModel.a = model(ab.value);
    this.eModel.b = model(ba.value);
    this.engine?.mappingChanged('a');
    this.engine?.mappingChanged('b');
    return ok(undefined);
  }

  /** Media timeout of this session (e.g. longer while on hold); counts from the last packet. */
  setTimeout(ms: number): void {
    this.timeoutMs = ms;
    if (!this.closed) this.arm();
  }

  /** Sans-IO RTP entry point. Returns the packet to send out of `ch.partner`, or null. */
  receiveRtp(ch: RelayChannel, p: Buffer, address: string, port: number, now: number): Buffer | null {
    const leg = ch.leg;
    if (ch.latched && (port !== ch.peerPort || address !== ch.peerAddress)) {
      leg.injectedDropped++;
      return null;
    }
    const off = rtpPayloadOffset(p);
    if (off < 0) {
      leg.invalidDropped++;
      return null;
    }
    if (!ch.latched) leg.latch(ch, address, port);
    this.touch(now);
    ch.packetsIn++;
    ch.bytesIn += p.length;
    const pt = p[1] & 0x7f;
    const map = leg.mapping;
    const entry = map === null ? undefined : map[pt];
    const rate = entry === undefined ? staticClockRate(pt) : entry.inClockRate;
    leg.receive.update(rtpSequence(p), rtpTimestamp(p), rtpSsrc(p), now, rate);
    let out = p;
    const dst = ch.partner;
    if (map !== null) {
      if (entry === undefined) {
        leg.unknownPtDropped++;
        return null;
      }
      if (entry.transcoder !== null || entry.toPt !== pt) out = applyMapping(entry, p, off);
      dst.leg.outClockRate = entry.rescaler === null ? rate : entry.rescaler.outRate;
    } else {
      dst.leg.outClockRate = rate;
    }
    if (dst.peerAddress === undefined) {
      leg.noDestinationDropped++;
      return null;
    }
    dst.packetsOut++;
    dst.bytesOut += out.length;
    return out;
  }

  /**
   * Engine path: maps an RTP packet that the forwarding engine already accepted, latched, counted
   * and fed to the receive statistics (a direction that needs PT rewriting or transcoding).
   * Returns the packet to send out of `ch.partner`, or null when its PT is (no longer) mapped.
   */
  mapRtp(ch: RelayChannel, p: Buffer): Buffer | null {
    const leg = ch.leg;
    const off = rtpPayloadOffset(p);
    if (off < 0) return null;
    const pt = p[1] & 0x7f;
    const map = leg.mapping;
    if (map === null) {
      ch.partner.leg.outClockRate = staticClockRate(pt);
      return p;
    }
    const entry = map[pt];
    if (entry === undefined) {
      leg.unknownPtDropped++;
      return null;
    }
    const out = entry.transcoder !== null || entry.toPt !== pt ? applyMapping(entry, p, off) : p;
    ch.partner.leg.outClockRate = entry.rescaler === null ? entry.inClockRate : entry.rescaler.outRate;
    return out;
  }

  /**
   * Sans-IO RTCP entry point. Packets are forwarded unchanged (SSRC, sequence numbers and
   * timestamps are kept end to end, so the reports stay meaningful). Accepted when the first
   * header is an SR or RR of version 2 (RFC 3550 A.2); the rest is parsed when possible (SRTCP
   * bodies are encrypted, RFC 3711 §3.4) to record the peer's reception reports.
   */
  receiveRtcp(ch: RelayChannel, p: Buffer, address: string, port: number, now: number): Buffer | null {
    const leg = ch.leg;
    if (ch.latched && (port !== ch.peerPort || address !== ch.peerAddress)) {
      leg.injectedDropped++;
      return null;
    }
    if (p.length < 8 || p[0] >>> 6 !== 2 || (p[1] !== RTCP_SR && p[1] !== RTCP_RR)) {
      leg.invalidDropped++;
      return null;
    }
    if (!ch.latched) leg.latch(ch, address, port);
    this.touch(now);
    ch.packetsIn++;
    ch.bytesIn += p.length;
    this.recordReports(leg, p, now);
    const dst = ch.partner;
    if (dst === undefined || dst.peerAddress === undefined) {
      leg.noDestinationDropped++;
      return null;
    }
    dst.packetsOut++;
    dst.bytesOut += p.length;
    return p;
  }

  private recordReports(leg: RelayLeg, p: Buffer, now: number): void {
    const parsed = parseRtcpCompound(p);
    if (!parsed.ok) {
      leg.rtcpUnparsed++;
      return;
    }
    for (const pkt of parsed.value) {
      if (pkt.type !== 'sr' && pkt.type !== 'rr') continue;
      // The peer reports on what it receives, i.e. what the relay sends out of this leg.
      const block = pkt.reports[0];
      if (block === undefined) continue;
      leg.peerReport = {
        fractionLost: block.fractionLost,
        cumulativeLost: block.cumulativeLost,
        jitterMs: (block.jitter / leg.outClockRate) * 1000,
        at: now,
      };
    }
  }

  /** Engine path: the engine saw a packet at clock time `at`. */
  noteActivity(at: number): void {
    if (at <= this.lastActivity) return;
    this.lastActivity = at;
    if (this.timedOut) {
      this.timedOut = false;
      this.arm();
    }
  }

  private touch(now: number): void {
    this.lastActivity = now;
    if (this.timedOut) {
      this.timedOut = false;
      this.arm();
    }
  }

  private arm(): void {
    this.timer?.cancel();
    const clock = this.options.clock;
    this.timer = clock.setTimer(this.lastActivity + this.timeoutMs - clock.now(), () => this.onTimer());
  }

  private onTimer(): void {
    this.timer = null;
    if (this.closed) return;
    this.engine?.pull(); // may note activity and re-arm
    if (this.timer !== null) return;
    if (this.options.clock.now() - this.lastActivity >= this.timeoutMs) {
      // Fires once per silence; a packet arriving later re-arms it.
      if (!this.timedOut) {
        this.timedOut = true;
        this.options.onTimeout(this.id, 'no-media');
      }
      // The engine forwards without telling the session: look again for media coming back.
      if (this.engine !== null && !this.closed && this.timer === null) {
        this.timer = this.options.clock.setTimer(this.timeoutMs, () => this.onTimer());
      }
    } else {
      this.arm();
    }
  }

  /** Stops the timer. Sockets are closed by the relay. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  stats(): SessionStats {
    this.engine?.pull();
    return { id: this.id, createdAt: this.createdAt, lastPacketAt: this.lastActivity, a: this.legStats(this.a), b: this.legStats(this.b) };
  }

  private legStats(l: RelayLeg): LegStats {
    const counters = (c: RelayChannel): ChannelCounters => ({ packetsIn: c.packetsIn, bytesIn: c.bytesIn, packetsOut: c.packetsOut, bytesOut: c.bytesOut });
    const e = l.engineRtp;
    const r = e === null ? l.receive : engineReceive(e);
    const rep = l.peerReport;
    const loss = Math.max(r.lossFraction, rep?.fractionLost ?? 0);
    const jitter = Math.max(r.jitterMs, rep?.jitterMs ?? 0);
    const model = this.eModel[l.name];
    return {
      localRtpPort: l.rtp.localPort,
      localRtcpPort: l.rtcp?.localPort,
      peer: l.rtp.peerAddress === undefined ? undefined : { address: l.rtp.peerAddress, port: l.rtp.peerPort, latched: l.rtp.latched },
      rtp: counters(l.rtp),
      rtcp: l.rtcp === null ? undefined : counters(l.rtcp),
      injectedDropped: l.injectedDropped + (e?.injectedDropped ?? 0),
      invalidDropped: l.invalidDropped + (e?.invalidDropped ?? 0),
      unknownPtDropped: l.unknownPtDropped + (e?.unknownPtDropped ?? 0),
      noDestinationDropped: l.noDestinationDropped + (e?.noDestinationDropped ?? 0),
      dropped:
        l.injectedDropped + l.invalidDropped + l.unknownPtDropped + l.noDestinationDropped +
        (e === null ? 0 : e.injectedDropped + e.invalidDropped + e.unknownPtDropped + e.noDestinationDropped),
      ssrc: r.ssrc,
      packetsExpected: r.packetsExpected,
      packetsLost: r.packetsLost,
      lossFraction: r.lossFraction,
      jitterMs: r.jitterMs,
      peerReport: rep,
      mos: estimateMos({ lossFraction: loss, oneWayDelayMs: ASSUMED_BASE_DELAY_MS + 2 * jitter, ie: model.ie, bpl: model.bpl }),
    };
  }
}

/** The ReceiveStats figures from an engine's raw state (same formulas as stats/receive-stats.ts). */
function engineReceive(e: EngineRtpState): { ssrc: number; packetsExpected: number; packetsLost: number; lossFraction: number; jitterMs: number } {
  const lost = Math.max(0, e.packetsExpected - e.packetsReceived);
  return {
    ssrc: e.ssrc,
    packetsExpected: e.packetsExpected,
    packetsLost: lost,
    lossFraction: e.packetsExpected > 0 ? lost / e.packetsExpected : 0,
    jitterMs: e.clockRate > 0 ? (e.jitterUnits / e.clockRate) * 1000 : 0,
  };
}
