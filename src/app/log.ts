/**
 * Logging: pino, one JSON object per line on stdout. Bound fields (component, call-id, user)
 * go on child loggers so every line of a call can be found with one grep.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config/index.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Where lines go; default: stdout (asynchronous writes, flushed at exit). */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names ("info") rather than numbers, for people reading the lines.
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** Fields bound to every line of a child logger. */
export interface LogBindings {
  readonly component?: string;
  readonly callId?: string;
  readonly user?: string;
  readonly [field: string]: unknown;
}

/** A logger that adds `bindings` to every line (undefined fields are left out). */
export function childLogger(logger: Logger, bindings: LogBindings): Logger {
  const defined: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(bindings)) if (v !== undefined) defined[k] = v;
  return logger.child(defined);
}

/** Writes out buffered lines (before process.exit). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    logger.flush((e?: Error) => {
      if (e !== undefined && e !== null) process.stderr.write(`log flush failed: ${e.message}\n`);
      resolve();
    });
  });
}
