/** What `start` needs from the outside world; tests replace any of it. */
import type { DestinationStream } from 'pino';
import type { Clock } from '../../lib/index.js';
import type { Config } from '../config/index.js';
import type { Component, SignalSource } from '../lifecycle.js';
import type { Logger } from '../log.js';
import type { WorkerGroupOptions } from '../cluster/supervisor.js';
import type { WorkerContext } from '../cluster/worker.js';

/** Re-reads the config file the server started with (for `reload` / SIGHUP). */
export type ReloadConfig = () => { ok: true; value: Config } | { ok: false; error: string };

export interface StartDeps {
  /** The composition seam (src/app/server.ts). */
  readonly buildComponents: (config: Config, logger: Logger, reloadConfig?: ReloadConfig, worker?: WorkerContext) => Promise<Component[]>;
  /** `workers` > 1 in the supervisor process: forks and supervises the workers. */
  readonly runWorkerGroup: (options: WorkerGroupOptions) => Promise<number>;
  /** This process's place in a worker group (from the supervisor's environment), if any. */
  readonly worker?: WorkerContext;
  readonly signals: SignalSource;
  /** On a second signal; default: flush what can be flushed and process.exit. */
  readonly forceExit: (code: number) => void;
  /** Log output; default stdout. */
  readonly logDestination?: DestinationStream;
  readonly clock?: Clock;
  /** Host addresses for default domains of wildcard listeners. */
  readonly interfaceAddresses?: () => readonly string[];
}
