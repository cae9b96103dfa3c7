/**
 * The `switchboard` command line. Each subcommand lives in its own file and is listed in
 * COMMANDS; add `user`, `ban`, `show`, `trace` … the same way.
 */
import { Command, CommanderError } from 'commander';
import { type CliContext, EXIT_USAGE, type RegisterCommand } from './context.js';
import type { CliIo } from './io.js';
import { registerConfigCommand } from './config-command.js';
import { registerStartCommand } from './start-command.js';
import { registerUserCommand } from './user-command.js';
import { registerShowCommand } from './show-command.js';
import { registerTraceCommand } from './trace-command.js';
import { registerReloadCommand } from './reload-command.js';
import { registerBanCommand } from './ban-command.js';
import type { StartDeps } from './start-deps.js';
import { packageVersion } from './version.js';

const COMMANDS: readonly RegisterCommand[] = [registerStartCommand, registerConfigCommand, registerUserCommand, registerShowCommand, registerTraceCommand, registerReloadCommand, registerBanCommand];

export interface CliOptions {
  readonly io: CliIo;
  readonly start?: Partial<StartDeps>;
}

/** Parses `args` (without node and script), runs the command and returns the exit code. */
export async function runCli(args: readonly string[], options: CliOptions): Promise<number> {
  let exitCode = 0;
  const ctx: CliContext = { io: options.io, start: options.start, setExitCode: (code) => (exitCode = code) };
  const program = new Command('switchboard')
    .description('SIP registrar, proxy and PBX')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: options.io.stdout, writeErr: options.io.stderr })
    .showHelpAfterError();
  for (const register of COMMANDS) register(program, ctx);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : EXIT_USAGE;
  }
  return exitCode;
}
