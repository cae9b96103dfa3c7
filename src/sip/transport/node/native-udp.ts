/**
 * The SIP UDP listener on the native socket (../native/sip-udp.c) instead of node:dgram: the
 * socket is drained with recvmmsg(2) and handed over a batch at a time, and a turn's sends go
 * out in one sendmmsg(2) at its end. Same contract as the dgram adapter (udp.ts), which stays
 * the fallback when the addon is not built.
 */
import { loadNativeAddon, type NativeAddonLoad } from '../../../lib/index.js';
import { canonicalHost } from '../addresses.js';
import type { DatagramEndpoint, ListenerSpec, OpenResult } from '../driver.js';
import type { NetAddress } from '../types.js';
import { describeError, errnoError, udpSendFailed } from './errors.js';
import { type SendDone, type TurnBatch, TurnSends } from './turn-sends.js';

type SocketHandle = { readonly __brand: 'switchboard_sipudp socket' };

/** A batch: every payload in `data`; datagram i is meta[3i] offset, meta[3i+1] length, meta[3i+2] source port. */
type BatchHandler = (data: Buffer, meta: Int32Array, addresses: string[], count: number) => void;

/** The functions exported by sip-udp.c. */
interface SipUdpAddon {
  readonly BATCH: number;
  /** [handle, bound port, granted SO_RCVBUF (-1: unknown)], or [null, errno, the system call that failed]. */
  open(address: string, port: number, reusePort: boolean, rcvbuf: number, meta: Int32Array, onBatch: BatchHandler): [SocketHandle, number, number] | [null, number, string];
  /** Sends buffers[i] to addresses[i]:ports[i] for i < count (sendmmsg); results[i] is 0 (sent or queued) or -errno. */
  sendBatch(handle: SocketHandle, buffers: readonly Buffer[], ports: Int32Array, addresses: readonly string[], count: number, results: Int32Array): void;
  close(handle: SocketHandle): void;
}

let cached: NativeAddonLoad<SipUdpAddon> | undefined;

/** Loads the addon once per process; the result (or why it failed) is cached. */
export function loadSipUdpAddon(): NativeAddonLoad<SipUdpAddon> {
  cached ??= loadNativeAddon<SipUdpAddon>({
    file: 'switchboard_sipudp.node',
    envVar: 'SWITCHBOARD_SIPUDP_ADDON',
    what: 'native SIP UDP socket',
    exportName: 'open',
    from: import.meta.url,
  });
  return cached;
}

/**
 * Binds spec.host:spec.port with the native socket. `reusePort` sets SO_REUSEPORT: the
 * processes of one worker group each bind their own socket to the port.
 */
export function openNativeUdp(
  addon: SipUdpAddon,
  spec: ListenerSpec,
  recvBufferSize: number,
  reusePort: boolean,
  onDatagram: (data: Buffer, host: string, port: number) => void,
): OpenResult<DatagramEndpoint> {
  const meta = new Int32Array(addon.BATCH * 3);
  const onBatch: BatchHandler = (data, m, addresses, count) => {
    for (let i = 0; i < count; i++) {
      const offset = m[3 * i];
      const address = addresses[i];
      // IPv4 sources (IPv4-mapped ones included) come as dotted quads; IPv6 in RFC 5952 form.
      onDatagram(data.subarray(offset, offset + m[3 * i + 1]), address.includes(':') ? canonicalHost(address) : address, m[3 * i + 2]);
    }
  };
  const opened = addon.open(spec.host, spec.port, reusePort, recvBufferSize, meta, onBatch);
  if (opened[0] === null) {
    const why = describeError(errnoError(opened[1], opened[2]));
    return { ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `cannot listen on udp ${spec.host}:${spec.port}: ${why}` } };
  }
  const [handle, port, granted] = opened;
  return { ok: true, value: new NativeUdpEndpoint(addon, handle, { transport: 'udp', host: spec.host, port }, granted > 0 ? granted : undefined) };
}

class NativeUdpEndpoint implements DatagramEndpoint {
  readonly engine = 'native' as const;
  private closed = false;
  private readonly sends = new TurnSends((batch) => this.handOver(batch));
  /** What sendBatch reports per datagram (grown with the largest turn). */
  private results = new Int32Array(64);

  constructor(
    private readonly addon: SipUdpAddon,
    private readonly handle: SocketHandle,
    readonly local: NetAddress,
    readonly recvBufferSize: number | undefined,
  ) {}

  /** Handed to the kernel with the turn's other datagrams in one sendmmsg(2) at its end (turn-sends.ts). */
  send(data: Buffer, host: string, port: number, done: SendDone): void {
    this.sends.add(data, host, port, done);
  }

  private handOver({ count, buffers, hosts, ports, dones }: TurnBatch): void {
    if (this.results.length < count) this.results = new Int32Array(ports.length);
    const results = this.results;
    this.addon.sendBatch(this.handle, buffers, ports, hosts, count, results);
    for (let i = 0; i < count; i++) {
      const r = results[i];
      dones[i](r === 0 ? undefined : udpSendFailed(hosts[i], ports[i], errnoError(r, 'sendmmsg')));
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.sends.close();
      this.addon.close(this.handle);
    }
    return Promise.resolve();
  }
}
