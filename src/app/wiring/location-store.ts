/** Opens the location store the config asks for (`location.backend`). */
import type Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type LocationStore, MemoryLocationStore, RedisLocationStore, SqliteLocationStore } from '../../location/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';

/** The SQLite file in the data directory; other modules keep their own tables in it. */
export const DATABASE_FILE = 'switchboard.db';

/**
 * Rejects with a LocationStoreError when the backend cannot be opened (file, Redis connection).
 * `database`: an open connection to the data directory's SQLite file to share (the user
 * directory's), so the two do not invalidate each other's page cache.
 */
export async function openLocationStore(config: Config, logger: Logger, database?: Database.Database): Promise<LocationStore> {
  const log = logger.child({ component: 'location' });
  const location = config.location;
  switch (location.backend) {
    case 'memory':
      log.warn('location backend is memory: registrations are lost when the server stops');
      return new MemoryLocationStore();
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      const file = join(config.dataDir, DATABASE_FILE);
      const store = new SqliteLocationStore({ file, ...(database === undefined ? {} : { database }) });
      log.info({ file }, 'location store opened');
      return store;
    }
    case 'redis': {
      const store = await RedisLocationStore.open({
        url: location.redis.url,
        keyPrefix: location.redis.keyPrefix,
        onConnectionError: (err) => log.warn({ err: err.message }, 'Redis connection error (reconnecting)'),
      });
      log.info({ keyPrefix: location.redis.keyPrefix }, 'location store connected to Redis');
      return store;
    }
  }
}
