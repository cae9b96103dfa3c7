/**
 * Users in `<data_dir>/switchboard.db` (better-sqlite3). The file is shared with other
 * modules, each owning its tables; this one owns `auth_users` and creates only that. WAL
 * lets the running server read while `switchboard user …` writes from another process, and
 * every lookup runs a prepared statement against the file, so a user added by the CLI is
 * found on the next request without a restart.
 */
import Database from 'better-sqlite3';
import type { UserCredentials, UserDirectory } from './types.js';

type Db = Database.Database;

interface Row {
  username: string;
  realm: string;
  ha1_md5: string | null;
  ha1_sha256: string | null;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS auth_users (
  realm TEXT NOT NULL,
  username TEXT NOT NULL,
  ha1_md5 TEXT,
  ha1_sha256 TEXT,
  PRIMARY KEY (realm, username)
) WITHOUT ROWID`;

export type UpsertOutcome = 'added' | 'updated';

export interface BatchCounts {
  readonly added: number;
  readonly updated: number;
}

/**
 * Bound on cached lookups (unknown names included, so scanners cannot grow it without limit).
 * An entry costs ~400 bytes of heap (8 MiB for 20,000). The cache serves users who
 * authenticate again soon (a call right after a REGISTER, a phone re-registering every
 * minute); with many users re-registering once an hour a cache of any affordable size
 * misses anyway, and a miss is one indexed SELECT.
 */
const MAX_CACHED = 2048;

export class SqliteUserDirectory implements UserDirectory {
  private readonly db: Db;
  private readonly owned: boolean;
  private readonly selectOne: Database.Statement<[string, string], Row>;
  private readonly insert: Database.Statement<[string, string, string | null, string | null]>;
  private readonly update: Database.Statement<[string | null, string | null, string, string]>;
  private readonly deleteOne: Database.Statement<[string, string]>;
  private readonly selectAll: Database.Statement<[], Row>;
  private readonly countAll: Database.Statement<[], { n: number }>;
  private readonly dataVersion: Database.Statement<[], unknown>;
  /** Least recently used first (Map order; a hit moves its entry to the end). */
  private readonly cache = new Map<string, UserCredentials | null>();
  private cachedVersion = -1;
  private readonly cacheSize: number;

  /** Opens (creating if needed) the database file and this module's table. */
  static open(file: string): SqliteUserDirectory {
    const db = new Database(file, { timeout: 5000 });
    try {
      db.pragma('journal_mode = WAL');
      return new SqliteUserDirectory(db, true);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /**
   * Uses an open connection; `owned` decides whether close() closes it. `cacheSize` bounds the
   * cached lookups (unknown names included).
   */
  constructor(db: Db, owned = false, cacheSize = MAX_CACHED) {
    if (!Number.isInteger(cacheSize) || cacheSize < 1) throw new Error('user cache size must be a positive integer');
    this.db = db;
    this.owned = owned;
    this.cacheSize = cacheSize;
    db.exec(SCHEMA);
    this.selectOne = db.prepare('SELECT username, realm, ha1_md5, ha1_sha256 FROM auth_users WHERE realm = ? AND username = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO auth_users (realm, username, ha1_md5, ha1_sha256) VALUES (?, ?, ?, ?)');
    this.update = db.prepare('UPDATE auth_users SET ha1_md5 = ?, ha1_sha256 = ? WHERE realm = ? AND username = ?');
    this.deleteOne = db.prepare('DELETE FROM auth_users WHERE realm = ? AND username = ?');
    this.selectAll = db.prepare('SELECT username, realm, ha1_md5, ha1_sha256 FROM auth_users ORDER BY realm, username');
    this.countAll = db.prepare('SELECT count(*) AS n FROM auth_users');
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /**
   * One indexed SELECT per authentication was ~9 % of a registration's CPU, so answers are
   * cached. A cached answer is served only while `PRAGMA data_version` has not moved since
   * the cache was last checked — SQLite bumps it when any other connection (the `switchboard
   * user` CLI, another node's process) commits — so a user added or removed while the server
   * runs is seen on the very next lookup. A miss reads the table itself and needs no such
   * check (an answer cached then is dropped at the next check if the version had moved).
   * When full, the least recently used answer goes: the users who register often stay
   * cached, instead of everything being dropped at once.
   */
  find(username: string, realm: string): UserCredentials | undefined {
    const key = `${realm}\u0000${username}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      const version = this.dataVersion.get() as number;
      if (version === this.cachedVersion) {
        this.cache.delete(key);
        this.cache.set(key, hit);
        return hit === null ? undefined : hit;
      }
      this.cache.clear();
      this.cachedVersion = version;
    }
    const row = this.selectOne.get(realm, username);
    const found = row === undefined ? undefined : toCredentials(row);
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, found ?? null);
    return found;
  }

  /** The connection, for modules that share the database file (see SqliteLocationStore). */
  get connection(): Db {
    return this.db;
  }

  /** Adds the user or replaces its HA1 values. */
  upsert(user: UserCredentials): UpsertOutcome {
    return this.write(user);
  }

  /** Adds or updates many users in ONE transaction (all or nothing). */
  upsertMany(users: Iterable<UserCredentials>): BatchCounts {
    const run = this.db.transaction((list: Iterable<UserCredentials>) => {
      let added = 0;
      let updated = 0;
      for (const u of list) {
        if (this.write(u) === 'added') added++;
        else updated++;
      }
      return { added, updated };
    });
    return run(users);
  }

  /** True when the user existed. */
  remove(username: string, realm: string): boolean {
    this.cache.clear();
    return this.deleteOne.run(realm, username).changes > 0;
  }

  list(): UserCredentials[] {
    return this.selectAll.all().map(toCredentials);
  }

  count(): number {
    return this.countAll.get()?.n ?? 0;
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }

  private write(u: UserCredentials): UpsertOutcome {
    this.cache.clear();
    const md5 = u.ha1Md5 ?? null;
    const sha = u.ha1Sha256 ?? null;
    if (this.insert.run(u.realm, u.username, md5, sha).changes > 0) return 'added';
    this.update.run(md5, sha, u.realm, u.username);
    return 'updated';
  }
}

function toCredentials(row: Row): UserCredentials {
  const c: { username: string; realm: string; ha1Md5?: string; ha1Sha256?: string } = { username: row.username, realm: row.realm };
  if (row.ha1_md5 !== null) c.ha1Md5 = row.ha1_md5;
  if (row.ha1_sha256 !== null) c.ha1Sha256 = row.ha1_sha256;
  return c;
}
