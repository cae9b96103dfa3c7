/**
 * Node adapter: one `node:dgram` socket per local port. The receive path hands Node's Buffer
 * and rinfo fields straight to the relay (one closure per socket, none per packet); sends use
 * a synchronous lookup because every destination is an IP literal (the default `dns.lookup`
 * defers each send by a process.nextTick).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { type Result, err, ok } from '../../lib/index.js';
import type { BindError, PacketHandler, RelaySocket, RelaySocketFactory } from '../relay/relay-socket.js';

export interface NodeUdpOptions {
  /** SO_RCVBUF in bytes (the kernel clamps it to net.core.rmem_max). Default 4 MiB. */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF in bytes. Default 1 MiB. */
  readonly sendBufferSize?: number;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/** Destinations are IP literals (checked by RelaySession.setRemote / taken from rinfo). */
function literalLookup(address: string, options: unknown, callback?: LookupCallback): void {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  cb(null, address, typeof options === 'number' ? options : isIP(address));
}

class NodeRelaySocket implements RelaySocket {
  private closed = false;

  constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    // After binding, errors (ICMP port unreachable reported on a later send) are ignored:
    // RTP is loss tolerant, and an unhandled 'error' would end the process.
    socket.on('error', () => undefined);
  }

  send(packet: Buffer, port: number, address: string): void {
    if (!this.closed) this.socket.send(packet, port, address);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export class NodeUdpSocketFactory implements RelaySocketFactory {
  constructor(private readonly options: NodeUdpOptions = {}) {}

  bind(address: string, port: number, onPacket: PacketHandler): Promise<Result<RelaySocket, BindError>> {
    const family = isIP(address);
    if (family === 0) return Promise.resolve(err({ code: 'bind-failed', message: `'${address}' is not an IP address` }));
    const socket = createSocket({
      type: family === 6 ? 'udp6' : 'udp4',
      recvBufferSize: this.options.recvBufferSize ?? 4 * 1024 * 1024,
      sendBufferSize: this.options.sendBufferSize ?? 1024 * 1024,
      lookup: literalLookup as never,
    });
    return new Promise((resolve) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        socket.close();
        const message = `udp bind ${address}:${port}: ${e.code ?? e.message}`;
        resolve(err(e.code === 'EADDRINUSE' ? { code: 'address-in-use', message } : { code: 'bind-failed', message }));
      };
      socket.once('error', onError);
      socket.bind({ port, address, exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('message', (msg, rinfo) => onPacket(msg, rinfo.address, rinfo.port));
        resolve(ok(new NodeRelaySocket(socket, socket.address().port)));
      });
    });
  }
}
