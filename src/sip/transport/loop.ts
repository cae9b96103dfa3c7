/**
 * An in-memory SIP "network" for tests, modelled on pjsip's sip_transport_loop: every
 * message is really serialized and re-parsed with parse(), then delivered on the injected
 * Clock to the TransportUser registered for the destination address. Faults can be set per
 * direction: drop (probability or next N), delay, duplicate, and send failure. Everything
 * sent is logged for assertions. Several endpoints share one network, so a client-side and a
 * server-side stack can talk to each other.
 */
import type { Clock } from '../../lib/index.js';
import { stampReceived } from './response-route.js';
import { type SipMessage, parse, serialize } from '../message/index.js';
import {
  type Destination,
  type NetAddress,
  type ReceivedContext,
  type SendResult,
  type SipTransport,
  type TransportError,
  type TransportUser,
  isReliable,
} from './types.js';

/** Faults applied to messages sent in one direction. Counters count down as they are used. */
export interface LoopFault {
  /** Probability (0..1) that a message is lost, drawn from the network's `random`. */
  dropProbability?: number;
  /** Lose the next N messages. */
  dropNext?: number;
  /** Delivery delay in ms on the network's Clock (default 0). */
  delayMs?: number;
  /** Deliver this many extra copies of every message. */
  duplicate?: number;
  /** Deliver one extra copy of each of the next N messages. */
  duplicateNext?: number;
  /** send() reports SIP_TRANSPORT_SEND for the next N messages (nothing is delivered). */
  failNext?: number;
  /** send() reports SIP_TRANSPORT_SEND for every message. */
  failAll?: boolean;
  /** Only messages for which this returns true are affected (and consume counters). */
  match?: (message: SipMessage) => boolean;
}

export type LoopOutcome = 'delivered' | 'dropped' | 'failed' | 'unreachable';

export interface LoopLogEntry {
  readonly seq: number;
  /** Clock time of the send() call. */
  readonly at: number;
  readonly from: NetAddress;
  readonly to: NetAddress;
  readonly connectionId?: string;
  /** The exact bytes put on the loop. */
  readonly bytes: Buffer;
  /** A copy parsed back from `bytes` (undefined if the bytes do not parse). */
  readonly message: SipMessage | undefined;
  readonly outcome: LoopOutcome;
  /** Copies scheduled for delivery (0 when dropped or failed). */
  readonly copies: number;
}

export interface LoopNetworkOptions {
  /** Random source for dropProbability (default Math.random); pass a seeded one in tests. */
  random?: () => number;
}

export interface LoopEndpointOptions {
  /**
   * The source address receivers see for this endpoint (a NAT's public side), for
   * received/rport tests. Messages sent to it reach this endpoint.
   */
  publicAddress?: NetAddress;
}

interface Connection {
  readonly id: string;
  readonly a: LoopTransport;
  readonly b: LoopTransport;
  open: boolean;
}

export function addressKey(a: NetAddress): string {
  const host = a.host.startsWith('[') ? a.host.slice(1, -1) : a.host;
  return `${a.transport}|${host.toLowerCase()}|${a.port}`;
}

export class LoopNetwork {
  readonly log: LoopLogEntry[] = [];
  private readonly routes = new Map<string, LoopTransport>();
  private readonly faults = new Map<string, LoopFault>();
  private readonly connections = new Map<string, Connection>();
  private readonly connectionByPair = new Map<string, Connection>();
  private readonly random: () => number;
  private seq = 0;
  private connectionSeq = 0;

