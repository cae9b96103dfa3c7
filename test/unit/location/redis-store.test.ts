import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { LocationStoreError, RedisLocationStore } from '../../../src/location/index.js';
import { type RedisServer, redisTestMode, startRedisServer } from '../../support/redis-server.js';
import { binding, locationStoreContract } from '../../contract/location-store.contract.js';

const mode = redisTestMode();

if ('fail' in mode) {
  it('redis-server is available for the Redis location store tests', () => assert.fail(mode.fail));
} else if ('skip' in mode) {
  describe('RedisLocationStore', { skip: mode.skip }, () => {
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

  /** Each backend is a fresh key prefix on the shared server; dispose deletes its keys. */
  locationStoreContract('redis', async () => {
    const keyPrefix = `t${randomBytes(4).toString('hex')}:`;
    return {
      open: () => RedisLocationStore.open({ url: url(), keyPrefix }),
      dispose: async () => {
        const admin = new Redis(url());
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
        await admin.quit();
      },
    };
  });

  describe('RedisLocationStore', () => {
    it('two store instances on one redis-server see each other’s writes; keys carry the prefix and an expiry', async () => {
      const one = await RedisLocationStore.open({ url: url(), keyPrefix: 'node-test:' });
      const two = await RedisLocationStore.open({ url: url(), keyPrefix: 'node-test:' });
      const admin = new Redis(url());
      try {
        const now = Date.now();
        const b = binding('sip:alice@192.0.2.10', { expiresAt: now + 60_000 });
        await one.modify('sip:alice@example.com', now, () => ({ bindings: [b], result: undefined }));
        assert.deepEqual(await two.lookup('sip:alice@example.com', now), [b]);
        await two.modify('sip:bob@example.com', now, () => ({ bindings: [b], result: undefined }));
        assert.deepEqual(await one.count(now), { aors: 2, bindings: 2 });
        assert.deepEqual((await admin.keys('node-test:*')).sort(), [
          'node-test:loc:aor:sip:alice@example.com',
          'node-test:loc:aor:sip:bob@example.com',
          'node-test:loc:aors',
          'node-test:loc:expiry',
        ]);
        // PEXPIREAT: the latest binding expiry plus the 60 s grace.
        const ttl = await admin.pttl('node-test:loc:aor:sip:alice@example.com');
        assert.ok(ttl > 60_000 && ttl <= 120_000, `pttl ${ttl}`);
        await one.modify('sip:alice@example.com', now, () => ({ bindings: [], result: undefined }));
        await one.modify('sip:bob@example.com', now, () => ({ bindings: [], result: undefined }));
        assert.deepEqual(await admin.keys('node-test:*'), []);
      } finally {
        await one.close();
        await two.close();
        await admin.quit();
      }
    });

    it('a key Redis expired on its own is skipped by list and cleaned by purgeExpired', async () => {
      const store = await RedisLocationStore.open({ url: url(), keyPrefix: 'expire-test:', expiryGraceMs: 0 });
      const admin = new Redis(url());
      try {
        const now = Date.now();
        await store.modify('sip:gone@example.com', now, () => ({ bindings: [binding('sip:g@192.0.2.1', { expiresAt: now + 50 })], result: undefined }));
        for (let i = 0; i < 100 && (await admin.exists('expire-test:loc:aor:sip:gone@example.com')) === 1; i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(await store.list(now), []);
        assert.deepEqual(await store.count(now), { aors: 0, bindings: 0 });
        assert.equal(await store.purgeExpired(Date.now()), 0);
        assert.deepEqual(await admin.keys('expire-test:*'), []);
      } finally {
        await store.close();
        await admin.quit();
      }
    });

    it('an unreachable Redis fails open() with a clear message', async () => {
      const dead = await startRedisServer(mode.binary);
      const deadUrl = dead.url;
      await dead.stop();
      await assert.rejects(RedisLocationStore.open({ url: deadUrl }), (e) => e instanceof LocationStoreError && e.message.includes(`cannot connect to ${deadUrl}`) && /ECONNREFUSED/.test(e.message));
    });

    it('Redis going away rejects calls with LocationStoreError instead of crashing', async () => {
      const own = await startRedisServer(mode.binary);
      const errors: Error[] = [];
      const store = await RedisLocationStore.open({ url: own.url, onConnectionError: (e) => errors.push(e) });
      try {
        const now = Date.now();
        await store.modify('sip:a@example.com', now, () => ({ bindings: [binding('sip:a@192.0.2.1')], result: undefined }));
        await own.stop();
        await assert.rejects(store.lookup('sip:a@example.com', now), (e) => e instanceof LocationStoreError && /lookup failed/.test(e.message));
        await assert.rejects(
          store.modify('sip:a@example.com', now, () => ({ bindings: [], result: undefined })),
          (e) => e instanceof LocationStoreError,
        );
        assert.ok(errors.length > 0, 'connection errors were reported');
      } finally {
        await store.close();
        await own.stop();
      }
    });
  });
}
