/**
 * The media relay: owns the sessions and their sockets, allocates port pairs, and wires each
 * socket's packets to the Sans-IO session core and back out of the partner socket.
 */
import { type Clock, type Result, err, ok, systemClock } from '../../lib/index.js';
import { CodecRegistry } from '../codec/codec-registry.js';
import { NativeEngine, type NativeSocket } from '../native/native-engine.js';
import type { NativeSessionLink } from '../native/native-session-link.js';
import { loadRtpAddon } from '../native/rtp-addon.js';
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
  /**
   * Who forwards RTP. 'native': the C engine (build/Release/switchboard_rtp.node) on its own
   * threads, for every session (transcoding directions and RTCP go through the JS core);
   * 'js': node:dgram sockets and the JS core; 'auto' (default): native when the addon loads, no
   * `socketFactory` is given and the clock is the system clock. 'native' without the addon falls
   * back to 'js' (see `engine.reason`).
   */
  readonly engine?: MediaEngineKind;
  /** Forwarding threads of the native engine (sessions are spread round-robin). Default 1. */
  readonly threads?: number;
}

export type MediaEngineKind = 'auto' | 'native' | 'js';

/** The engine a relay runs, and why it is not the native one when it is not. */
export interface MediaEngineInfo {
  readonly kind: 'native' | 'js';
  readonly threads: number;
  readonly reason?: string;
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
  readonly native?: NativeSessionLink;
}

interface NativeLeg {
  readonly rtp: NativeSocket;
  readonly rtcp: NativeSocket | null;
}

function chooseEngine(options: MediaRelayOptions): { native: NativeEngine | null; info: MediaEngineInfo } {
  const kind = options.engine ?? 'auto';
  const threads = Math.max(1, Math.floor(options.threads ?? 1));
  if (kind === 'js') return { native: null, info: { kind: 'js', threads: 1, reason: 'media engine set to js' } };
  if (kind === 'auto' && options.socketFactory !== undefined) return { native: null, info: { kind: 'js', threads: 1, reason: 'a socket factory was given' } };
  if (kind === 'auto' && options.clock !== undefined && options.clock !== systemClock) {
    return { native: null, info: { kind: 'js', threads: 1, reason: 'a non-system clock was given (the native engine times packets itself)' } };
  }
  const load = loadRtpAddon();
  if (!load.ok) return { native: null, info: { kind: 'js', threads: 1, reason: load.reason } };
  return { native: new NativeEngine(load.addon, threads), info: { kind: 'native', threads } };
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
  private readonly native: NativeEngine | null;
  /** Which engine forwards, and (when JS) why. */
  readonly engine: MediaEngineInfo;

  private constructor(private readonly options: MediaRelayOptions) {
    this.pool = new PortPairPool(options.portRange ?? DEFAULT_PORT_RANGE, options.random);
    this.clock = options.clock ?? systemClock;
    this.factory = options.socketFactory ?? new NodeUdpSocketFactory();
    this.registry = options.registry ?? CodecRegistry.withDefaults();
    this.timeoutMs = options.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS;
    this.timeoutHandler = options.onTimeout;
    const chosen = chooseEngine(options);
    this.native = chosen.native;
    this.engine = chosen.info;
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
    if (this.native !== null) {
      try {
        return await this.allocateNative(this.native, id, options);
      } finally {
        this.pending.delete(id);
      }
    }
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
      const session = this.newSession(id, { a: port(legs[0]), b: port(legs[1]) }, options);
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

  /** allocateSession with the native engine: the sockets are bound in, and owned by, the addon. */
  private async allocateNative(native: NativeEngine, id: string, options: AllocateSessionOptions): Promise<Result<RelaySession, AllocateSessionError>> {
    const pooled: number[] = [];
    const legs: NativeLeg[] = [];
    const bindPair = (rtp: number, rtcp: number | undefined): Result<NativeLeg, BindError> => {
      const r = native.bind(this.options.bindAddress, rtp);
      if (!r.ok || rtcp === undefined) return r.ok ? ok({ rtp: r.value, rtcp: null }) : r;
      const c = native.bind(this.options.bindAddress, rtcp);
      if (c.ok) return ok({ rtp: r.value, rtcp: c.value });
      native.close(r.value);
      return c;
    };
    for (const leg of ['a', 'b'] as const) {
      const fixed = options.ports?.[leg];
      let r: Result<NativeLeg, AllocationError>;
      if (fixed !== undefined) {
        const b = bindPair(fixed.rtp, fixed.rtcp);
        r = b.ok ? b : err({ code: 'bind-failed', message: b.error.message });
      } else {
        const a = await allocatePortPair(this.pool, async (rtp, rtcp) => bindPair(rtp, rtcp));
        if (a.ok) pooled.push(a.value.rtpPort);
        r = a.ok ? ok(a.value.value) : a;
      }
      if (!r.ok) {
        for (const l of legs) [l.rtp, l.rtcp].forEach((sock) => sock !== null && native.close(sock));
        for (const p of pooled) this.pool.giveBack(p);
        return r;
      }
      legs.push(r.value);
    }
    const port = (l: NativeLeg) => (l.rtcp === null ? { rtp: l.rtp.port } : { rtp: l.rtp.port, rtcp: l.rtcp.port });
    const session = this.newSession(id, { a: port(legs[0]), b: port(legs[1]) }, options);
    const link = native.attach(session, this.clock, legs[0], legs[1]);
    this.entries.set(id, { session, bindings: [], pooledPairs: pooled, native: link });
    return ok(session);
  }

  private newSession(id: string, ports: SessionPorts, options: AllocateSessionOptions): RelaySession {
    return new RelaySession(id, ports, {
      clock: this.clock,
      registry: this.registry,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      onTimeout: (sid, reason) => this.timeoutHandler?.(sid, reason),
    });
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
    if (e.native !== undefined) this.native!.detach(e.native);
    await this.closeBindings(e.bindings);
    for (const p of e.pooledPairs) this.pool.giveBack(p);
    return true;
  }

  /** Releases every session. */
  async close(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.release(id)));
    this.native?.shutdown();
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

