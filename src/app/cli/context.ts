/** What every subcommand gets: I/O, injectable dependencies, and where to put its exit code. */
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import type { StartDeps } from './start-deps.js';

export interface CliContext {
  readonly io: CliIo;
  /** Overrides for `start` (tests inject fake signals, log destination, components). */
  readonly start?: Partial<StartDeps>;
  setExitCode(code: number): void;
}

/** Adds one subcommand (or a group of them) to the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/** Exit code for bad usage or an invalid config. */
export const EXIT_USAGE = 2;
