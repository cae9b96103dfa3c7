/**
 * Digest authentication for the server: the nonce secret (created on the first start),
 * the user directories (config file first, then `<data_dir>/switchboard.db`) and the
 * authenticator built from the `auth` section.
 */
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  CompositeUserDirectory,
  ConfigUserDirectory,
  type ConfigUserEntry,
  type DigestAlgorithm,
  DigestAuthenticator,
  SqliteUserDirectory,
  type UserDirectory,
  resolveUserName,
} from '../../auth/index.js';
import { type Clock, systemClock } from '../../lib/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';

export interface AuthServices {
  readonly authenticator: DigestAuthenticator;
  readonly users: UserDirectory;
  /** The data directory's SQLite connection (shared with the SQLite location store). */
  readonly database: Database.Database;
  /** Closes the database connection. */
  close(): void;
}

const SECRET_BYTES = 32;

/** The database file shared by the modules that keep state in the data directory. */
export function databasePath(config: Config): string {
  return join(config.dataDir, 'switchboard.db');
}

export function secretPath(config: Config): string {
  return config.auth.secretFile !== undefined ? resolve(config.auth.secretFile) : join(config.dataDir, 'auth.secret');
}

/** The `users` section as directory entries; a user without a domain gets the first domain. */
export function configUserEntries(config: Config): ConfigUserEntry[] {
  return config.users.map((u) => {
    const name = resolveUserName(u.name, u.domain, config.domains[0]);
    // The users section validated the name and domain; only a missing domain list is left.
    if (!name.ok) throw new Error(`users: ${u.name}: ${name.error}`);
    return { ...name.value, password: u.password, ha1Md5: u.ha1Md5, ha1Sha256: u.ha1Sha256 };
  });
}

export function configAlgorithms(config: Config): DigestAlgorithm[] {
  return config.auth.algorithms.map((a) => (a === 'md5' ? 'MD5' : 'SHA-256'));
}

/**
 * Reads the nonce secret, or creates it: 32 random bytes, mode 0600, written to a temporary
 * file and linked into place so two processes starting together end up with the same key.
 */
export async function loadOrCreateSecret(file: string, logger: Logger): Promise<Buffer> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, randomBytes(SECRET_BYTES), { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
    logger.info({ file }, 'created the authentication secret');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp);
  }
  const secret = await readFile(file);
  if (secret.length < SECRET_BYTES) throw new Error(`${file}: the authentication secret must hold at least ${SECRET_BYTES} bytes`);
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) logger.warn({ file, mode: mode.toString(8) }, 'authentication secret is readable by other users (chmod 600 recommended)');
  return secret;
}

export async function openAuth(config: Config, logger: Logger, clock: Clock = systemClock): Promise<AuthServices> {
  const secret = await loadOrCreateSecret(secretPath(config), logger);
  const fromConfig = new ConfigUserDirectory(configUserEntries(config));
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const database = SqliteUserDirectory.open(databasePath(config));
  const users = new CompositeUserDirectory([fromConfig, database]);
  const algorithms = configAlgorithms(config);
  const authenticator = new DigestAuthenticator({ secret, users, clock, nonceTtlMs: config.auth.nonceTtl * 1000, algorithms });
  logger.info({ configUsers: fromConfig.size, databaseUsers: database.count(), algorithms, nonceTtl: config.auth.nonceTtl }, 'authentication ready');
  return { authenticator, users, database: database.connection, close: () => database.close() };
}
