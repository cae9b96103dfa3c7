/**
 * The worker group's messages over node:cluster's IPC channel, and what a worker learns from
 * its environment. One process (the supervisor) forks `workers` processes that all run the
 * server and share its UDP listeners; see supervisor.ts and worker.ts.
 */
import { SHARD_KEY_BYTES } from '../../sip/transport/index.js';

export const ENV_INDEX = 'SWITCHBOARD_WORKER_INDEX';
export const ENV_COUNT = 'SWITCHBOARD_WORKER_COUNT';
export const ENV_KEY = 'SWITCHBOARD_WORKER_KEY';

export type WorkerMessage =
  /** worker → supervisor: my private socket for forwarded datagrams listens on this port. */
  | { readonly sb: 'link'; readonly port: number }
  /** worker → supervisor: every component has started. */
  | { readonly sb: 'ready' }
  /** worker → supervisor: `switchboard reload` ran here; reload the other workers too. */
  | { readonly sb: 'reload-others' };

export type SupervisorMessage =
  /** supervisor → workers: every worker's private port, by index (null: not up yet). */
  | { readonly sb: 'peers'; readonly ports: readonly (number | null)[] }
  /** supervisor → worker: stop gracefully (as SIGTERM does). */
  | { readonly sb: 'stop' };

export function isMessage<T extends { sb: string }>(m: unknown): m is T {
  return m !== null && typeof m === 'object' && typeof (m as { sb?: unknown }).sb === 'string';
}

/** Who this process is in the group. */
export interface WorkerRole {
  /** 0-based; worker 0 also runs the admin API, keep-alives and expiry purging. */
  readonly index: number;
  readonly count: number;
  /** The group's secret for forwarded frames. */
  readonly key: Buffer;
}

/** The role given by the supervisor in the environment, or undefined for a lone server. */
export function roleFromEnv(env: NodeJS.ProcessEnv): WorkerRole | undefined {
  const index = Number(env[ENV_INDEX]);
  const count = Number(env[ENV_COUNT]);
  const key = Buffer.from(env[ENV_KEY] ?? '', 'hex');
  if (env[ENV_INDEX] === undefined || !Number.isInteger(index) || !Number.isInteger(count) || index < 0 || index >= count) return undefined;
  if (key.length !== SHARD_KEY_BYTES) return undefined;
  return { index, count, key };
}
