/**
 * The supervisor of a worker group (`workers` > 1): checks the UDP ports are free, forks the
 * workers (node:cluster; each binds the UDP listeners with SO_REUSEPORT on the native socket,
 * or node:cluster shares one socket among them on node:dgram), tells each the others' private ports, relays SIGTERM /
 * SIGINT as `stop` and SIGHUP as SIGHUP, and restarts a worker that dies. Worker 0 starts
 * first (it creates the data directory's files), the others once it is ready.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { FORCED_EXIT_CODE } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { SHARD_KEY_BYTES } from '../../sip/transport/index.js';
import { type UdpPort, udpPortsInUse } from './port-check.js';
import { ENV_COUNT, ENV_INDEX, ENV_KEY, type SupervisorMessage, type WorkerMessage, isMessage } from './messages.js';

export interface WorkerGroupOptions {
  readonly count: number;
  readonly logger: Logger;
  /** Pause before a dead worker is started again (default 500 ms). */
  readonly restartDelayMs?: number;
  /** More deaths than this within a minute stop the group (default 5). */
  readonly maxRestartsPerMinute?: number;
  /** The UDP listeners: checked free before any worker starts (port-check.ts). */
  readonly udpListeners?: readonly UdpPort[];
}

export async function runWorkerGroup(o: WorkerGroupOptions): Promise<number> {
  const log = o.logger.child({ component: 'workers' });
  const taken = await udpPortsInUse(o.udpListeners ?? []);
  if (taken.length > 0) {
    for (const line of taken) log.error(line);
    return 1;
  }
  const key = randomBytes(SHARD_KEY_BYTES).toString('hex');
  const ports: (number | null)[] = new Array<number | null>(o.count).fill(null);
  const workers: (Worker | undefined)[] = new Array<Worker | undefined>(o.count).fill(undefined);
  const restarts: number[] = [];
  let stopping = false;
  let worst = 0;
  let onSettled: () => void = () => {};
  const settled = new Promise<void>((resolve) => (onSettled = resolve));
  const readyWaiters = new Map<number, (ready: boolean) => void>();
  /** Worker `index` said ready (true) or died before it did (false). */
  const settleReady = (index: number, ready: boolean): void => {
    readyWaiters.get(index)?.(ready);
    readyWaiters.delete(index);
  };

  const broadcast = (m: SupervisorMessage): void => {
    for (const w of workers) if (w !== undefined && w.isConnected()) w.send(m);
  };
  const live = (): Worker[] => workers.filter((w): w is Worker => w !== undefined);

  const stopAll = (code: number): void => {
    worst = Math.max(worst, code);
    if (stopping) return;
    stopping = true;
    for (const w of live()) if (w.isConnected()) w.send({ sb: 'stop' } satisfies SupervisorMessage);
    if (live().length === 0) onSettled();
  };

  const fork = (index: number): Worker => {
    const w = cluster.fork({ [ENV_INDEX]: String(index), [ENV_COUNT]: String(o.count), [ENV_KEY]: key });
    workers[index] = w;
    w.on('message', (m: unknown) => {
      if (!isMessage<WorkerMessage>(m)) return;
      if (m.sb === 'link') {
        ports[index] = m.port;
        broadcast({ sb: 'peers', ports });
      } else if (m.sb === 'ready') {
        settleReady(index, true);
      } else if (m.sb === 'reload-others') {
        workers.forEach((other, i) => i !== index && other?.process.kill('SIGHUP'));
      }
    });
    w.on('exit', (code, signal) => {
      if (workers[index] === w) {
        workers[index] = undefined;
        ports[index] = null;
      }
      settleReady(index, false);
      if (stopping) {
        worst = Math.max(worst, code ?? 1);
        if (live().length === 0) onSettled();
        return;
      }
      log.error({ worker: index, pid: w.process.pid, code, signal }, 'worker died: starting it again');
      broadcast({ sb: 'peers', ports });
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0] < now - 60_000) restarts.shift();
      if (restarts.length > (o.maxRestartsPerMinute ?? 5)) {
        log.error({ restarts: restarts.length }, 'workers keep dying: stopping the group');
        stopAll(1);
        return;
      }
      setTimeout(() => {
        if (!stopping) fork(index);
      }, o.restartDelayMs ?? 500).unref();
    });
    return w;
  };

  const ready = (index: number): Promise<boolean> =>
    new Promise((resolve) => {
      readyWaiters.set(index, resolve);
      fork(index);
    });

  let signals = 0;
  const onStop = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      log.info({ signal }, 'stopping the workers');
      stopAll(0);
    } else {
      log.warn({ signal }, 'second signal: killing the workers');
      for (const w of live()) w.process.kill('SIGKILL');
      worst = FORCED_EXIT_CODE;
    }
  };
  const onHup = (): void => {
    for (const w of live()) w.process.kill('SIGHUP');
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  try {
    if (!(await ready(0))) {
      if (!stopping) log.error({ worker: 0 }, 'worker 0 did not start');
      stopAll(1);
    } else if (!stopping) {
      const others = await Promise.all(Array.from({ length: o.count - 1 }, (_, i) => ready(i + 1)));
      if (stopping) {
        // a signal came while they started
      } else if (others.some((r) => !r)) {
        log.error('a worker did not start: stopping the group');
        stopAll(1);
      } else if (!stopping) {
        log.info({ workers: o.count, pids: live().map((w) => w.process.pid) }, 'workers started');
      }
    }
    await settled;
    log.info({ code: worst }, 'workers stopped');
    return worst;
  } finally {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  }
}
