/**
 * The embedded backend: one row per AOR in `location_bindings` of a SQLite file that other
 * modules share (they keep their own tables; this one creates and touches only its own).
 *
 * Durability: WAL journal with synchronous=NORMAL makes a committed transaction survive the
 * death of the process (kill -9) — the promise "a binding that got 200 OK survives kill -9".
 * It does not promise to survive a power cut of the machine (that needs synchronous=FULL).
 *
 * better-sqlite3 is synchronous: a write transaction runs from read to commit without yielding,
 * and its BEGIN IMMEDIATE takes the write lock first, so writers in other processes cannot
 * interleave.
 *
 * Group commit: modify() calls made in one turn of the event loop (every REGISTER read from
 * the socket in one poll) are applied in order in ONE transaction at the end of that turn,
 * and each promise resolves only after that commit. BEGIN/COMMIT and the WAL page writes are
 * paid once per batch instead of once per REGISTER; under load the batches grow by themselves.
 *
 * Writers never sleep on the event loop for another process's lock (lib/sqlite-write-lock.ts):
 * while e.g. `switchboard user import` holds it, the queued calls wait on a timer, in order,
 * and fail only after `busyTimeoutMs`.
 */
import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { type LockAttempt, type LockWait, SqliteWriteLock, lockTimeoutReason, retryDelayMs } from '../lib/index.js';
import type { Binding, BindingChange, ListOptions, LocationStore, RegistrationEntry } from './types.js';
import { type EncodedBindings, type ChangePlan, decodeBindings, liveBindings, planChange, planPurge } from './binding-codec.js';
import { LocationStoreError, describeError } from './errors.js';

