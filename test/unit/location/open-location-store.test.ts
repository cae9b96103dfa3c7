import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { type Config, parseConfig } from '../../../src/app/config/index.js';
import { openLocationStore } from '../../../src/app/wiring/location-store.js';
import { LocationStoreError } from '../../../src/location/index.js';
import { redisTestMode, startRedisServer } from '../../support/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-loc-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const logger = pino({ level: 'silent' });

function config(yaml: string): Config {
  const r = parseConfig(`data_dir: ${join(dir, 'data')}\n${yaml}`, 'test.yaml', { cwd: dir, interfaceAddresses: () => [] });
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  return r.value;
}

describe('openLocationStore', () => {
  it('opens SQLite in <data_dir>/switchboard.db by default', async () => {
    const store = await openLocationStore(config(''), logger);
    try {
      assert.equal(store.kind, 'sqlite');
      assert.ok(existsSync(join(dir, 'data', 'switchboard.db')));
    } finally {
      await store.close();
    }
  });

  it('opens the memory backend', async () => {
    const store = await openLocationStore(config('location:\n  backend: memory\n'), logger);
    assert.equal(store.kind, 'memory');
    await store.close();
  });

  it('opens Redis, and fails clearly when it is unreachable', async (t) => {
    const mode = redisTestMode();
    if ('skip' in mode) return t.skip(mode.skip);
    if ('fail' in mode) assert.fail(mode.fail);
    const server = await startRedisServer(mode.binary);
    try {
      const store = await openLocationStore(config(`location:\n  backend: redis\n  redis:\n    url: ${server.url}\n    key_prefix: 'open-test:'\n`), logger);
      assert.equal(store.kind, 'redis');
      await store.close();
    } finally {
      await server.stop();
    }
    await assert.rejects(
      openLocationStore(config(`location:\n  backend: redis\n  redis:\n    url: ${server.url}\n`), logger),
      (e) => e instanceof LocationStoreError && e.message.includes(server.url),
    );
  });
});
