/** `switchboard config example`: prints an annotated example config (the defaults). */
import type { Command } from 'commander';
import { exampleConfig } from '../config/index.js';
import type { CliContext } from './context.js';
import type { CliIo } from './io.js';

export function configExample(io: CliIo): number {
  io.stdout(exampleConfig());
  return 0;
}

export function registerConfigExample(config: Command, ctx: CliContext): void {
  config
    .command('example')
    .description('print an annotated example config file with the default values')
    .action(() => ctx.setExitCode(configExample(ctx.io)));
}
