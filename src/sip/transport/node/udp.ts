/** UDP adapter (node:dgram), IPv4 and IPv6 (RFC 3261 §18). */
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { canonicalHost, ipFamily } from '../addresses.js';
import type { DatagramEndpoint, DriverOptions, ListenerSpec, OpenResult } from '../driver.js';
import type { NetAddress, TransportError } from '../types.js';
import { describeError } from './errors.js';
import { loadSipUdpAddon, openNativeUdp } from './native-udp.js';

/**
 * Binds a UDP socket; every datagram received goes to `onDatagram`. The native socket
 * (native-udp.ts) when it is built and not refused by `options.udpEngine`, else node:dgram.
 */
export function openUdp(
  spec: ListenerSpec,
  options: DriverOptions,
  onDatagram: (data: Buffer, host: string, port: number) => void,
): Promise<OpenResult<DatagramEndpoint>> {
  const family = ipFamily(spec.host);
  if (family === 0) {
    return Promise.resolve({ ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `udp: '${spec.host}' is not an IP address` } });
  }
  const engine = options.udpEngine ?? 'auto';
  if (engine !== 'dgram') {
    const load = loadSipUdpAddon();
    if (load.ok) return Promise.resolve(openNativeUdp(load.addon, spec, options.recvBufferSize, options.udpReusePort === true, onDatagram));
    if (engine === 'native') return Promise.resolve({ ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `cannot listen on udp ${spec.host}:${spec.port}: ${load.reason}` } });
  }
  const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalLookup });
  return new Promise((resolve) => {
    const onError = (e: Error): void => {
      socket.close();
      resolve({ ok: false, error: { code: 'SIP_TRANSPORT_LISTEN', message: `cannot listen on udp ${spec.host}:${spec.port}: ${describeError(e)}` } });
    };
    socket.once('error', onError);
    socket.bind(spec.port, spec.host, () => {
      socket.off('error', onError);
      // Errors after binding (e.g. ICMP port unreachable reported on Linux) do not close the socket.
      socket.on('error', () => undefined);
      let granted: number | undefined;
      try {
        // A large receive buffer absorbs bursts; the kernel may clamp it (net.core.rmem_max).
        socket.setRecvBufferSize(options.recvBufferSize);
        granted = socket.getRecvBufferSize();
      } catch {
        granted = undefined;
      }
      socket.on('message', (msg, rinfo) => onDatagram(msg, canonicalHost(rinfo.address), rinfo.port));
      resolve({ ok: true, value: new UdpEndpoint(socket, { transport: 'udp', host: spec.host, port: socket.address().port }, granted) });
    });
  });
}

/**
 * dgram resolves the address of every send with dns.lookup, which answers an IP literal on
 * the next tick: one more closure and tick per datagram. Every address we send to is already
 * a literal (RFC 3263 resolution happens above the transport), so it is answered at once.
 */
const literalLookup = ((address: string, family: number, callback: (e: Error | null, address: string, family: number) => void): void => {
  const literal = isIP(address);
  if (literal !== 0) callback(null, address, literal);
  else dnsLookup(address, family, callback);
}) as unknown as SocketOptions['lookup'];

interface PendingSend {
  readonly data: Buffer;
  readonly host: string;
  readonly port: number;
  readonly target: string;
  readonly done: (e: TransportError | undefined) => void;
}

class UdpEndpoint implements DatagramEndpoint {
  readonly engine = 'dgram' as const;
  private closed = false;
  private pending: PendingSend[] = [];
  private flushing: NodeJS.Immediate | undefined;

  constructor(
    private readonly socket: Socket,
    readonly local: NetAddress,
    readonly recvBufferSize: number | undefined,
  ) {}

  /**
   * Datagrams are handed to the kernel together at the end of the event-loop turn, in the
   * order they were sent: the messages handled from one poll of the socket go out as one burst.
   */
  send(data: Buffer, host: string, port: number, done: (e: TransportError | undefined) => void): void {
    if (this.closed) {
      done({ code: 'SIP_TRANSPORT_CLOSED', message: 'UDP listener is closed' });
      return;
    }
    // A dual-stack IPv6 socket reaches IPv4 destinations through IPv4-mapped addresses.
    const target = ipFamily(this.local.host) === 6 && ipFamily(host) === 4 ? `::ffff:${host}` : host;
    this.pending.push({ data, host, port, target, done });
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = undefined;
    const batch = this.pending;
    this.pending = [];
    // close() flushes before it marks the endpoint closed, so every queued send is made here.
    for (const p of batch) {
      try {
        this.socket.send(p.data, p.port, p.target, (e) => p.done(e ? sendFailed(p, e) : undefined));
      } catch (e) {
        p.done(sendFailed(p, e));
      }
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // What was sent before the close still goes out (a final response during shutdown).
    if (this.flushing !== undefined) {
      clearImmediate(this.flushing);
      this.flush();
    }
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

function sendFailed(p: PendingSend, e: unknown): TransportError {
  return { code: 'SIP_TRANSPORT_SEND', message: `udp send to ${p.host}:${p.port}: ${describeError(e)}` };
}
