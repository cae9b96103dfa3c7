/**
 * The media relay: owns the sessions and their sockets, allocates port pairs, and wires each
 * socket's packets to the Sans-IO session core and back out of the partner socket.
 */
import { type Clock, type Result, err, ok, systemClock } from '../../lib/index.js';
import { CodecRegistry } from '../codec/codec-registry.js';
import { NodeUdpSocketFactory } from '../node/node-udp-socket-factory.js';
import { type AllocationError, DEFAULT_PORT_RANGE, PortPairPool, type PortRange, allocatePortPair } from './port-allocator.js';
import type { RelayChannel } from './relay-leg.js';
import type { BindError, RelaySocket, RelaySocketFactory } from './relay-socket.js';
import { RelaySession, type SessionPorts, type TimeoutReason } from './relay-session.js';

export interface MediaRelayOptions {
  /** Local IP address the media sockets bind to (an IP literal of one family). */
  readonly bindAddress: string;
  /** Port range for allocated pairs; default 10000–20000. */
  readonly portRange?: PortRange;
  readonly clock?: Clock;
  /** Default: node:dgram sockets (NodeUdpSocketFactory). */
  readonly socketFactory?: RelaySocketFactory;
  /** No packet on either leg for this long → onTimeout. Default 60 s. */
  readonly mediaTimeoutMs?: number;
  readonly registry?: CodecRegistry;
  /** Random source for port choice (tests). */
  readonly random?: () => number;
  readonly onTimeout?: (sessionId: string, reason: TimeoutReason) => void;
}

export type AllocateSessionError = AllocationError | { readonly code: 'duplicate-id'; readonly message: string };

export interface AllocateSessionOptions {
  /** Bind exactly these ports instead of allocating (RTCP ports optional: RTP-only legs). */
  readonly ports?: SessionPorts;
  /** Media timeout of this session (default: the relay's). */
  readonly timeoutMs?: number;
}

export const DEFAULT_MEDIA_TIMEOUT_MS = 60_000;

/** Routes one socket's packets into its channel; bound before the session exists. */
class ChannelBinding {
  session: RelaySession | null = null;
  ch: RelayChannel | null = null;
  socket: RelaySocket | null = null;

  constructor(private readonly clock: Clock) {}

  readonly onRtp = (p: Buffer, address: string, port: number): void => {
    const ch = this.ch;
    if (ch === null) return;
    const out = this.session!.receiveRtp(ch, p, address, port, this.clock.now());
    if (out !== null) {
      const d = ch.partner;
      d.socket!.send(out, d.peerPort, d.peerAddress!);
    }
  };

  readonly onRtcp = (p: Buffer, address: string, port: number): void => {
    const ch = this.ch;
    if (ch === null) return;
    const out = this.session!.receiveRtcp(ch, p, address, port, this.clock.now());
    if (out !== null) {
      const d = ch.partner;
      d.socket!.send(out, d.peerPort, d.peerAddress!);
    }
  };
}

interface LegBindings {
  readonly rtp: ChannelBinding;
  readonly rtcp: ChannelBinding | null;
}

interface Entry {
  readonly session: RelaySession;
  readonly bindings: readonly ChannelBinding[];
  readonly pooledPairs: readonly number[];
}

export class MediaRelay {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<string>();
  private readonly pool: PortPairPool;
  private readonly clock: Clock;
  private readonly factory: RelaySocketFactory;
  private readonly registry: CodecRegistry;
  private readonly timeoutMs: number;
  private timeoutHandler: ((sessionId: string, reason: TimeoutReason) => void) | undefined;

  private constructor(private readonly options: MediaRelayOptions) {
    this.pool = new PortPairPool(options.portRange ?? DEFAULT_PORT_RANGE, options.random);
    this.clock = options.clock ?? systemClock;
    this.factory = options.socketFactory ?? new NodeUdpSocketFactory();
    this.registry = options.registry ?? CodecRegistry.withDefaults();
    this.timeoutMs = options.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
    this.timeoutHandler = options.onTimeout;
  }

  static create(options: MediaRelayOptions): MediaRelay {
    return new MediaRelay(options);
  }

  /** Sets the media-timeout handler (replaces the one given in the options). */
  onTimeout(handler: (sessionId: string, reason: TimeoutReason) => void): void {
    this.timeoutHandler = handler;
  }

  get codecs(): CodecRegistry {
    return this.registry;
  }

  /** Free RTP/RTCP pairs left in the range. */
  get freePortPairs(): number {
    return this.pool.freeCount;
  }

