/**
 * One leg of a relay session: its local RTP (and optional RTCP) channel, the peer address the
 * signalling announced, the latched peer, counters and receive statistics.
 */
import type { CompiledMapping } from '../codec/payload-mapping.js';
import { ReceiveStats } from '../stats/receive-stats.js';
import type { RelaySocket } from './relay-socket.js';

export type LegName = 'a' | 'b';

/** A remote media address from signalling (SDP c= / m= / a=rtcp, RFC 4566 / RFC 3605). */
export interface RemoteAddress {
  readonly address: string;
  readonly port: number;
  /** RTCP port; default `port + 1` (RFC 3550 §11). */
  readonly rtcpPort?: number;
}

/** What the peer of a leg said in its RTCP reports about the stream the relay sends it. */
export interface PeerReport {
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly jitterMs: number;
  /** Clock time (ms) of the report. */
  readonly at: number;
}

/** One local port of a leg (RTP or RTCP) and where packets sent out of it go. */
export class RelayChannel {
  socket: RelaySocket | null = null;
  /** The same-kind channel of the other leg: packets received here are sent out of it. */
  partner!: RelayChannel;
  /** Destination of packets sent out of this channel (latched peer or signalled address). */
  peerAddress: string | undefined = undefined;
  peerPort = 0;
  /** True once the first valid packet fixed the peer (symmetric RTP). */
  latched = false;
  packetsIn = 0;
  bytesIn = 0;
  packetsOut = 0;
  bytesOut = 0;

  constructor(
    readonly leg: RelayLeg,
    readonly isRtcp: boolean,
    readonly localPort: number,
  ) {}
}

/**
 * RTP receive state of a leg kept by a forwarding engine (the native one) instead of the JS
 * core: drop counters and receive statistics, copied in by the engine link when it polls.
 */
export interface EngineRtpState {
  readonly injectedDropped: number;
  readonly invalidDropped: number;
  readonly unknownPtDropped: number;
  readonly noDestinationDropped: number;
  readonly ssrc: number;
  readonly packetsExpected: number;
  readonly packetsReceived: number;
  /** A.8 jitter estimate in timestamp units of `clockRate`. */
  readonly jitterUnits: number;
  readonly clockRate: number;
}

export class RelayLeg {
  readonly rtp: RelayChannel;
  readonly rtcp: RelayChannel | null;
  signalled: RemoteAddress | undefined = undefined;
  /** Mapping applied to RTP received on this leg (null = pass every PT unchanged). */
  mapping: CompiledMapping | null = null;
  /** Clock rate of the RTP last sent out of this leg (to read the peer's RTCP jitter). */
  outClockRate = 8000;
  readonly receive = new ReceiveStats();
  peerReport: PeerReport | undefined = undefined;
  injectedDropped = 0;
  invalidDropped = 0;
  unknownPtDropped = 0;
  noDestinationDropped = 0;
  rtcpUnparsed = 0;
  /** Set when a forwarding engine owns this leg's RTP state (null: the JS core does). */
  engineRtp: EngineRtpState | null = null;

  constructor(
    readonly name: LegName,
    rtpPort: number,
    rtcpPort: number | undefined,
  ) {
    this.rtp = new RelayChannel(this, false, rtpPort);
    this.rtcp = rtcpPort === undefined ? null : new RelayChannel(this, true, rtcpPort);
  }

  /**
   * Sets the signalled remote. A changed address or port (re-INVITE to another endpoint)
   * clears the latches so the new peer can be learnt; the same one keeps them. Returns whether
   * it changed.
   */
  setRemote(remote: RemoteAddress | undefined): boolean {
    const old = this.signalled;
    const usable = remote !== undefined && remote.port > 0 && remote.address !== '0.0.0.0' && remote.address !== '::';
    const next = usable ? remote : undefined;
    const changed = old?.address !== next?.address || old?.port !== next?.port || old?.rtcpPort !== next?.rtcpPort;
    this.signalled = next;
    if (changed) {
      this.rtp.latched = false;
      if (this.rtcp !== null) this.rtcp.latched = false;
    }
    this.refreshDestinations();
    return changed;
  }

  /** Symmetric RTP: the first packet's source becomes the peer (wins over signalling). */
  latch(ch: RelayChannel, address: string, port: number): void {
    ch.latched = true;
    ch.peerAddress = address;
    ch.peerPort = port;
    if (!ch.isRtcp) this.refreshDestinations();
  }

  /**
   * Destinations of channels that have not latched: RTP goes to the signalled address; RTCP to
   * the signalled RTCP port, or — when RTP latched to a source other than the signalled address
   * (a NAT) — to the latched RTP address and port + 1, the best guess for the NAT's mapping.
   */
  refreshDestinations(): void {
    const s = this.signalled;
    const rtp = this.rtp;
    if (!rtp.latched) {
      rtp.peerAddress = s?.address;
      rtp.peerPort = s?.port ?? 0;
    }
    const rtcp = this.rtcp;
    if (rtcp === null || rtcp.latched) return;
    if (rtp.latched && (s === undefined || s.address !== rtp.peerAddress || s.port !== rtp.peerPort)) {
      rtcp.peerAddress = rtp.peerAddress;
      rtcp.peerPort = rtp.peerPort + 1;
    } else if (s !== undefined) {
      rtcp.peerAddress = s.address;
      rtcp.peerPort = s.rtcpPort ?? s.port + 1;
    } else {
      rtcp.peerAddress = undefined;
      rtcp.peerPort = 0;
    }
  }
}
