/**
 * NAT keep-alive (Kamailio nathelper's `natping` with `sipping`): every interval, an OPTIONS
 * to each binding that sits behind a NAT or on a connection this node holds, sent to the
 * pinhole its REGISTER came through. The ping keeps the NAT mapping open; a contact that
 * does not answer (Timer F, RFC 3261 §17.1.2.2) or cannot be reached any more (its
 * connection closed) is removed from the location store, so calls stop forking to it.
 * Any response — even 404 or 405 — proves the contact alive.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type Clock, type TimerHandle, newBranch, newCallId, newTag } from '../lib/index.js';
import type { Binding, LocationStore } from '../location/index.js';
import type { Endpoint } from '../sip/endpoint/index.js';
import { NameAddr, SipUri, createRequest, parseUri } from '../sip/message/index.js';
import { type Destination, type NetAddress, type TransportKind, isTransportKind, localViaFor } from '../sip/transport/index.js';

/**
 * AORs read per page of a round. A round used to list every registration in one call: with
 * 100,000 users that decoded every row on one turn of the event loop and sent 100,000 OPTIONS
 * at once. Pages keep each turn short, and other messages are handled between pages.
 */
const PAGE = 500;

export interface NatKeepaliveOptions {
  readonly endpoint: Endpoint;
  readonly location: LocationStore;
  readonly clock: Clock;
  /** Time between two rounds of pings, ms. */
  readonly intervalMs: number;
  /** This node's name: only connections it holds are pinged on stream transports. */
  readonly node?: string;
  /** The host for the From of the pings (our first domain). */
  readonly fromHost: string;
  /** A contact was found dead and removed. */
  readonly onDead?: (aor: string, contact: string, why: string) => void;
  readonly onError?: (err: unknown) => void;
}

export interface KeepaliveRound {
  readonly pinged: number;
}

export class NatKeepalive {
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = false;
  private readonly inFlight = new Set<string>();

  constructor(private readonly o: NatKeepaliveOptions) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /**
   * One round: pings every binding that needs it, a page of AORs at a time (in AOR order, the
   * next page after the last AOR of the previous one), yielding to the event loop between
   * pages; resolves once the pings are sent.
   */
  async round(): Promise<KeepaliveRound> {
    let pinged = 0;
    let after: string | undefined;
    for (;;) {
      const entries = await this.o.location.list(this.o.clock.wallNow(), { limit: PAGE, ...(after === undefined ? {} : { after }) });
      for (const e of entries) {
        for (const b of e.bindings) {
          const dest = this.destinationOf(b);
          if (dest === undefined) continue;
          const key = `${e.aor}\n${b.contact}`;
          if (this.inFlight.has(key)) continue; // the last ping is still waiting for Timer F
          if (this.ping(e.aor, b, dest, key)) pinged++;
        }
      }
      if (entries.length < PAGE || this.stopped) return { pinged };
      after = entries[entries.length - 1].aor;
      await nextTurn();
    }
  }

  /** Where the ping goes: the NAT pinhole, or the connection this node holds; else none. */
  private destinationOf(b: Binding): Destination | undefined {
    const transport = b.source.transport.toLowerCase();
    if (!isTransportKind(transport)) return undefined;
    const base = { transport, host: b.source.host, port: b.source.port };
    if (transport !== 'udp') {
      if (b.connectionId === undefined || (b.node !== undefined && b.node !== this.o.node)) return undefined;
      return { ...base, connectionId: b.connectionId };
    }
    if (b.nat !== true) return undefined;
    const local = parseLocal(b.local);
    return local === undefined ? base : { ...base, local };
  }

  private ping(aor: string, b: Binding, dest: Destination, key: string): boolean {
    const uri = parseUri(b.contact);
    const via = localViaFor(this.o.endpoint.transport, dest, newBranch());
    if (uri === undefined || via === undefined) return false;
    const request = createRequest({
      method: 'OPTIONS',
      uri,
      via,
      from: NameAddr.of(new SipUri({ scheme: 'sip', user: 'keepalive', host: this.o.fromHost }), undefined, [{ name: 'tag', value: newTag() }]),
      to: NameAddr.of(uri),
      callId: newCallId(),
      cseq: 1,
    });
    const dead = (why: string): void => {
      this.inFlight.delete(key);
      void this.remove(aor, b, why);
    };
    const tx = this.o.endpoint.transactions.createClientTransaction(request, dest, {
      onResponse: () => void this.inFlight.delete(key),
      onTimeout: () => dead('no answer to keep-alive OPTIONS'),
      onTransportError: (_tx, e) => dead(`keep-alive could not be sent: ${e.message}`),
    });
    if (!tx.ok) return false;
    this.inFlight.add(key);
    return true;
  }

  /** Removes the binding unless the UA registered it again meanwhile (new Call-ID/CSeq). */
  private async remove(aor: string, b: Binding, why: string): Promise<void> {
    try {
      const removed = await this.o.location.modify(aor, this.o.clock.wallNow(), (current) => {
        const kept = current.filter((x) => !(x.contact === b.contact && x.callId === b.callId && x.cseq === b.cseq));
        return { bindings: kept, result: kept.length !== current.length };
      });
      if (removed) this.o.onDead?.(aor, b.contact, why);
    } catch (err) {
      this.o.onError?.(err);
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.o.clock.setTimer(this.o.intervalMs, () => {
      this.round().then(
        () => this.schedule(),
        (err: unknown) => {
          this.o.onError?.(err);
          this.schedule();
        },
      );
    });
  }
}

function parseLocal(text: string | undefined): NetAddress | undefined {
  if (text === undefined) return undefined;
  const m = /^(udp|tcp|tls|ws|wss):\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  return m === null ? undefined : { transport: m[1] as TransportKind, host: m[2], port: Number(m[3]) };
}