  constructor(
    readonly clock: Clock,
    options: LoopNetworkOptions = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  /** Adds an endpoint listening on `listen` (one address per transport kind it serves). */
  endpoint(listen: NetAddress | readonly NetAddress[], options: LoopEndpointOptions = {}): LoopTransport {
    const listeners = Array.isArray(listen) ? (listen as readonly NetAddress[]) : [listen as NetAddress];
    if (listeners.length === 0) throw new Error('a loop endpoint needs at least one address');
    const t = new LoopTransport(this, listeners, options.publicAddress);
    for (const a of listeners) this.route(a, t);
    if (options.publicAddress !== undefined) this.route(options.publicAddress, t);
    return t;
  }

  /** Sets the faults for messages from `from` to `to` ('*' matches any address). */
  setFault(from: NetAddress | '*', to: NetAddress | '*', fault: LoopFault): void {
    this.faults.set(faultKey(from, to), { ...fault });
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Closes a stream connection: later sends naming it open a new one (or fail). */
  closeConnection(id: string): void {
    const c = this.connections.get(id);
    if (c === undefined) return;
    c.open = false;
    this.connections.delete(id);
    this.connectionByPair.delete(pairKey(c.a, c.b));
  }

  /** Delivers raw bytes as if `from` had sent them to `to` (hand-written messages). */
  inject(from: NetAddress, to: NetAddress, bytes: Buffer | string): LoopOutcome {
    const target = this.routes.get(addressKey(to));
    if (target === undefined) return 'unreachable';
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    this.clock.setTimer(0, () => target.deliver(buf, { source: from, local: to, receivedAt: this.clock.now() }));
    return 'delivered';
  }

  /** Log entries matching a predicate on the parsed message. */
  sent(filter: (e: LoopLogEntry) => boolean = () => true): LoopLogEntry[] {
    return this.log.filter(filter);
  }

  /** @internal used by LoopTransport.send. */
  transmit(sender: LoopTransport, message: SipMessage, dest: Destination): SendResult {
    const local = sender.listenerFor(dest.transport);
    if (local === undefined) return fail('SIP_TRANSPORT_NO_LISTENER', `no ${dest.transport} listener`);
    const bytes = serialize(message);
    const parsed = parse(bytes, { datagram: !isReliable(dest.transport) });
    const copy = parsed.ok ? parsed.message : undefined;
    const fault = this.faultFor(local, dest, message);
    const entry = (outcome: LoopOutcome, copies: number, connectionId?: string): void => {
      this.log.push({ seq: this.seq++, at: this.clock.now(), from: local, to: dest, connectionId, bytes, message: copy, outcome, copies });
    };

    if (fault !== undefined && (fault.failAll === true || (fault.failNext ?? 0) > 0)) {
      if (fault.failAll !== true) fault.failNext! -= 1;
      entry('failed', 0);
      return fail('SIP_TRANSPORT_SEND', 'injected send failure');
    }

    // Find the receiver: an open connection named by the caller, else the addressed endpoint.
    let receiver: LoopTransport | undefined;
    let conn: Connection | undefined;
    if (dest.connectionId !== undefined) {
      const c = this.connections.get(dest.connectionId);
      if (c !== undefined && c.open && (c.a === sender || c.b === sender)) {
        conn = c;
        receiver = c.a === sender ? c.b : c.a;
      }
    }
    receiver ??= this.routes.get(addressKey(dest));
    if (receiver === undefined) {
      entry('unreachable', 0);
      // A datagram to nowhere is lost silently; a stream connect is refused.
      if (isReliable(dest.transport)) return fail('SIP_TRANSPORT_CONNECT', 'connection refused');
      return { ok: true, local };
    }
    if (isReliable(dest.transport) && conn === undefined) conn = this.connect(sender, receiver);

    let copies = 1;
    if (fault !== undefined) {
      if ((fault.dropNext ?? 0) > 0) {
        fault.dropNext! -= 1;
        copies = 0;
      } else if (fault.dropProbability !== undefined && this.random() < fault.dropProbability) {
        copies = 0;
      }
      if (copies > 0) {
        copies += fault.duplicate ?? 0;
        if ((fault.duplicateNext ?? 0) > 0) {
          fault.duplicateNext! -= 1;
          copies += 1;
        }
      }
    }
    entry(copies === 0 ? 'dropped' : 'delivered', copies, conn?.id);
    const source = sender.publicFor(dest.transport) ?? local;
    const receiverLocal = receiver.listenerFor(dest.transport) ?? dest;
    const delay = fault?.delayMs ?? 0;
    for (let i = 0; i < copies; i++) {
      this.clock.setTimer(delay, () => {
        const ctx: ReceivedContext = conn === undefined
          ? { source, local: receiverLocal, receivedAt: this.clock.now() }
          : { source, local: receiverLocal, connectionId: conn.id, receivedAt: this.clock.now() };
        receiver!.deliver(bytes, ctx);
      });
    }
    return conn === undefined ? { ok: true, local } : { ok: true, local, connectionId: conn.id };
  }

  private route(address: NetAddress, t: LoopTransport): void {
    const key = addressKey(address);
    if (this.routes.has(key)) throw new Error(`loop address ${key} is already in use`);
    this.routes.set(key, t);
  }

  private connect(a: LoopTransport, b: LoopTransport): Connection {
    const key = pairKey(a, b);
    const existing = this.connectionByPair.get(key);
    if (existing !== undefined) return existing;
    const c: Connection = { id: `loop-conn-${++this.connectionSeq}`, a, b, open: true };
    this.connections.set(c.id, c);
    this.connectionByPair.set(key, c);
    return c;
  }

  private faultFor(from: NetAddress, to: NetAddress, message: SipMessage): LoopFault | undefined {
    for (const key of [faultKey(from, to), faultKey(from, '*'), faultKey('*', to), faultKey('*', '*')]) {
      const f = this.faults.get(key);
      if (f !== undefined && (f.match === undefined || f.match(message))) return f;
    }
    return undefined;
  }
}

/** One endpoint on a LoopNetwork: a SipTransport for the stack under test. */
export class LoopTransport implements SipTransport {
  private user: TransportUser | undefined;

  constructor(
    readonly network: LoopNetwork,
    readonly listeners: readonly NetAddress[],
    readonly publicAddress: NetAddress | undefined,
  ) {}

  /** Registers the layer that receives this endpoint's messages. */
  attach(user: TransportUser): void {
    this.user = user;
  }

  send(message: SipMessage, dest: Destination): Promise<SendResult> {
    return Promise.resolve(this.network.transmit(this, message, dest));
  }

  localAddressFor(dest: NetAddress): NetAddress | undefined {
    return this.listenerFor(dest.transport);
  }

  /** Log entries sent by this endpoint. */
  sent(): LoopLogEntry[] {
    return this.network.sent((e) => this.listeners.includes(e.from));
  }

  /** @internal */
  listenerFor(kind: NetAddress['transport']): NetAddress | undefined {
    return this.listeners.find((l) => l.transport === kind);
  }

  /** @internal */
  publicFor(kind: NetAddress['transport']): NetAddress | undefined {
    return this.publicAddress?.transport === kind ? this.publicAddress : undefined;
  }

  /** @internal parses the bytes afresh (each copy is its own message) and hands them up. */
  deliver(bytes: Buffer, ctx: ReceivedContext): void {
    if (this.user === undefined) return;
    const parsed = parse(bytes, { datagram: !isReliable(ctx.local.transport) });
    // RFC 3261 §18.2.1: the server transport stamps received/rport, as TransportManager does.
    if (parsed.ok && parsed.message.kind === 'request') stampReceived(parsed.message, ctx.source);
    if (parsed.ok) this.user.onMessage({ ...ctx, message: parsed.message });
    else this.user.onInvalid(parsed.partial === undefined ? { ...ctx, error: parsed.error, bytes } : { ...ctx, error: parsed.error, partial: parsed.partial, bytes });
  }
}

function faultKey(from: NetAddress | '*', to: NetAddress | '*'): string {
  return `${from === '*' ? '*' : addressKey(from)}>${to === '*' ? '*' : addressKey(to)}`;
}

function pairKey(a: LoopTransport, b: LoopTransport): string {
  const ka = addressKey(a.listeners[0]);
  const kb = addressKey(b.listeners[0]);
  return ka < kb ? `${ka}~${kb}` : `${kb}~${ka}`;
}

function fail(code: TransportError['code'], message: string): SendResult {
  return { ok: false, error: { code, message } };
}
