/** `switchboard config …`: the config subcommands. */
import type { CliContext, RegisterCommand } from './context.js';
import { registerConfigCheck } from './config-check-command.js';
import { registerConfigExample } from './config-example-command.js';
import type { Command } from 'commander';

export const registerConfigCommand: RegisterCommand = (program: Command, ctx: CliContext) => {
  const config = program.command('config').description('check or print configuration files');
  registerConfigCheck(config, ctx);
  registerConfigExample(config, ctx);
};
