/**
 * `switchboard user add | remove | list | import`: the users in `<data_dir>/switchboard.db`.
 * The running server reads that file on every lookup, so changes apply at once. Passwords
 * are hashed here (MD5 and SHA-256 HA1) and never stored.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  type UserCredentials,
  SqliteUserDirectory,
  computeHa1,
  importUsersCsv,
  normalizeDomain,
  normalizeHa1,
  resolveUserName,
} from '../../auth/index.js';
import { type Config, formatIssue, loadConfig } from '../config/index.js';
import { configUserEntries, databasePath } from '../wiring/auth.js';
import { type CliContext, EXIT_USAGE } from './context.js';
import type { CliIo } from './io.js';

/** Flags every user subcommand takes. */
export interface UserFlags {
  readonly config?: string;
  readonly data?: string;
  readonly domain?: string;
}

export interface UserAddFlags extends UserFlags {
  readonly password?: string;
  readonly ha1?: string;
  readonly ha1Sha256?: string;
}

type Outcome = number;

/** Loads the config (file or defaults, `--data` applied) or prints why not. */
function loadFor(flags: UserFlags, io: CliIo): Config | undefined {
  const loaded = loadConfig(flags.config, { overrides: { dataDir: flags.data }, cwd: io.cwd });
  if (!loaded.ok) {
    for (const issue of loaded.error) io.stderr(formatIssue(issue) + '\n');
    return undefined;
  }
  return loaded.value;
}

