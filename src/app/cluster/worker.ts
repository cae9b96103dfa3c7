/**
 * The worker side of a worker group: the private socket that forwarded datagrams arrive on
 * (WorkerLink), the Call-IDs this worker makes (only ones it owns), `ready` once started, and
 * the supervisor's `stop` turned into the lifecycle's first signal.
 */
import { restrictCallIds } from '../../lib/index.js';
import { type DatagramShard, WorkerLink, shardOfCallId } from '../../sip/transport/index.js';
import type { Component, SignalSource } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { type SupervisorMessage, type WorkerMessage, type WorkerRole, isMessage } from './messages.js';

/** What a worker process needs of node:cluster's channel (process.send / 'message'). */
export interface SupervisorChannel {
  send(message: WorkerMessage): void;
  on(event: 'message', listener: (m: unknown) => void): unknown;
  off(event: 'message', listener: (m: unknown) => void): unknown;
}

/** A worker of a group sharing the SIP sockets (`workers` > 1): who it is, how it talks to the supervisor. */
export interface WorkerContext {
  readonly role: WorkerRole;
  readonly channel: SupervisorChannel;
}

export function processChannel(): SupervisorChannel {
  return {
    send: (m) => void process.send?.(m),
    on: (e, l) => process.on(e, l),
    off: (e, l) => process.off(e, l),
  };
}

export interface WorkerLinkComponent extends Component {
  /** The transport's DatagramShard (valid once this component has started). */
  readonly shard: DatagramShard;
}

/** Opens the private socket, tells the supervisor its port and follows the peers table. */
export function createWorkerLink(role: WorkerRole, channel: SupervisorChannel, logger: Logger): WorkerLinkComponent {
  let link: WorkerLink | undefined;
  const opened = (): WorkerLink => {
    if (link === undefined) throw new Error('worker link not started');
    return link;
  };
  const onMessage = (m: unknown): void => {
    if (!isMessage<SupervisorMessage>(m) || m.sb !== 'peers') return;
    link?.setPeers(m.ports.map((p) => p ?? undefined));
    logger.debug({ peers: m.ports }, 'worker peers');
  };
  return {
    name: 'worker-link',
    shard: {
      forward: (listener, data, host, port) => opened().router.forward(listener, data, host, port),
      setReceiver: (receive) => opened().router.setReceiver(receive),
    },
    async start() {
      link = await WorkerLink.open(role.index, role.count, role.key);
      // The answers to requests this worker starts (keep-alive OPTIONS …) carry their Call-ID:
      // it must be one this worker owns.
      restrictCallIds((id) => shardOfCallId(id, role.count) === role.index);
      channel.on('message', onMessage);
      channel.send({ sb: 'link', port: link.port });
    },
    async stop() {
      channel.off('message', onMessage);
      restrictCallIds(undefined);
      await link?.close();
    },
    describe() {
      // `worker` itself is on every line already (the worker's logger binds it).
      return { workers: role.count, ...(link === undefined ? {} : { workerLink: link.port }) };
    },
  };
}

/** The last component: tells the supervisor that every component before it has started. */
export function createReadySignal(channel: SupervisorChannel): Component {
  return {
    name: 'worker-ready',
    async start() {
      channel.send({ sb: 'ready' });
    },
    async stop() {},
  };
}

/**
 * Signals of a worker: its own SIGTERM / SIGINT (Ctrl-C reaches the whole process group) and
 * the supervisor's `stop`, which counts only when no signal came first — otherwise a Ctrl-C
 * and the supervisor's relay of it would count as two and force the exit.
 */
export function workerSignals(channel: SupervisorChannel): SignalSource {
  let signalled = false;
  type Wrapped = { signal: string; handler: (s: NodeJS.Signals) => void; real: (s: NodeJS.Signals) => void; ipc: (m: unknown) => void };
  const wrapped: Wrapped[] = [];
  return {
    on(signal, handler) {
      const real = (s: NodeJS.Signals): void => {
        signalled = true;
        handler(s);
      };
      const ipc = (m: unknown): void => {
        if (signal !== 'SIGTERM' || signalled || !isMessage<SupervisorMessage>(m) || m.sb !== 'stop') return;
        signalled = true;
        handler('SIGTERM');
      };
      wrapped.push({ signal, handler, real, ipc });
      process.on(signal, real);
      channel.on('message', ipc);
    },
    off(signal, handler) {
      const i = wrapped.findIndex((w) => w.signal === signal && w.handler === handler);
      if (i === -1) return;
      const [w] = wrapped.splice(i, 1);
      process.off(signal, w.real);
      channel.off('message', w.ipc);
    },
  };
}
