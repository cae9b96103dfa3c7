/**
 * The SQLite location store waits for another connection's write lock on timers, not in
 * SQLite's busy handler: the "other process" here is a second connection in this very process,
 * so a store that slept on the event loop could never see it let go.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { LocationStoreError, SqliteLocationStore } from '../../../src/location/index.js';
import { binding } from '../../contract/location-store.contract.js';

const root = mkdtempSync(join(tmpdir(), 'sb-loc-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

const HOUR = 3_600_000;

function freshFile(name: string): string {
  return join(mkdtempSync(join(root, `${name}-`)), 'switchboard.db');
}

/** A second connection to `file` that holds the write lock until release(). */
function holdWriteLock(file: string): { release: () => void } {
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      other.exec('COMMIT');
      other.close();
    },
  };
}

describe('SqliteLocationStore under another connection\'s write lock', () => {
  it('keeps the event loop running, then commits the queued calls in order', async () => {
    const file = freshFile('wait');
    const store = new SqliteLocationStore({ file });
    const holder = holdWriteLock(file);
    try {
      const now = Date.now();
      const aor = 'sip:frank@example.com';
      const append = (n: number) =>
        store.modify(aor, now, (current) => ({
          bindings: [...current, binding(`sip:frank${n}@192.0.2.1`, { expiresAt: now + HOUR, cseq: n })],
          result: current.map((b) => b.cseq),
        }));
      const first = append(1);
      let settled = false;
      void first.finally(() => (settled = true));
      // Timers keep firing while the lock is held: the store is not asleep in SQLite.
      await sleep(60);
      assert.equal(settled, false, 'nothing committed while the lock is held');
      const second = append(2);
      holder.release();
      assert.deepEqual(await first, []);
      assert.deepEqual(await second, [1]);
      const found = await store.lookup(aor, now);
      assert.deepEqual(found.map((b) => b.cseq).sort(), [1, 2]);
    } finally {
      await store.close();
    }
  });

  it('fails the calls that waited longer than busyTimeoutMs with a LocationStoreError, and recovers', async () => {
    const file = freshFile('timeout');
    const store = new SqliteLocationStore({ file, busyTimeoutMs: 40 });
    const holder = holdWriteLock(file);
    const now = Date.now();
    const put = (user: string) => store.modify(`sip:${user}@example.com`, now, () => ({ bindings: [binding(`sip:${user}@192.0.2.4`, { expiresAt: now + HOUR })], result: user }));
    try {
      await assert.rejects(put('gina'), (e) => e instanceof LocationStoreError && /locked by another connection for \d+ ms \(SQLITE_BUSY\)/.test(e.message));
    } finally {
      holder.release();
    }
    try {
      assert.equal(await put('hank'), 'hank');
      assert.equal((await store.lookup('sip:gina@example.com', now)).length, 0, 'a failed call wrote nothing');
      assert.equal((await store.lookup('sip:hank@example.com', now)).length, 1);
    } finally {
      await store.close();
    }
  });

  it('purgeExpired waits for the lock on timers too', async () => {
    const file = freshFile('purge');
    const store = new SqliteLocationStore({ file });
    const now = Date.now();
    await store.modify('sip:ivy@example.com', now, () => ({ bindings: [binding('sip:ivy@192.0.2.5', { expiresAt: now + 1000 })], result: undefined }));
    const holder = holdWriteLock(file);
    try {
      const purge = store.purgeExpired(now + 2000);
      await sleep(30);
      holder.release();
      assert.equal(await purge, 1);
      assert.equal((await store.count(now)).aors, 0);
    } finally {
      await store.close();
    }
  });
});
