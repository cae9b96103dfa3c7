/**
 * Process lifecycle: an ordered list of components started in order and stopped in reverse
 * order. A failed start stops the components already started; a stop is graceful but bounded
 * by a grace period; SIGTERM / SIGINT stop the server and a second signal forces the exit.
 */
import { type Clock, type Result, ok, err, systemClock } from '../lib/index.js';
import type { Logger } from './log.js';

/** A part of the running server (transports, transaction layer, registrar …). */
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  /** May wait for in-flight work; the lifecycle stops waiting after the grace period. */
  stop(): Promise<void>;
  /** Fields for the `started` log line, e.g. `{ listeners: [...] }` with the bound ports. */
  describe?(): Record<string, unknown>;
}

export interface LifecycleOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Bound on the whole stop sequence, in ms; default 5000. */
  readonly gracePeriodMs?: number;
  /** Extra fields of the `started` line (component describe() values win). */
  readonly startedFields?: Record<string, unknown>;
}

export interface StartFailure {
  readonly component: string;
  readonly error: unknown;
}

export interface StopReport {
  /** Every component stopped in time without an error. */
  readonly clean: boolean;
  readonly failed: readonly string[];
  readonly timedOut: readonly string[];
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export const DEFAULT_GRACE_PERIOD_MS = 5000;

function errorFields(e: unknown): Record<string, unknown> {
  return e instanceof Error ? { err: e } : { err: String(e) };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Calls `fn`, turning a synchronous throw into a rejected promise. */
function call(fn: () => Promise<void>): Promise<void> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}

export class Lifecycle {
  private state: State = 'idle';
  private readonly started: Component[] = [];
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly gracePeriodMs: number;

  constructor(
    private readonly components: readonly Component[],
    private readonly options: LifecycleOptions,
  ) {
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.gracePeriodMs = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
  }

  /** Starts every component in order; on a failure stops those already started (reverse order). */
  async start(): Promise<Result<void, StartFailure>> {
    if (this.state !== 'idle') throw new Error(`Lifecycle.start() called in state ${this.state}`);
    this.state = 'starting';
    for (const c of this.components) {
      this.logger.debug({ component: c.name }, 'starting component');
      try {
        await call(() => c.start());
      } catch (e) {
        this.logger.error({ component: c.name, ...errorFields(e) }, `failed to start ${c.name}: ${errorText(e)}`);
        await this.stop();
        return err({ component: c.name, error: e });
      }
      this.started.push(c);
    }
    this.state = 'running';
    const described = this.components.map((c) => c.describe?.() ?? {});
    this.logger.info(Object.assign({ components: this.components.map((c) => c.name) }, this.options.startedFields, ...described), 'started');
    return ok(undefined);
  }

  /**
   * Stops the started components in reverse order. The whole sequence shares one deadline:
   * a stop() still pending at the deadline is abandoned (logged) and the next one is called.
   */
  async stop(): Promise<StopReport> {
    if (this.state === 'stopping' || this.state === 'stopped') throw new Error(`Lifecycle.stop() called in state ${this.state}`);
    this.state = 'stopping';
    const deadline = this.clock.now() + this.gracePeriodMs;
    const failed: string[] = [];
    const timedOut: string[] = [];
    while (this.started.length > 0) {
      const c = this.started.pop() as Component;
      this.logger.debug({ component: c.name }, 'stopping component');
      const outcome = await this.bounded(call(() => c.stop()), deadline - this.clock.now());
      if (outcome.kind === 'timeout') {
        timedOut.push(c.name);
        this.logger.warn({ component: c.name, gracePeriodMs: this.gracePeriodMs }, `${c.name} did not stop within the grace period`);
      } else if (outcome.kind === 'error') {
        failed.push(c.name);
        this.logger.error({ component: c.name, ...errorFields(outcome.error) }, `failed to stop ${c.name}: ${errorText(outcome.error)}`);
      }
    }
    this.state = 'stopped';
    return { clean: failed.length === 0 && timedOut.length === 0, failed, timedOut };
  }

  private bounded(p: Promise<void>, remainingMs: number): Promise<{ kind: 'done' } | { kind: 'timeout' } | { kind: 'error'; error: unknown }> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(Math.max(0, remainingMs), () => resolve({ kind: 'timeout' }));
      p.then(
        () => {
          timer.cancel();
          resolve({ kind: 'done' });
        },
        (error: unknown) => {
          timer.cancel();
          resolve({ kind: 'error', error });
        },
      );
    });
  }
}

/** The part of `process` the runner uses (a fake in tests). */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', handler: (signal: NodeJS.Signals) => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', handler: (signal: NodeJS.Signals) => void): unknown;
}

export interface RunOptions {
  readonly logger: Logger;
  readonly signals?: SignalSource;
  /** Called on a second signal; default: process.exit. */
  readonly forceExit?: (code: number) => void;
}

/** Exit code when a second signal cuts the graceful stop short (128 + SIGINT). */
export const FORCED_EXIT_CODE = 130;

/**
 * Starts the lifecycle, waits for SIGTERM or SIGINT, stops it and returns the exit code:
 * 0 after a clean stop, 1 when a start failed or a component failed to stop in time.
 */
export async function runUntilSignal(lifecycle: Lifecycle, options: RunOptions): Promise<number> {
  const { logger } = options;
  const signals: SignalSource = options.signals ?? process;
  const forceExit = options.forceExit ?? ((code: number) => process.exit(code));
  let received = 0;
  let onFirst: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<NodeJS.Signals>((resolve) => (onFirst = resolve));
  const handler = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) {
      logger.info({ signal }, 'stopping');
      onFirst(signal);
    } else {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      forceExit(FORCED_EXIT_CODE);
    }
  };
  signals.on('SIGTERM', handler);
  signals.on('SIGINT', handler);
  // Signal handlers do not keep Node's event loop alive; this does, until we are stopped.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    const started = await lifecycle.start();
    if (!started.ok) {
      logger.error({ component: started.error.component }, 'not started');
      return 1;
    }
    await signalled;
    const report = await lifecycle.stop();
    logger.info({ clean: report.clean, failed: report.failed, timedOut: report.timedOut }, 'stopped');
    return report.clean ? 0 : 1;
  } finally {
    clearInterval(keepAlive);
    signals.off('SIGTERM', handler);
    signals.off('SIGINT', handler);
  }
}
