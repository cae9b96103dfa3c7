import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { LocationStoreError, SqliteLocationStore } from '../../../src/location/index.js';
import { binding, locationStoreContract } from '../../contract/location-store.contract.js';

const root = mkdtempSync(join(tmpdir(), 'sb-loc-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));

locationStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(root, 'contract-'));
  const file = join(dir, 'switchboard.db');
  return {
    open: async () => new SqliteLocationStore({ file }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'sqlite-child.js');

/** Runs the child script; resolves with its exit code and output. */
function runChild(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n').slice(0, -1)) onLine?.(line, () => child.kill('SIGKILL'));
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('SqliteLocationStore', () => {
  it('a binding whose modify() resolved survives kill -9 of the writer', async () => {
    const dir = mkdtempSync(join(root, 'kill-'));
    const file = join(dir, 'switchboard.db');
    const r = await runChild(['commit-then-hang', file, 'sip:durable@example.com'], (line, kill) => {
      if (line === 'committed') kill();
    });
    assert.equal(r.signal, 'SIGKILL', `child output: ${r.out}`);
    const store = new SqliteLocationStore({ file });
    try {
      const found = await store.lookup('sip:durable@example.com', Date.now());
      assert.deepEqual(
        found.map((b) => b.contact),
        ['sip:committed@192.0.2.1'],
      );
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });

  it('two processes incrementing one AOR lose no update', async () => {
    const dir = mkdtempSync(join(root, 'procs-'));
    const file = join(dir, 'switchboard.db');
    // Create the file first so both children find the table.
    await new SqliteLocationStore({ file }).close();
    const results = await Promise.all([runChild(['increment', file, 'sip:c@example.com', '50']), runChild(['increment', file, 'sip:c@example.com', '50'])]);
    for (const r of results) assert.equal(r.code, 0, r.out);
    const store = new SqliteLocationStore({ file });
    try {
      assert.equal((await store.lookup('sip:c@example.com', Date.now()))[0].cseq, 100);
    } finally {
      await store.close();
    }
  });

  it('uses WAL, shares the file with other tables and leaves them alone', async () => {
    const dir = mkdtempSync(join(root, 'shared-'));
    const file = join(dir, 'switchboard.db');
    const other = new Database(file);
    other.exec("CREATE TABLE auth_users (name TEXT PRIMARY KEY); INSERT INTO auth_users VALUES ('alice')");
    const store = new SqliteLocationStore({ file });
    try {
      await store.modify('sip:alice@example.com', Date.now(), () => ({ bindings: [binding('sip:alice@192.0.2.10')], result: undefined }));
      const fresh = new Database(file, { readonly: true });
      assert.equal(fresh.pragma('journal_mode', { simple: true }), 'wal');
      fresh.close();
      assert.deepEqual(other.prepare('SELECT name FROM auth_users').pluck().all(), ['alice']);
      const tables = other.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      assert.deepEqual(tables, ['auth_users', 'location_bindings']);
      // Reopening finds the table already there.
      await new SqliteLocationStore({ file }).close();
    } finally {
      await store.close();
      other.close();
    }
  });

  it('a corrupt row is a LocationStoreError, not a crash', async () => {
    const dir = mkdtempSync(join(root, 'corrupt-'));
    const file = join(dir, 'switchboard.db');
    const store = new SqliteLocationStore({ file });
    const other = new Database(file);
    try {
      other.prepare("INSERT INTO location_bindings VALUES ('sip:bad@example.com', 0, 9e15, 1, '{not json')").run();
      await assert.rejects(store.lookup('sip:bad@example.com', 0), (e) => e instanceof LocationStoreError && /corrupt bindings of sip:bad@example.com/.test(e.message));
    } finally {
      other.close();
      await store.close();
    }
  });

  it('group commit: calls made in one turn apply in call order, and a throwing change fails alone', async () => {
    const dir = mkdtempSync(join(root, 'group-'));
    const file = join(dir, 'switchboard.db');
    const store = new SqliteLocationStore({ file });
    const reader = new Database(file, { readonly: true });
    try {
      const now = Date.now();
      const aor = 'sip:carol@example.com';
      const append = (n: number) =>
        store.modify(aor, now, (current) => ({
          bindings: [...current, binding(`sip:carol${n}@192.0.2.1`, { expiresAt: now + 3_600_000, cseq: n })],
          result: current.map((b) => b.cseq),
        }));
      const boom = new Error('change failed');
      const calls = [
        append(1),
        append(2),
        store.modify(aor, now, () => {
          throw boom;
        }),
        append(3),
        store.modify('sip:dave@example.com', now, () => ({ bindings: [binding('sip:dave@192.0.2.2', { expiresAt: now + 3_600_000 })], result: 'dave' })),
      ];
      // Nothing is written before the end of the turn.
      assert.equal(reader.prepare('SELECT count(*) FROM location_bindings').pluck().get(), 0);
      const settled = await Promise.allSettled(calls);
      assert.deepEqual(settled[0], { status: 'fulfilled', value: [] });
      assert.deepEqual(settled[1], { status: 'fulfilled', value: [1] });
      assert.deepEqual(settled[2], { status: 'rejected', reason: boom });
      assert.deepEqual(settled[3], { status: 'fulfilled', value: [1, 2] });
      assert.deepEqual(settled[4], { status: 'fulfilled', value: 'dave' });
      // Committed by the time the promises settle: another connection sees all of it.
      const stored = JSON.parse(reader.prepare('SELECT bindings FROM location_bindings WHERE aor = ?').pluck().get(aor) as string) as Array<{ cseq: number }>;
      assert.deepEqual(stored.map((b) => b.cseq).sort(), [1, 2, 3]);
      assert.equal(reader.prepare('SELECT count(*) FROM location_bindings').pluck().get(), 2);
    } finally {
      reader.close();
      await store.close();
    }
  });

  it('close() commits the calls already queued instead of dropping them', async () => {
    const dir = mkdtempSync(join(root, 'close-'));
    const file = join(dir, 'switchboard.db');
    const store = new SqliteLocationStore({ file });
    const now = Date.now();
    const pending = store.modify('sip:erin@example.com', now, () => ({ bindings: [binding('sip:erin@192.0.2.3', { expiresAt: now + 3_600_000 })], result: 'queued' }));
    await store.close();
    assert.equal(await pending, 'queued');
    const reopened = new SqliteLocationStore({ file });
    try {
      assert.equal((await reopened.lookup('sip:erin@example.com', now)).length, 1);
    } finally {
      await reopened.close();
    }
  });

  it('an unusable file is a LocationStoreError naming it', () => {
    const file = join(root, 'missing-dir', 'sub', 'switchboard.db');
    assert.throws(() => new SqliteLocationStore({ file }), (e) => e instanceof LocationStoreError && e.message.includes(file));
  });
});
