/** SqliteWriteLock against a second connection that holds the write lock. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteWriteLock, isSqliteBusy, retryDelayMs } from '../../../src/lib/index.js';

const root = mkdtempSync(join(tmpdir(), 'sb-write-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('SqliteWriteLock', () => {
  it('answers busy at once instead of waiting, and restores the connection timeout', () => {
    const file = join(mkdtempSync(join(root, 'try-')), 'switchboard.db');
    const db = new Database(file, { timeout: 4000 });
    db.exec('CREATE TABLE t (x INTEGER)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const txn = db.transaction((x: number) => insert.run(x).changes);
    const lock = new SqliteWriteLock(db, 4000);
    const holder = new Database(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      assert.deepEqual(lock.tryNow(() => txn.immediate(1)), { busy: true });
      assert.ok(performance.now() - started < 500, 'did not sleep in the busy handler');
      assert.equal(db.pragma('busy_timeout', { simple: true }), 4000);
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    assert.deepEqual(lock.tryNow(() => txn.immediate(2)), { busy: false, value: 1 });
    assert.deepEqual(db.prepare('SELECT x FROM t').pluck().all(), [2]);
    db.close();
  });

  it('lets other errors through and classifies only SQLITE_BUSY* as busy', () => {
    const db = new Database(':memory:');
    const lock = new SqliteWriteLock(db, 100);
    const txn = db.transaction(() => db.prepare('INSERT INTO missing VALUES (1)').run());
    assert.throws(
      () => lock.tryNow(() => txn.immediate()),
      (e) => e instanceof Database.SqliteError && !isSqliteBusy(e),
    );
    assert.equal(isSqliteBusy(new Error('SQLITE_BUSY')), false);
    db.close();
  });

  it('waitFor() retries on timers until the lock is free, and reports a timeout or an abandoned wait', async () => {
    const file = join(mkdtempSync(join(root, 'wait-')), 'switchboard.db');
    const db = new Database(file);
    db.exec('CREATE TABLE t (x INTEGER)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const holder = new Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      // The holder lets go from a timer: only a wait that leaves the event loop free sees it.
      setTimeout(() => holder.exec('COMMIT'), 40);
      const freed = await new SqliteWriteLock(db, 5000).waitFor(() => insert.run(1).changes);
      assert.deepEqual(freed, { ok: true, value: 1 });

      holder.exec('BEGIN IMMEDIATE');
      const timedOut = await new SqliteWriteLock(db, 30).waitFor(() => insert.run(2).changes);
      assert.equal(timedOut.ok, false);
      assert.ok(!timedOut.ok && !timedOut.abandoned && timedOut.waitedMs >= 30);

      let polls = 0;
      const abandoned = await new SqliteWriteLock(db, 5000).waitFor(
        () => insert.run(3).changes,
        () => ++polls === 2,
      );
      assert.ok(!abandoned.ok && abandoned.abandoned);
      holder.exec('COMMIT');
      assert.deepEqual(db.prepare('SELECT x FROM t').pluck().all(), [1], 'busy attempts wrote nothing');
    } finally {
      holder.close();
      db.close();
    }
  });

  it('spaces retries like SQLite does, and keeps the last delay', () => {
    assert.deepEqual([0, 1, 2, 3].map(retryDelayMs), [1, 2, 5, 10]);
    assert.equal(retryDelayMs(50), 100);
    assert.equal(retryDelayMs(-1), 1);
  });
});
