/**
 * The datagrams a UDP endpoint is asked to send during one event-loop turn, handed to its
 * socket together at the end of the turn, in order: the answers to one poll of the socket go
 * out as one burst (and the peer wakes once for them). Shared by the node:dgram and the native
 * endpoint; only what "handing over" means differs.
 */
import type { TransportError } from '../types.js';

export type SendDone = (e: TransportError | undefined) => void;

/** One turn's datagrams: datagram i is buffers[i] to hosts[i]:ports[i], reported to dones[i]. */
export interface TurnBatch {
  readonly count: number;
  readonly buffers: readonly Buffer[];
  readonly hosts: readonly string[];
  readonly ports: Int32Array;
  readonly dones: readonly SendDone[];
}

const CLOSED: TransportError = { code: 'SIP_TRANSPORT_CLOSED', message: 'UDP listener is closed' };

export class TurnSends {
  private buffers: Buffer[] = [];
  private hosts: string[] = [];
  private ports = new Int32Array(64);
  private dones: SendDone[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private closed = false;

  /** `handOver` sends the batch and calls every done; the batch is its own (nothing here touches it again). */
  constructor(private readonly handOver: (batch: TurnBatch) => void) {}

  /** Queues a datagram for the end of this turn; after close(), fails it at once. */
  add(data: Buffer, host: string, port: number, done: SendDone): void {
    if (this.closed) {
      done(CLOSED);
      return;
    }
    const n = this.buffers.length;
    if (n === this.ports.length) {
      const grown = new Int32Array(2 * n);
      grown.set(this.ports);
      this.ports = grown;
    }
    this.buffers.push(data);
    this.hosts.push(host);
    this.ports[n] = port;
    this.dones.push(done);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Hands over what is queued now (a final response during shutdown still goes out); later sends fail. */
  close(): void {
    if (this.flushing !== undefined) {
      clearImmediate(this.flushing);
      this.flush();
    }
    this.closed = true;
  }

  private flush(): void {
    this.flushing = undefined;
    const batch: TurnBatch = { count: this.buffers.length, buffers: this.buffers, hosts: this.hosts, ports: this.ports, dones: this.dones };
    this.buffers = [];
    this.hosts = [];
    this.ports = new Int32Array(this.ports.length);
    this.dones = [];
    this.handOver(batch);
  }
}
