/** `switchboard config check FILE`: validates a config file without starting. */
import type { Command } from 'commander';
import { formatIssue, loadConfig } from '../config/index.js';
import { type CliContext, EXIT_USAGE } from './context.js';
import type { CliIo } from './io.js';

/** Prints `FILE: OK` (exit 0) or one line per problem on stderr (exit 2). */
export function configCheck(file: string, io: CliIo): number {
  const loaded = loadConfig(file, { cwd: io.cwd });
  if (!loaded.ok) {
    for (const issue of loaded.error) io.stderr(formatIssue(issue) + '\n');
    return EXIT_USAGE;
  }
  io.stdout(`${file}: OK\n`);
  return 0;
}

export function registerConfigCheck(config: Command, ctx: CliContext): void {
  config
    .command('check')
    .description('validate a config file (exit 0 if valid, 2 with the errors if not)')
    .argument('<file>', 'YAML config file')
    .action((file: string) => ctx.setExitCode(configCheck(file, ctx.io)));
}
