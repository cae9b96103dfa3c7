import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { MemoryBanStore, RedisBanStore, SqliteBanStore, memoryBanData } from '../../../src/security/index.js';
import { type RedisServer, redisTestMode, startRedisServer } from '../../support/redis-server.js';
import { ban, banStoreContract } from './ban-store.contract.js';

banStoreContract('memory', async () => {
  const data = memoryBanData();
  return { open: async () => new MemoryBanStore(data), dispose: async () => undefined };
});

banStoreContract('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bans-'));
  return { open: async () => new SqliteBanStore({ file: join(dir, 'switchboard.db') }), dispose: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe('SqliteBanStore', () => {
  it('waits for another connection\'s write lock on timers (the event loop runs on), and fails after busyTimeoutMs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bans-'));
    const file = join(dir, 'switchboard.db');
    const store = new SqliteBanStore({ file, busyTimeoutMs: 2000 });
    const holder = new Database(file);
    try {
      holder.exec('BEGIN IMMEDIATE');
      let done = false;
      const adding = store.add(ban('192.0.2.7')).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(done, false, 'nothing written while the lock is held');
      holder.exec('COMMIT');
      await adding;
      assert.deepEqual((await store.list(Date.UTC(2026, 0, 1))).map((b) => b.address), ['192.0.2.7']);

      const impatient = new SqliteBanStore({ file, busyTimeoutMs: 30 });
      holder.exec('BEGIN IMMEDIATE');
      await assert.rejects(impatient.purgeExpired(Date.now()), /locked by another connection for \d+ ms \(SQLITE_BUSY\)/);
      holder.exec('COMMIT');
      assert.equal(await impatient.purgeExpired(Date.now()), 1, 'the ban of 2026-01-01 has expired');
      await impatient.close();
    } finally {
      holder.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps its rows in a `bans` table of the shared file, next to other tables it does not touch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bans-'));
    try {
      const file = join(dir, 'switchboard.db');
      const other = new Database(file);
      other.exec('CREATE TABLE location_bindings (aor TEXT PRIMARY KEY)');
      other.prepare('INSERT INTO location_bindings VALUES (?)').run('sip:alice@example.com');
      const store = new SqliteBanStore({ file });
      await store.add(ban('192.0.2.1'));
      const rows = other.prepare('SELECT address, reason FROM bans').all();
      assert.deepEqual(rows, [{ address: '192.0.2.1', reason: '5 failed authentications' }]);
      assert.equal((other.prepare('SELECT COUNT(*) AS n FROM location_bindings').get() as { n: number }).n, 1);
      // A write by another connection (the CLI) changes the revision the server polls.
      const r = await store.revision();
      other.prepare('DELETE FROM bans').run();
      assert.notEqual(await store.revision(), r);
      await store.close();
      other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const mode = redisTestMode();
if ('fail' in mode) {
  it('redis-server is available for the Redis ban store tests', () => assert.fail(mode.fail));
} else if ('skip' in mode) {
  describe('RedisBanStore', { skip: mode.skip }, () => {
    it('needs redis-server', () => undefined);
  });
} else {
  let server: RedisServer | undefined;
  const url = () => {
    if (server === undefined) throw new Error('redis-server not started');
    return server.url;
  };
  before(async () => {
    server = await startRedisServer(mode.binary);
  });
  after(async () => server?.stop());

  banStoreContract('redis', async () => {
    const keyPrefix = `t${randomBytes(4).toString('hex')}:`;
    return {
      open: () => RedisBanStore.open({ url: url(), keyPrefix }),
      dispose: async () => {
        const admin = new Redis(url());
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
        await admin.quit();
      },
    };
  });

  describe('RedisBanStore', () => {
    it('writes under the location prefix: {p}ban:all and {p}ban:rev', async () => {
      const store = await RedisBanStore.open({ url: url(), keyPrefix: 'layout:' });
      const admin = new Redis(url());
      try {
        await store.add(ban('192.0.2.1'));
        assert.deepEqual((await admin.keys('layout:*')).sort(), ['layout:ban:all', 'layout:ban:rev']);
        assert.deepEqual(JSON.parse((await admin.hget('layout:ban:all', '192.0.2.1'))!), { expiresAt: ban('x').expiresAt, reason: '5 failed authentications', createdAt: ban('x').createdAt });
      } finally {
        await store.close();
        await admin.quit();
      }
    });
  });
}
