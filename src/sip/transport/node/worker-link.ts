/**
 * The private socket of one worker process for forwarded datagrams (shard.ts): UDP on
 * 127.0.0.1 with a kernel-chosen port, bound `exclusive` so that node:cluster does not share
 * it between the workers as it shares the SIP listeners. The worker group's supervisor tells
 * every worker the others' ports (setPeers).
 */
import { createSocket, type Socket } from 'node:dgram';
import { ShardRouter } from '../shard.js';
import { describeError } from './errors.js';

const LOOPBACK = '127.0.0.1';

export class WorkerLink {
  readonly router: ShardRouter;
  private peers: readonly (number | undefined)[] = [];
  private sendErrors = 0;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    index: number,
    count: number,
    key: Buffer,
  ) {
    this.router = new ShardRouter({ index, count, key, send: (i, frame) => this.send(i, frame) });
    socket.on('message', (frame, rinfo) => {
      // Only frames from a worker of this group (a peer's port on loopback) are read; the
      // router also checks the group's key.
      if (rinfo.address === LOOPBACK && this.peers.includes(rinfo.port)) this.router.onFrame(frame);
    });
  }

  /** Binds the private socket; rejects with a message when it cannot. */
  static open(index: number, count: number, key: Buffer): Promise<WorkerLink> {
    const socket = createSocket({ type: 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', (e) => reject(new Error(`worker link: cannot bind ${LOOPBACK}: ${describeError(e)}`)));
      socket.bind({ address: LOOPBACK, port: 0, exclusive: true }, () => {
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        try {
          // Forwarded bursts queue here as on the SIP socket.
          socket.setRecvBufferSize(4 * 1024 * 1024);
        } catch {
          // the kernel's limit applies
        }
        resolve(new WorkerLink(socket, socket.address().port, index, count, key));
      });
    });
  }

  /** The private ports of every worker, by index (undefined: not started yet). */
  setPeers(ports: readonly (number | undefined)[]): void {
    this.peers = [...ports];
  }

  /** Failed sends so far (a restarted worker's old port, a full buffer). */
  get errors(): number {
    return this.sendErrors;
  }

  private send(index: number, frame: Buffer): boolean {
    const port = this.peers[index];
    if (port === undefined) return false;
    this.socket.send(frame, port, LOOPBACK, (e) => {
      if (e) this.sendErrors++;
    });
    return true;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
