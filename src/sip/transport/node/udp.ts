/** UDP adapter (node:dgram), IPv4 and IPv6 (RFC 3261 §18). */
import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { canonicalHost, ipFamily } from '../addresses.js';
import type { DatagramEndpoint, DriverOptions, ListenerSpec, OpenResult } from '../driver.js';
import type { NetAddress } from '../types.js';
import { describeError, udpSendFailed } from './errors.js';
import { loadSipUdpAddon, openNativeUdp } from './native-udp.js';
import { type SendDone, type TurnBatch, TurnSends } from './turn-sends.js';

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

class UdpEndpoint implements DatagramEndpoint {
  readonly engine = 'dgram' as const;
  private closed = false;
  private readonly sends = new TurnSends((batch) => this.handOver(batch));
  /** A dual-stack IPv6 socket reaches IPv4 destinations through IPv4-mapped addresses. */
  private readonly mapsIpv4: boolean;

  constructor(
    private readonly socket: Socket,
    readonly local: NetAddress,
    readonly recvBufferSize: number | undefined,
  ) {
    this.mapsIpv4 = ipFamily(local.host) === 6;
  }

  /** Handed to the kernel with the turn's other datagrams at its end, in order (turn-sends.ts). */
  send(data: Buffer, host: string, port: number, done: SendDone): void {
    this.sends.add(data, host, port, done);
  }

  private handOver({ count, buffers, hosts, ports, dones }: TurnBatch): void {
    for (let i = 0; i < count; i++) {
      const host = hosts[i];
      const port = ports[i];
      const done = dones[i];
      const target = this.mapsIpv4 && ipFamily(host) === 4 ? `::ffff:${host}` : host;
      try {
        this.socket.send(buffers[i], port, target, (e) => done(e ? udpSendFailed(host, port, e) : undefined));
      } catch (e) {
        done(udpSendFailed(host, port, e));
      }
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.sends.close();
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
