/**
 * Location store throughput and footprint, per backend, each in its own process: 100,000
 * AORs with one binding each are registered (modify on a new AOR), then for a fixed time
 * re-registered (modify refreshing the binding, as a REGISTER refresh does) and looked up.
 * Reports the SQLite file size, process RSS after loading, and Redis's own memory use.
 * Redis runs on a throwaway redis-server on a free loopback port (skipped when missing).
 * Target: ≥ 15,000 modify()/s (one REGISTER each).
 *   node dist/bench/location.bench.js [seconds-per-figure] [memory|sqlite|redis]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type Binding, type LocationStore, MemoryLocationStore, RedisLocationStore, SqliteLocationStore } from '../src/location/index.js';
import { findRedisServer, startRedisServer } from '../test/support/redis-server.js';

const SECONDS = Number(process.argv[2] ?? 2);
const BACKEND = process.argv[3];
const AORS = 100_000;
const TARGET = 15_000;
/** Operations in flight at once: many REGISTERs are being handled concurrently. */
const CONCURRENCY = 64;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const aorOf = (i: number) => `sip:user${i}@example.com`;

function bindingOf(i: number, now: number, cseq: number, registeredAt = now): Binding {
  return {
    contact: `sip:user${i}@198.51.100.${i % 250}:${5060 + (i % 1000)};transport=udp`,
    q: 1,
    expiresAt: now + 3_600_000,
    callId: `${i}-a84b4c76e66710@pc33.example.com`,
    cseq,
    source: { transport: 'udp', host: `198.51.100.${i % 250}`, port: 5060 + (i % 1000) },
    local: 'udp:192.0.2.1:5060',
    userAgent: 'Bench-Phone/1.0',
    registeredAt,
  };
}

/** A REGISTER refresh: same contact, new expiry and CSeq. */
function register(store: LocationStore, i: number, now: number): Promise<void> {
  return store.modify(aorOf(i), now, (current) => ({
    bindings: [bindingOf(i, now, (current[0]?.cseq ?? 0) + 1, current[0]?.registeredAt ?? now)],
    result: undefined,
  }));
}

/** Runs `op` `count` times with CONCURRENCY in flight; returns operations per second. */
async function runCount(count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / ((performance.now() - t0) / 1000);
}

/** Runs `op` on random AORs for `ms`; returns operations per second. */
async function runFor(ms: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      await op(Math.floor(Math.random() * AORS));
      n++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return n / ((performance.now() - t0) / 1000);
}

async function benchOne(backend: string): Promise<void> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const notes: string[] = [];
  let store: LocationStore;
  let redisUrl = '';
  let dbFile = '';
  if (backend === 'memory') {
    store = new MemoryLocationStore();
  } else if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bench-sqlite-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    dbFile = join(dir, 'switchboard.db');
    store = new SqliteLocationStore({ file: dbFile });
  } else {
    const binary = findRedisServer();
    if (binary === undefined) {
      console.log(`${backend.padEnd(7)} skipped: redis-server not installed`);
      return;
    }
    const server = await startRedisServer(binary);
    cleanups.push(() => server.stop());
    redisUrl = server.url;
    store = await RedisLocationStore.open({ url: redisUrl });
  }
  try {
    const now = Date.now();
    const rss0 = process.memoryUsage().rss;
    const insert = await runCount(AORS, (i) => register(store, i, now));
    const rss = process.memoryUsage().rss;
    const counted = await store.count(now);
    if (counted.aors !== AORS || counted.bindings !== AORS) throw new Error(`expected ${AORS} AORs, counted ${JSON.stringify(counted)}`);
    await runFor(300, (i) => register(store, i, now));
    const refresh = await runFor(SECONDS * 1000, (i) => register(store, i, now));
    const lookup = await runFor(SECONDS * 1000, (i) => store.lookup(aorOf(i), now));
    if (dbFile !== '') {
      const wal = statSync(`${dbFile}-wal`, { throwIfNoEntry: false })?.size ?? 0;
      notes.push(`file ${mib(statSync(dbFile).size)} + WAL ${mib(wal)}`);
    }
    if (redisUrl !== '') {
      const admin = new Redis(redisUrl);
      const info = await admin.info('memory');
      await admin.quit();
      notes.push(`redis-server used_memory ${mib(Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0))}`);
    }
    notes.push(`RSS ${mib(rss)} (+${mib(rss - rss0)} loading)`);
    const met = refresh >= TARGET ? 'met' : 'NOT met';
    console.log(
      `${backend.padEnd(7)}${fmt(insert).padStart(12)}${fmt(refresh).padStart(12)}${fmt(lookup).padStart(12)}   target ${met}; ${notes.join(', ')}`,
    );
  } finally {
    await store.close();
    for (const c of cleanups) await c();
  }
}

if (BACKEND !== undefined) {
  await benchOne(BACKEND);
} else {
  console.log(`Location store — ${fmt(AORS)} AORs × 1 binding, ${CONCURRENCY} calls in flight, ${SECONDS} s per timed figure, node ${process.version}`);
  console.log(`${'backend'.padEnd(7)}${'insert/s'.padStart(12)}${'modify/s'.padStart(12)}${'lookup/s'.padStart(12)}   (modify = REGISTER refresh; target ≥ ${fmt(TARGET)}/s)`);
  let failed = false;
  for (const backend of ['memory', 'sqlite', 'redis']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(SECONDS), backend], { stdio: 'inherit' });
    if (r.status !== 0) failed = true;
  }
  if (failed) process.exit(1);
}