  /**
   * Creates a session with both legs bound: allocated even/odd pairs from the range, or the
   * fixed `options.ports`. The session's `ports` are what the signalling layer advertises.
   */
  async allocateSession(id: string, options: AllocateSessionOptions = {}): Promise<Result<RelaySession, AllocateSessionError>> {
    if (this.entries.has(id) || this.pending.has(id)) return err({ code: 'duplicate-id', message: `session '${id}' exists` });
    this.pending.add(id);
    const pooled: number[] = [];
    const bound: ChannelBinding[] = [];
    try {
      const legs: LegBindings[] = [];
      for (const leg of ['a', 'b'] as const) {
        const fixed = options.ports?.[leg];
        const r = fixed !== undefined ? await this.bindFixed(fixed.rtp, fixed.rtcp) : await this.bindPooled(pooled);
        if (!r.ok) {
          await this.closeBindings(bound);
          for (const p of pooled) this.pool.giveBack(p);
          return r;
        }
        legs.push(r.value);
        bound.push(r.value.rtp);
        if (r.value.rtcp !== null) bound.push(r.value.rtcp);
      }
      const port = (b: LegBindings) =>
        b.rtcp === null ? { rtp: b.rtp.socket!.port } : { rtp: b.rtp.socket!.port, rtcp: b.rtcp.socket!.port };
      const session = new RelaySession(
        id,
        { a: port(legs[0]), b: port(legs[1]) },
        {
          clock: this.clock,
          registry: this.registry,
          timeoutMs: options.timeoutMs ?? this.timeoutMs,
          onTimeout: (sid, reason) => this.timeoutHandler?.(sid, reason),
        },
      );
      [session.a, session.b].forEach((leg, i) => {
        this.attach(legs[i].rtp, session, leg.rtp);
        if (legs[i].rtcp !== null && leg.rtcp !== null) this.attach(legs[i].rtcp!, session, leg.rtcp);
      });
      this.entries.set(id, { session, bindings: bound, pooledPairs: pooled });
      return ok(session);
    } finally {
      this.pending.delete(id);
    }
  }

  get(id: string): RelaySession | undefined {
    return this.entries.get(id)?.session;
  }

  sessions(): RelaySession[] {
    return [...this.entries.values()].map((e) => e.session);
  }

  /** Closes the session's sockets and returns its ports to the pool. False if unknown. */
  async release(id: string): Promise<boolean> {
    const e = this.entries.get(id);
    if (e === undefined) return false;
    this.entries.delete(id);
    e.session.close();
    await this.closeBindings(e.bindings);
    for (const p of e.pooledPairs) this.pool.giveBack(p);
    return true;
  }

  /** Releases every session. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.release(id)));
  }

  private attach(b: ChannelBinding, session: RelaySession, ch: RelayChannel): void {
    ch.socket = b.socket;
    b.session = session;
    b.ch = ch;
  }

  private async bindOne(port: number, rtcp: boolean): Promise<Result<ChannelBinding, BindError>> {
    const b = new ChannelBinding(this.clock);
    const r = await this.factory.bind(this.options.bindAddress, port, rtcp ? b.onRtcp : b.onRtp);
    if (!r.ok) return r;
    b.socket = r.value;
    return ok(b);
  }

  private async bindPair(rtpPort: number, rtcpPort: number | undefined): Promise<Result<LegBindings, BindError>> {
    const rtp = await this.bindOne(rtpPort, false);
    if (!rtp.ok) return rtp;
    if (rtcpPort === undefined) return ok({ rtp: rtp.value, rtcp: null });
    const rtcp = await this.bindOne(rtcpPort, true);
    if (!rtcp.ok) {
      await rtp.value.socket!.close();
      return rtcp;
    }
    return ok({ rtp: rtp.value, rtcp: rtcp.value });
  }

  private async bindFixed(rtp: number, rtcp: number | undefined): Promise<Result<LegBindings, AllocationError>> {
    const r = await this.bindPair(rtp, rtcp);
    return r.ok ? r : err({ code: 'bind-failed', message: r.error.message });
  }

  private async bindPooled(pooled: number[]): Promise<Result<LegBindings, AllocationError>> {
    const r = await allocatePortPair(this.pool, (rtp, rtcp) => this.bindPair(rtp, rtcp));
    if (!r.ok) return r;
    pooled.push(r.value.rtpPort);
    return ok(r.value.value);
  }

  private async closeBindings(bindings: readonly ChannelBinding[]): Promise<void> {
    await Promise.all(bindings.map((b) => b.socket?.close()));
  }
}
