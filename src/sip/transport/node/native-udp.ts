/**
 * The SIP UDP listener on the native socket (../native/sip-udp.c) instead of node:dgram: the
 * socket is drained with recvmmsg(2) and handed over a batch at a time, and a send is one
 * sendmmsg(2) at the end of the caller's event-loop turn. Same contract as the dgram adapter (udp.ts), which stays
 * the fallback when the addon is not built.
 */
import { loadNativeAddon, type NativeAddonLoad } from '../../../lib/index.js';
import { canonicalHost } from '../addresses.js';
import type { DatagramEndpoint, ListenerSpec, OpenResult } from '../driver.js';
import type { NetAddress, TransportError } from '../types.js';

type SocketHandle = { readonly __brand: 'switchboard_sipudp socket' };

/** A batch: every payload in `data`; datagram i is meta[3i] offset, meta[3i+1] length, meta[3i+2] source port. */
type BatchHandler = (data: Buffer, meta: Int32Array, addresses: string[], count: number) => void;

/** The functions exported by sip-udp.c. */
interface SipUdpAddon {
  readonly BATCH: number;
  open(address: string, port: number, reusePort: boolean, rcvbuf: number, meta: Int32Array, onBatch: BatchHandler): [SocketHandle, number, number] | [null, string, string];
  /** 0 when sent or queued, else -errno. */
  send(handle: SocketHandle, data: Buffer, port: number, address: string): number;
  /** Sends buffers[i] to addresses[i]:ports[i] for i < count (sendmmsg); results[i] is 0 or -errno. */
  sendBatch(handle: SocketHandle, buffers: Buffer[], ports: Int32Array, addresses: string[], count: number, results: Int32Array): void;
  /** [octets queued for a full send buffer, datagrams dropped because that queue was full] (tests). */
  stats(handle: SocketHandle): [number, number];
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

const ERRNO: Record<number, string> = { 1: 'EPERM', 9: 'EBADF', 13: 'EACCES', 22: 'EINVAL', 90: 'EMSGSIZE', 97: 'EAFNOSUPPORT', 101: 'ENETUNREACH', 105: 'ENOBUFS', 113: 'EHOSTUNREACH' };

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
    const [, code, message] = opened;
    const why = code === 'EADDRINUSE' ? 'address already in use (EADDRINUSE)' : code === 'EADDRNOTAVAIL' ? 'address not available on this host (EADDRNOTAVAIL)' : message;
    return { ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `cannot listen on udp ${spec.host}:${spec.port}: ${why}` } };
  }
  const [handle, port, granted] = opened;
  return { ok: true, value: new NativeUdpEndpoint(addon, handle, { transport: 'udp', host: spec.host, port }, granted > 0 ? granted : undefined) };
}

class NativeUdpEndpoint implements DatagramEndpoint {
  readonly engine = 'native' as const;
  private closed = false;
  // The datagrams of this event-loop turn, in order (parallel arrays, reused).
  private buffers: Buffer[] = [];
  private hosts: string[] = [];
  private ports = new Int32Array(64);
  private results = new Int32Array(64);
  private dones: ((e: TransportError | undefined) => void)[] = [];
  private flushing: NodeJS.Immediate | undefined;

  constructor(
    private readonly addon: SipUdpAddon,
    private readonly handle: SocketHandle,
    readonly local: NetAddress,
    readonly recvBufferSize: number | undefined,
  ) {}

  /**
   * Queued until the end of this event-loop turn, then handed to the kernel with the turn's
   * other datagrams in one sendmmsg(2): the responses to one batch of requests go out as one
   * burst, and the peer wakes once for them rather than once each.
   */
  send(data: Buffer, host: string, port: number, done: (e: TransportError | undefined) => void): void {
    if (this.closed) {
      done({ code: 'SIP_TRANSPORT_CLOSED', message: 'UDP listener is closed' });
      return;
    }
    const n = this.buffers.length;
    if (n === this.ports.length) {
      const grown = new Int32Array(2 * n);
      grown.set(this.ports);
      this.ports = grown;
      this.results = new Int32Array(2 * n);
    }
    this.buffers.push(data);
    this.hosts.push(host);
    this.ports[n] = port;
    this.dones.push(done);
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = undefined;
    const { buffers, hosts, dones, ports, results } = this;
    const count = buffers.length;
    this.buffers = [];
    this.hosts = [];
    this.dones = [];
    this.addon.sendBatch(this.handle, buffers, ports, hosts, count, results);
    for (let i = 0; i < count; i++) {
      const r = results[i];
      dones[i](r === 0 ? undefined : { code: 'SIP_TRANSPORT_SEND', message: `udp send to ${hosts[i]}:${ports[i]}: ${ERRNO[-r] ?? `errno ${-r}`}` });
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      // What was sent before the close still goes out (a final response during shutdown).
      if (this.flushing !== undefined) {
        clearImmediate(this.flushing);
        this.flush();
      }
      this.closed = true;
      this.addon.close(this.handle);
    }
    return Promise.resolve();
  }
}
