/**
 * UDP adapter for the ng control protocol (node:dgram): every datagram goes to `NgProtocol`,
 * and its reply is sent back to the datagram's source, as rtpengine's `--listen-ng` does.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { type Result, ok, err } from '../../lib/index.js';
import type { NgProtocol } from '../ng-protocol.js';

export interface NgServerOptions {
  /** Kernel receive buffer to ask for (bursts of offers from a loaded proxy). */
  readonly recvBufferSize?: number;
  /** Called when a reply cannot be sent (e.g. too large for a datagram). */
  readonly onSendError?: (error: Error) => void;
}

export class NgServer {
  private socket: Socket | undefined;
  private bound: { host: string; port: number } | undefined;

  constructor(
    private readonly protocol: NgProtocol,
    private readonly options: NgServerOptions = {},
  ) {}

  /** The bound address once listening (port 0 becomes the port the system chose). */
  get address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  listen(address: string, port: number): Promise<Result<{ host: string; port: number }, string>> {
    if (this.socket !== undefined) return Promise.resolve(err('ng server is already listening'));
    const family = isIP(address);
    if (family === 0) return Promise.resolve(err(`ng: '${address}' is not an IP address`));
    const socket = createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
    return new Promise((resolve) => {
      const onError = (e: Error): void => {
        socket.close();
        resolve(err(`ng: cannot listen on udp ${address}:${port}: ${e.message}`));
      };
      socket.once('error', onError);
      socket.bind(port, address, () => {
        socket.off('error', onError);
        // Errors after binding (ICMP unreachable reported on Linux) must not close the socket.
        socket.on('error', () => undefined);
        if (this.options.recvBufferSize !== undefined) {
          try {
            socket.setRecvBufferSize(this.options.recvBufferSize);
          } catch {
            // The kernel may refuse; the default buffer still works.
          }
        }
        socket.on('message', (msg, rinfo) => this.onMessage(socket, msg, rinfo.address, rinfo.port));
        this.socket = socket;
        this.bound = { host: address, port: socket.address().port };
        resolve(ok(this.bound));
      });
    });
  }

  private onMessage(socket: Socket, msg: Buffer, host: string, port: number): void {
    void this.protocol.handle(msg, { host, port }).then(
      (reply) => {
        if (reply === undefined || this.socket !== socket) return;
        socket.send(reply, port, host, (e) => {
          if (e) this.options.onSendError?.(e);
        });
      },
      (e: unknown) => this.options.onSendError?.(e instanceof Error ? e : new Error(String(e))),
    );
  }

  close(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined) return Promise.resolve();
    this.socket = undefined;
    this.bound = undefined;
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
