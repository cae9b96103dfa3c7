/** The command line: `switchboard start | config check | config example | --version`. */
export { runCli, type CliOptions } from './program.js';
export { type CliIo, processIo } from './io.js';
export { type StartDeps } from './start-deps.js';
export { type StartFlags, runStart, overridesFromFlags } from './start-command.js';
export { configCheck } from './config-check-command.js';
export { configExample } from './config-example-command.js';