const BACKEND = 'sqlite';
/** AORs purged per write transaction, so a mass expiry does not stall the event loop. */
const PURGE_BATCH = 500;
/** At most this many queued modify() calls per group-commit transaction. */
const MODIFY_BATCH = 256;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS location_bindings (
  aor TEXT PRIMARY KEY NOT NULL,
  min_expires_at INTEGER NOT NULL,
  max_expires_at INTEGER NOT NULL,
  binding_count INTEGER NOT NULL,
  bindings TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS location_bindings_min_expires ON location_bindings (min_expires_at);
`;

export interface SqliteLocationStoreOptions {
  /** The database file (created when missing), e.g. `<data_dir>/switchboard.db`. */
  readonly file: string;
  /**
   * An open connection to that file to use instead of opening one (close() leaves it open).
   * In WAL mode a commit by another connection makes SQLite drop this connection's whole page
   * cache at its next read, so modules that share the file and read it on every request (the
   * user directory) should share one connection with this writer: with two, every REGISTER's
   * location write cost the next user lookup a cold B-tree walk (~6 % of a registration).
   */
  readonly database?: Database.Database;
  /**
   * How long a write waits for another process's write lock before it fails; default 5000 ms.
   * The wait is asynchronous (timers), not SQLite's busy handler.
   */
  readonly busyTimeoutMs?: number;
}

/** A modify() waiting for the end of the event-loop turn. */
interface PendingModify {
  readonly aor: string;
  readonly now: number;
  readonly change: (current: readonly Binding[]) => BindingChange<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** performance.now() when queued: the lock wait is bounded from here. */
  readonly queuedAt: number;
}

/** What one queued modify() came to inside the batch transaction. */
type ModifyOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

interface Row {
  aor: string;
  min_expires_at: number;
  max_expires_at: number;
  bindings: string;
}

export class SqliteLocationStore implements LocationStore {
  readonly kind = BACKEND;
  private readonly db: Database.Database;
  private readonly owned: boolean;
  private closed = false;
  private readonly select: Database.Statement<[string], string>;
  private readonly upsert: Database.Statement<[string, number, number, number, string]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly selectExpiring: Database.Statement<[number, number], Row>;
  private readonly selectFrom: Database.Statement<[string, number], Row>;
  private readonly selectAfter: Database.Statement<[string, number], Row>;
  private readonly countSettled: Database.Statement<[number], { aors: number; bindings: number }>;
  private readonly selectUnsettled: Database.Statement<[number, number], Row>;
  private readonly batchTxn: Database.Transaction<(batch: readonly PendingModify[]) => ModifyOutcome[]>;
  /** Calls waiting for a commit; non-empty exactly while a flush is scheduled. */
  private queue: PendingModify[] = [];
  private readonly lock: SqliteWriteLock;
  /** Busy answers in a row for the queue's flushes (spaces the retries); 0 after a commit. */
  private busyAttempts = 0;
  /** The flush retried after a busy answer (a timer, so close() can cancel it). */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly purgeTxn: Database.Transaction<(now: number) => { rows: number; removed: number }>;
  private readonly countTxn: Database.Transaction<(now: number) => { aors: number; bindings: number }>;

  constructor(options: SqliteLocationStoreOptions) {
    this.owned = options.database === undefined;
    try {
      this.db = options.database ?? new Database(options.file);
    } catch (e) {
      throw new LocationStoreError(BACKEND, `cannot open ${options.file}: ${describeError(e)}`, { cause: e });
    }
    try {
      this.lock = new SqliteWriteLock(this.db, options.busyTimeoutMs);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // Performance (bench/location.bench.ts): a checkpoint (copying WAL pages into the file,
      // with an fsync) every 4000 pages instead of 1000, and up to 4 MiB of page cache for
      // this connection, instead of 2 MiB, so the B-tree's inner pages and hot AORs are not
      // re-read from the OS. Every MiB of it is resident once 100,000 users registered
      // (bench/sip-load `fill`); 32 MiB cost 26 MiB more for no CPU difference under
      // 1,500 REGISTER/s; 4 MiB instead of 8 (with the smaller user and nonce-count caches of
      // the same change) none measurable at 2,000/s (bench/sip-load/ab-probe.sh).
      this.db.pragma('wal_autocheckpoint = 4000');
      this.db.pragma('cache_size = -4096');
      this.db.exec(SCHEMA);
      this.select = this.db.prepare<[string], string>('SELECT bindings FROM location_bindings WHERE aor = ?').pluck();
      this.upsert = this.db.prepare(
        `INSERT INTO location_bindings (aor, min_expires_at, max_expires_at, binding_count, bindings) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (aor) DO UPDATE SET min_expires_at = excluded.min_expires_at, max_expires_at = excluded.max_expires_at,
           binding_count = excluded.binding_count, bindings = excluded.bindings`,
      );
      this.remove = this.db.prepare('DELETE FROM location_bindings WHERE aor = ?');
      this.selectExpiring = this.db.prepare('SELECT aor, min_expires_at, max_expires_at, bindings FROM location_bindings WHERE min_expires_at <= ? ORDER BY min_expires_at LIMIT ?');
      this.selectFrom = this.db.prepare('SELECT aor, min_expires_at, max_expires_at, bindings FROM location_bindings WHERE aor >= ? AND max_expires_at > ? ORDER BY aor');
      this.selectAfter = this.db.prepare('SELECT aor, min_expires_at, max_expires_at, bindings FROM location_bindings WHERE aor > ? AND max_expires_at > ? ORDER BY aor');
      this.countSettled = this.db.prepare('SELECT COUNT(*) AS aors, COALESCE(SUM(binding_count), 0) AS bindings FROM location_bindings WHERE min_expires_at > ?');
      this.selectUnsettled = this.db.prepare(
        'SELECT aor, min_expires_at, max_expires_at, bindings FROM location_bindings WHERE min_expires_at <= ? AND max_expires_at > ?',
      );
    } catch (e) {
      if (this.owned) this.db.close();
      throw new LocationStoreError(BACKEND, `cannot prepare ${options.file}: ${describeError(e)}`, { cause: e });
    }

    // Each change sees the writes of the ones before it in the batch (same AOR twice: in
    // order). A `change` that throws, or bindings that do not decode, fail that call alone
    // (nothing of it was written); a SQLite error aborts the batch and fails every call in it.
    this.batchTxn = this.db.transaction((batch) =>
      batch.map((p): ModifyOutcome => {
        let plan: ChangePlan<unknown>;
        try {
          plan = planChange(BACKEND, p.aor, this.select.get(p.aor), p.now, p.change);
        } catch (error) {
          if (error instanceof Database.SqliteError) throw error;
          return { ok: false, error };
        }
        if (plan.changed) this.write(p.aor, plan.next);
        return { ok: true, value: plan.result };
      }),
    );
    this.purgeTxn = this.db.transaction((now) => {
      const rows = this.selectExpiring.all(now, PURGE_BATCH);
      let removed = 0;
      for (const row of rows) {
        const purge = planPurge(BACKEND, row.aor, row.bindings, now);
        removed += purge.removed;
        this.write(row.aor, purge.next);
      }
      return { rows: rows.length, removed };
    });
    // A read transaction: both statements see one snapshot.
    this.countTxn = this.db.transaction((now) => {
      const settled = this.countSettled.get(now) as { aors: number; bindings: number };
      let { aors, bindings } = settled;
      for (const row of this.selectUnsettled.iterate(now, now)) {
        aors++;
        bindings += liveBindings(decodeBindings(BACKEND, row.aor, row.bindings), now).length;
      }
      return { aors, bindings };
    });
  }

  async lookup(aor: string, now: number): Promise<Binding[]> {
    this.assertOpen();
    const json = this.run('lookup', () => this.select.get(aor));
    return json === undefined ? [] : liveBindings(decodeBindings(BACKEND, aor, json), now);
  }

  modify<T>(aor: string, now: number, change: (current: readonly Binding[]) => BindingChange<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.assertOpen();
      const pending = { aor, now, change, resolve: resolve as (v: unknown) => void, reject, queuedAt: performance.now() };
      if (this.queue.push(pending) === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * Commits the queued modify() calls, MODIFY_BATCH per transaction, then settles them. When
   * another connection holds the write lock, the calls not yet committed stay queued (ahead of
   * any newer ones) and a timer tries again; `wait` (at close) lets SQLite's busy handler block
   * instead.
   */
  private flush(wait = false): void {
    this.retryTimer = undefined;
    const queued = this.queue;
    this.queue = [];
    for (let i = 0; i < queued.length; i += MODIFY_BATCH) {
      const batch = queued.slice(i, i + MODIFY_BATCH);
      let outcomes: ModifyOutcome[];
      try {
        const attempt = this.run('modify', () => this.commit(batch, wait));
        if (attempt.busy) {
          this.requeueBusy(queued.slice(i));
          return;
        }
        outcomes = attempt.value;
      } catch (error) {
        for (const p of batch) p.reject(error);
        continue;
      }
      outcomes.forEach((o, k) => (o.ok ? batch[k].resolve(o.value) : batch[k].reject(o.error)));
    }
    this.busyAttempts = 0;
  }

  /**
   * RFC 3261 §10.3: the registrar's read of the current bindings and its update are one step;
   * BEGIN IMMEDIATE holds the write lock from the reads to the commit. Busy when another
   * connection holds it, unless `wait` lets SQLite's busy handler block for it.
   */
  private commit(batch: readonly PendingModify[], wait: boolean): LockAttempt<ModifyOutcome[]> {
    if (wait) return { busy: false, value: this.batchTxn.immediate(batch) };
    return this.lock.tryNow(() => this.batchTxn.immediate(batch));
  }

  /** Puts calls that found the lock taken back at the head of the queue, failing those that waited too long. */
  private requeueBusy(waiting: readonly PendingModify[]): void {
    const now = performance.now();
    const kept: PendingModify[] = [];
    for (const p of waiting) {
      if (now - p.queuedAt < this.lock.busyTimeoutMs) kept.push(p);
      else p.reject(this.busyError('modify', now - p.queuedAt));
    }
    // flush() runs synchronously, so nothing was queued since it took the queue: kept is all.
    this.queue = kept;
    if (kept.length === 0) return;
    this.retryTimer = setTimeout(() => this.flush(), retryDelayMs(this.busyAttempts++));
  }

  private busyError(op: string, waitedMs: number): LocationStoreError {
    return new LocationStoreError(BACKEND, `${op} failed: ${lockTimeoutReason(waitedMs)}`);
  }

  async purgeExpired(now: number): Promise<number> {
    this.assertOpen();
    let removed = 0;
    // Each batch leaves its AORs with min_expires_at > now (or deletes them), so the next batch
    // selects other rows; the loop ends when a batch comes back short.
    for (;;) {
      let attempt: LockWait<{ rows: number; removed: number }>;
      try {
        attempt = await this.lock.waitFor(() => this.purgeTxn.immediate(now), () => this.closed);
      } catch (e) {
        throw storeError('purgeExpired', e);
      }
      if (!attempt.ok && attempt.abandoned) return removed;
      if (!attempt.ok) throw this.busyError('purgeExpired', attempt.waitedMs);
      const batch = attempt.value;
      removed += batch.removed;
      if (batch.rows < PURGE_BATCH) return removed;
      await nextTurn();
      if (this.closed) return removed;
    }
  }

  async list(now: number, options: ListOptions = {}): Promise<RegistrationEntry[]> {
    this.assertOpen();
    const prefix = options.aorPrefix ?? '';
    const limit = options.limit ?? Infinity;
    const after = options.after;
    return this.run('list', () => {
      const out: RegistrationEntry[] = [];
      if (limit <= 0) return out;
      // Rows are in byte order of the AOR, so the prefixed ones are contiguous from `prefix`.
      // A cursor equal to the prefix (itself an AOR) is exclusive too: start past it.
      const fromAfter = after !== undefined && Buffer.compare(Buffer.from(after), Buffer.from(prefix)) >= 0;
      const rows = fromAfter ? this.selectAfter.iterate(after, now) : this.selectFrom.iterate(prefix, now);
      for (const row of rows) {
        if (!row.aor.startsWith(prefix)) break;
        out.push({ aor: row.aor, bindings: liveBindings(decodeBindings(BACKEND, row.aor, row.bindings), now) });
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  async count(now: number): Promise<{ aors: number; bindings: number }> {
    this.assertOpen();
    return this.run('count', () => this.countTxn(now));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // Calls already accepted are committed, not dropped (waiting for the lock if need be).
    if (this.queue.length > 0) this.flush(true);
    this.closed = true;
    if (this.owned) this.db.close();
  }

  private write(aor: string, next: EncodedBindings | undefined): void {
    if (next === undefined) this.remove.run(aor);
    else this.upsert.run(aor, next.minExpiresAt, next.maxExpiresAt, next.count, next.json);
  }

  /** Runs `fn`; a SQLite failure becomes a LocationStoreError, anything else (a throwing `change`) passes. */
  private run<R>(op: string, fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      throw storeError(op, e);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new LocationStoreError(BACKEND, 'the store is closed');
  }
}

/** A SQLite failure as a LocationStoreError; anything else (a throwing `change`) unchanged. */
function storeError(op: string, e: unknown): unknown {
  return e instanceof Database.SqliteError ? new LocationStoreError(BACKEND, `${op} failed: ${e.message} (${e.code})`, { cause: e }) : e;
}
