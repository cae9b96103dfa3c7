/**
 * Bans in the `bans` table of the SQLite file the location store uses (`switchboard.db`);
 * this store creates and touches only that table. Other processes (the `ban` CLI, a second
 * server on the same file) are noticed through `PRAGMA data_version`, which changes when
 * another connection commits.
 */
import Database from 'better-sqlite3';
import { type Ban, type BanStore, BanStoreError } from './ban-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bans (
  address TEXT PRIMARY KEY NOT NULL,
  expires_at INTEGER,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface Row {
  address: string;
  expires_at: number | null;
  reason: string;
  created_at: number;
}

export interface SqliteBanStoreOptions {
  readonly file: string;
  /** How long a writer waits for another process's write lock; default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

export class SqliteBanStore implements BanStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  /** Our own commits do not change data_version; they bump this instead. */
  private localWrites = 0;
  private readonly upsert: Database.Statement<[string, number | null, string, number]>;
  private readonly del: Database.Statement<[string]>;
  private readonly selectOne: Database.Statement<[string], Row>;
  private readonly selectActive: Database.Statement<[number], Row>;
  private readonly purge: Database.Statement<[number]>;

  constructor(options: SqliteBanStoreOptions) {
    try {
      this.db = new Database(options.file);
    } catch (e) {
      throw new BanStoreError('sqlite', `cannot open ${options.file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
      this.upsert = this.db.prepare(
        `INSERT INTO bans (address, expires_at, reason, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (address) DO UPDATE SET expires_at = excluded.expires_at, reason = excluded.reason, created_at = excluded.created_at`,
      );
      this.del = this.db.prepare('DELETE FROM bans WHERE address = ?');
      this.selectOne = this.db.prepare('SELECT address, expires_at, reason, created_at FROM bans WHERE address = ?');
      this.selectActive = this.db.prepare('SELECT address, expires_at, reason, created_at FROM bans WHERE expires_at IS NULL OR expires_at > ? ORDER BY address');
      this.purge = this.db.prepare('DELETE FROM bans WHERE expires_at IS NOT NULL AND expires_at <= ?');
    } catch (e) {
      this.db.close();
      throw new BanStoreError('sqlite', `cannot prepare ${options.file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async add(ban: Ban): Promise<void> {
    this.upsert.run(ban.address, ban.expiresAt, ban.reason, ban.createdAt);
    this.localWrites++;
  }

  async remove(address: string, now: number): Promise<boolean> {
    const row = this.selectOne.get(address);
    if (row === undefined) return false;
    this.del.run(address);
    this.localWrites++;
    return row.expires_at === null || row.expires_at > now;
  }

  async list(now: number): Promise<Ban[]> {
    return this.selectActive.all(now).map((r) => ({ address: r.address, expiresAt: r.expires_at, reason: r.reason, createdAt: r.created_at }));
  }

  async purgeExpired(now: number): Promise<number> {
    const n = this.purge.run(now).changes;
    if (n > 0) this.localWrites++;
    return n;
  }

  async revision(): Promise<string> {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    return `${version}:${this.localWrites}`;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
