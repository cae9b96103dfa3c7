/**
 * Bans in the `bans` table of the SQLite file the location store uses (`switchboard.db`);
 * this store creates and touches only that table and its revision counter. Triggers bump the
 * counter on every change to `bans`, whoever makes it (this store, the `ban` CLI, a second
 * server on the same file), so the revision the server polls moves when the bans change and
 * only then — not on every registration another connection commits to the same file (which
 * `PRAGMA data_version` would report).
 */
import Database from 'better-sqlite3';
import { SqliteWriteLock, lockTimeoutReason } from '../lib/index.js';
import { type Ban, type BanStore, BanStoreError } from './ban-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bans (
  address TEXT PRIMARY KEY NOT NULL,
  expires_at INTEGER,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ban_revision (id INTEGER PRIMARY KEY CHECK (id = 0), n INTEGER NOT NULL);
INSERT OR IGNORE INTO ban_revision (id, n) VALUES (0, 0);
CREATE TRIGGER IF NOT EXISTS bans_revision_insert AFTER INSERT ON bans BEGIN UPDATE ban_revision SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS bans_revision_update AFTER UPDATE ON bans BEGIN UPDATE ban_revision SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS bans_revision_delete AFTER DELETE ON bans BEGIN UPDATE ban_revision SET n = n + 1; END;
`;

interface Row {
  address: string;
  expires_at: number | null;
  reason: string;
  created_at: number;
}

export interface SqliteBanStoreOptions {
  readonly file: string;
  /**
   * How long a write waits for another process's write lock before it fails; default 5000 ms.
   * The wait is on timers, not in SQLite's busy handler (lib/sqlite-write-lock.ts).
   */
  readonly busyTimeoutMs?: number;
}

export class SqliteBanStore implements BanStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement<[string, number | null, string, number]>;
  private readonly del: Database.Statement<[string]>;
  private readonly selectOne: Database.Statement<[string], Row>;
  private readonly selectActive: Database.Statement<[number], Row>;
  private readonly purge: Database.Statement<[number]>;
  private readonly selectRevision: Database.Statement<[], number>;
  private readonly lock: SqliteWriteLock;

  constructor(options: SqliteBanStoreOptions) {
    try {
      this.db = new Database(options.file);
    } catch (e) {
      throw new BanStoreError('sqlite', `cannot open ${options.file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    try {
      this.lock = new SqliteWriteLock(this.db, options.busyTimeoutMs);
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
      this.selectRevision = this.db.prepare<[], number>('SELECT n FROM ban_revision WHERE id = 0').pluck();
    } catch (e) {
      this.db.close();
      throw new BanStoreError('sqlite', `cannot prepare ${options.file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async add(ban: Ban): Promise<void> {
    await this.write('add', () => this.upsert.run(ban.address, ban.expiresAt, ban.reason, ban.createdAt));
  }

  async remove(address: string, now: number): Promise<boolean> {
    const row = this.selectOne.get(address);
    if (row === undefined) return false;
    await this.write('remove', () => this.del.run(address));
    return row.expires_at === null || row.expires_at > now;
  }

  async list(now: number): Promise<Ban[]> {
    return this.selectActive.all(now).map((r) => ({ address: r.address, expiresAt: r.expires_at, reason: r.reason, createdAt: r.created_at }));
  }

  async purgeExpired(now: number): Promise<number> {
    return (await this.write('purgeExpired', () => this.purge.run(now))).changes;
  }

  async revision(): Promise<string> {
    return String(this.selectRevision.get());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** One write statement once the write lock is free, waiting on timers (never on the event loop). */
  private async write<R>(op: string, statement: () => R): Promise<R> {
    const attempt = await this.lock.waitFor(statement, () => !this.db.open);
    if (attempt.ok) return attempt.value;
    if (attempt.abandoned) throw new BanStoreError('sqlite', `${op} failed: the store was closed`);
    throw new BanStoreError('sqlite', `${op} failed: ${lockTimeoutReason(attempt.waitedMs)}`);
  }
}
