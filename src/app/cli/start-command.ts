/**
 * `switchboard start`: load the config (file + flags), ensure the data directory, create the
 * logger, build the components through the server seam and run them until SIGTERM / SIGINT.
 */
import cluster from 'node:cluster';
import { mkdirSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { type Config, type ConfigOverrides, formatIssue, formatListener, loadConfig } from '../config/index.js';
import { Lifecycle, runUntilSignal } from '../lifecycle.js';
import { type Logger, createLogger, flushLogger } from '../log.js';
import { buildComponents } from '../server.js';
import { roleFromEnv } from '../cluster/messages.js';
import { runWorkerGroup } from '../cluster/supervisor.js';
import { type WorkerContext, processChannel, workerSignals } from '../cluster/worker.js';
import { withAllowedNetworks } from '../wiring/security.js';
import { type CliContext, EXIT_USAGE } from './context.js';
import type { CliIo } from './io.js';
import type { StartDeps } from './start-deps.js';

/** The flags of `start`, as commander hands them over. */
export interface StartFlags {
  readonly config?: string;
  readonly data?: string;
  readonly listen?: readonly string[];
  readonly domain?: readonly string[];
  readonly logLevel?: string;
  /** `--allow CIDR` (repeatable): added to security.allow. */
  readonly allow?: readonly string[];
}

/** Flags → overrides; a repeated list flag replaces the file's list (an absent one keeps it). */
export function overridesFromFlags(flags: StartFlags): ConfigOverrides {
  return {
    dataDir: flags.data,
    listen: flags.listen !== undefined && flags.listen.length > 0 ? flags.listen : undefined,
    domains: flags.domain !== undefined && flags.domain.length > 0 ? flags.domain : undefined,
    logLevel: flags.logLevel,
  };
}

const workerRole = cluster.isWorker ? roleFromEnv(process.env) : undefined;
const worker: WorkerContext | undefined = workerRole === undefined ? undefined : { role: workerRole, channel: processChannel() };

const defaultDeps: StartDeps = {
  buildComponents,
  runWorkerGroup,
  // A worker of a group stops on its own signals or on the supervisor's `stop`.
  signals: worker === undefined ? process : workerSignals(worker.channel),
  forceExit: (code) => process.exit(code),
  ...(worker === undefined ? {} : { worker }),
};

/** mkdir -p with mode 0700 (only new directories get the mode; an existing one is kept). */
function ensureDataDir(config: Config, io: CliIo): boolean {
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    if (!statSync(config.dataDir).isDirectory()) throw new Error('not a directory');
    return true;
  } catch (e) {
    io.stderr(`cannot create data directory ${config.dataDir}: ${e instanceof Error ? e.message : String(e)}\n`);
    return false;
  }
}

function warnIfOpen(config: Config, logger: Logger): void {
  const mode = statSync(config.dataDir).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn({ dataDir: config.dataDir, mode: mode.toString(8) }, 'data directory is accessible to other users (chmod 700 recommended)');
  }
}

/** Runs the server; resolves with the process exit code once it has stopped. */
export async function runStart(flags: StartFlags, io: CliIo, deps: Partial<StartDeps> = {}): Promise<number> {
  const d: StartDeps = { ...defaultDeps, ...deps };
  const loaded = loadConfig(flags.config, { overrides: overridesFromFlags(flags), cwd: io.cwd, interfaceAddresses: d.interfaceAddresses });
  if (!loaded.ok) {
    for (const issue of loaded.error) io.stderr(formatIssue(issue) + '\n');
    return EXIT_USAGE;
  }
  const allowed = withAllowedNetworks(loaded.value, flags.allow ?? []);
  if (!allowed.ok) {
    io.stderr(`--allow: "${allowed.invalid}" is not an address or CIDR (e.g. 192.0.2.0/24)\n`);
    return EXIT_USAGE;
  }
  const config = allowed.config;
  if (!ensureDataDir(config, io)) return 1;
  const rootLogger = createLogger({ level: config.log.level, destination: d.logDestination });
  const logger = d.worker === undefined ? rootLogger : rootLogger.child({ worker: d.worker.role.index });
  if (d.worker === undefined) warnIfOpen(config, logger);
  if (config.workers > 1 && d.worker === undefined) {
    // The supervisor: the workers load the same config and run the server.
    const udpListeners = config.listen.filter((l) => l.transport === 'udp').map((l) => ({ host: l.address, port: l.port }));
    const code = await d.runWorkerGroup({ count: config.workers, logger, udpListeners });
    await flushLogger(rootLogger);
    return code;
  }

  let code: number;
  try {
    const reloadConfig = () => {
      const again = loadConfig(flags.config, { overrides: overridesFromFlags(flags), cwd: io.cwd, interfaceAddresses: d.interfaceAddresses });
      return again.ok ? { ok: true as const, value: again.value } : { ok: false as const, error: again.error.map(formatIssue).join('; ') };
    };
    const components = await d.buildComponents(config, logger, reloadConfig, d.worker);
    const lifecycle = new Lifecycle(components, {
      logger,
      clock: d.clock,
      gracePeriodMs: config.shutdown.gracePeriod * 1000,
      startedFields: { listeners: config.listen.map(formatListener), domains: config.domains, dataDir: config.dataDir },
    });
    code = await runUntilSignal(lifecycle, { logger, signals: d.signals, forceExit: d.forceExit });
  } catch (e) {
    logger.error({ err: e }, `cannot start: ${e instanceof Error ? e.message : String(e)}`);
    code = 1;
  }
  await flushLogger(rootLogger);
  return code;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerStartCommand(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('run the server (no config file needed for a first start)')
    .option('-c, --config <file>', 'YAML config file')
    .option('--data <dir>', 'data directory (overrides data_dir)')
    .option('--listen <spec>', 'listener TRANSPORT:ADDRESS:PORT, e.g. udp:0.0.0.0:5060 (repeatable; replaces the file\'s list)', collect)
    .option('--domain <name>', 'SIP domain served (repeatable; replaces the file\'s list)', collect)
    .option('--allow <cidr>', 'network never banned nor flood-limited, e.g. 192.0.2.0/24 (repeatable; added to security.allow)', collect)
    .option('--log-level <level>', 'trace | debug | info | warn | error (overrides log.level)')
    .action(async (flags: StartFlags) => ctx.setExitCode(await runStart(flags, ctx.io, ctx.start)));
}
