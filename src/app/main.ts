/** Entry point of the `switchboard` command (bin/switchboard.js imports the compiled file). */
import { processIo, runCli } from './cli/index.js';

try {
  const code = await runCli(process.argv.slice(2), { io: processIo() });
  process.exitCode = code;
  // Let stdout drain and exit naturally; if something still holds the event loop (a component
  // abandoned after the grace period), exit anyway.
  setTimeout(() => process.exit(code), 1000).unref();
} catch (e) {
  process.stderr.write(`switchboard: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}