/** Runs `fn` with the database open; an error opening or writing it is exit code 1. */
function withDatabase(config: Config, io: CliIo, fn: (db: SqliteUserDirectory) => Outcome): Outcome {
  const file = databasePath(config);
  let db: SqliteUserDirectory;
  try {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    db = SqliteUserDirectory.open(file);
  } catch (e) {
    io.stderr(`cannot open the user database ${file}: ${message(e)}\n`);
    return 1;
  }
  try {
    return fn(db);
  } catch (e) {
    io.stderr(`user database ${file}: ${message(e)}\n`);
    return 1;
  } finally {
    db.close();
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function usage(io: CliIo, text: string): Outcome {
  io.stderr(`error: ${text}\n`);
  return EXIT_USAGE;
}

function inConfig(config: Config, username: string, realm: string): boolean {
  return configUserEntries(config).some((u) => u.username === username && u.realm === realm);
}

export function userAdd(name: string, flags: UserAddFlags, io: CliIo): Outcome {
  const hashes = flags.ha1 !== undefined || flags.ha1Sha256 !== undefined;
  if (flags.password !== undefined && hashes) return usage(io, 'give either --password or --ha1 / --ha1-sha256, not both');
  if (flags.password === undefined && !hashes) return usage(io, 'give --password P, or --ha1 H (and/or --ha1-sha256 H2)');
  if (flags.password === '') return usage(io, 'the password is empty');
  const ha1Md5 = flags.ha1 === undefined ? undefined : normalizeHa1('MD5', flags.ha1);
  if (flags.ha1 !== undefined && ha1Md5 === undefined) return usage(io, '--ha1 must be 32 hex digits: MD5 of name:domain:password');
  const ha1Sha256 = flags.ha1Sha256 === undefined ? undefined : normalizeHa1('SHA-256', flags.ha1Sha256);
  if (flags.ha1Sha256 !== undefined && ha1Sha256 === undefined) return usage(io, '--ha1-sha256 must be 64 hex digits: SHA-256 of name:domain:password');
  const config = loadFor(flags, io);
  if (config === undefined) return EXIT_USAGE;
  const resolved = resolveUserName(name, flags.domain, config.domains[0]);
  if (!resolved.ok) return usage(io, resolved.error);
  const { username, realm } = resolved.value;
  const user: UserCredentials =
    flags.password !== undefined
      ? {
          username,
          realm,
          ha1Md5: computeHa1('MD5', username, realm, flags.password),
          ha1Sha256: computeHa1('SHA-256', username, realm, flags.password),
        }
      : { username, realm, ha1Md5, ha1Sha256 };
  return withDatabase(config, io, (db) => {
    const outcome = db.upsert(user);
    io.stdout(`${outcome} ${username}@${realm} (${algorithmsOf(user).join(', ')})\n`);
    if (inConfig(config, username, realm)) {
      io.stderr(`warning: ${username}@${realm} is also defined in the config file, whose entry is used first\n`);
    }
    return 0;
  });
}

export function userRemove(name: string, flags: UserFlags, io: CliIo): Outcome {
  const config = loadFor(flags, io);
  if (config === undefined) return EXIT_USAGE;
  const resolved = resolveUserName(name, flags.domain, config.domains[0]);
  if (!resolved.ok) return usage(io, resolved.error);
  const { username, realm } = resolved.value;
  return withDatabase(config, io, (db) => {
    if (db.remove(username, realm)) {
      io.stdout(`removed ${username}@${realm}\n`);
      return 0;
    }
    const where = inConfig(config, username, realm) ? ' (it is defined in the config file: remove it there)' : '';
    io.stderr(`no user ${username}@${realm} in the database${where}\n`);
    return 1;
  });
}

interface ListedUser {
  readonly user: string;
  readonly domain: string;
  readonly algorithms: string[];
  readonly source: 'config' | 'database';
}

function algorithmsOf(u: UserCredentials): string[] {
  const out: string[] = [];
  if (u.ha1Sha256 !== undefined) out.push('SHA-256');
  if (u.ha1Md5 !== undefined) out.push('MD5');
  return out;
}

/** Lists users without their hashes (an HA1 is as good as the password). */
export function userList(flags: UserFlags & { readonly json?: boolean }, io: CliIo): Outcome {
  const config = loadFor(flags, io);
  if (config === undefined) return EXIT_USAGE;
  return withDatabase(config, io, (db) => {
    const listed: ListedUser[] = [];
    for (const u of configUserEntries(config)) {
      const algorithms = u.password !== undefined ? ['SHA-256', 'MD5'] : algorithmsOf(u);
      listed.push({ user: u.username, domain: u.realm, algorithms, source: 'config' });
    }
    for (const u of db.list()) listed.push({ user: u.username, domain: u.realm, algorithms: algorithmsOf(u), source: 'database' });
    if (flags.json === true) {
      io.stdout(JSON.stringify(listed, null, 2) + '\n');
      return 0;
    }
    for (const u of listed) io.stdout(`${u.user}@${u.domain}\t${u.algorithms.join(',')}\t${u.source}\n`);
    io.stdout(`${listed.length} user${listed.length === 1 ? '' : 's'}\n`);
    return 0;
  });
}

/** Exit 0 when every row was imported, 1 when some were skipped, 2 when the file is unusable. */
export function userImport(file: string, flags: UserFlags, io: CliIo): Outcome {
  if (flags.domain !== undefined && normalizeDomain(flags.domain) === undefined) {
    return usage(io, `"${flags.domain}" is not a valid domain name or IP address`);
  }
  const config = loadFor(flags, io);
  if (config === undefined) return EXIT_USAGE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return usage(io, `cannot read ${file}: ${message(e)}`);
  }
  return withDatabase(config, io, (db) => {
    const report = importUsersCsv(text, db, { defaultDomain: flags.domain ?? config.domains[0] });
    if (!report.ok) return usage(io, `${file}: ${report.error}`);
    const { added, updated, skipped } = report.value;
    for (const s of skipped) io.stderr(`${file}:${s.line}: skipped: ${s.reason}\n`);
    io.stdout(`${file}: ${added} added, ${updated} updated, ${skipped.length} skipped\n`);
    return skipped.length === 0 ? 0 : 1;
  });
}

function common(cmd: Command): Command {
  return cmd
    .option('--domain <domain>', 'domain (realm) of the user; default: the first domain of the config')
    .option('--data <dir>', 'data directory (overrides data_dir)')
    .option('-c, --config <file>', 'YAML config file (for data_dir and domains)');
}

export function registerUserCommand(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('add, remove, list or import the users allowed to register');
  common(
    user
      .command('add')
      .description('add a user or change its password (NAME or NAME@DOMAIN)')
      .argument('<name>', 'user name, or name@domain')
      .option('--password <password>', 'password (hashed at once, never stored)')
      .option('--ha1 <hex>', 'MD5 HA1 = MD5(name:domain:password) instead of a password')
      .option('--ha1-sha256 <hex>', 'SHA-256 HA1 = SHA-256(name:domain:password) instead of a password'),
  ).action((name: string, flags: UserAddFlags) => ctx.setExitCode(userAdd(name, flags, ctx.io)));
  common(user.command('remove').description('remove a user from the database').argument('<name>', 'user name, or name@domain')).action(
    (name: string, flags: UserFlags) => ctx.setExitCode(userRemove(name, flags, ctx.io)),
  );
  common(user.command('list').description('list the users (config file and database), without hashes').option('--json', 'print JSON')).action(
    (flags: UserFlags & { json?: boolean }) => ctx.setExitCode(userList(flags, ctx.io)),
  );
  common(
    user
      .command('import')
      .description('add or update users from a CSV file with the header user,password[,domain]')
      .argument('<file>', 'CSV file'),
  ).action((file: string, flags: UserFlags) => ctx.setExitCode(userImport(file, flags, ctx.io)));
}
