/**
 * The LocationStore contract (src/location/types.ts), one suite for every backend, in the
 * style of undici's cacheStoreTests: a backend file calls `locationStoreContract` with a
 * factory of fresh, isolated backends. Times are near the real clock because Redis expires
 * keys by its own clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Binding, LocationStore } from '../../src/location/index.js';

/** One isolated backend (a fresh file, key prefix or map) for one test. */
export interface LocationBackend {
  /** A new store instance on this backend; all of them share the data, like several nodes. */
  open(): Promise<LocationStore>;
  /** Releases the backend's resources; the stores are already closed. */
  dispose(): Promise<void>;
}

const T0 = Date.now();
const HOUR = 3_600_000;

export function binding(contact: string, over: Partial<Binding> = {}): Binding {
  return {
    contact,
    q: 1,
    expiresAt: T0 + HOUR,
    callId: 'a84b4c76e66710@pc33.example.com',
    cseq: 1,
    source: { transport: 'udp', host: '192.0.2.10', port: 5060 },
    registeredAt: T0,
    ...over,
  };
}

/** Replaces the AOR's bindings; resolves to what `change` saw. */
function put(store: LocationStore, aor: string, bindings: readonly Binding[], now = T0): Promise<readonly Binding[]> {
  return store.modify(aor, now, (current) => ({ bindings, result: current }));
}

export function locationStoreContract(name: string, createBackend: () => Promise<LocationBackend>): void {
  /** Runs `fn` with `n` stores on one fresh backend and always cleans up. */
  async function withStores(n: number, fn: (...stores: LocationStore[]) => Promise<void>): Promise<void> {
    const backend = await createBackend();
    const stores: LocationStore[] = [];
    try {
      for (let i = 0; i < n; i++) stores.push(await backend.open());
      await fn(...stores);
    } finally {
      for (const s of stores) await s.close();
      await backend.dispose();
    }
  }

  describe(`LocationStore contract: ${name}`, () => {
    it('starts empty', () =>
      withStores(1, async (store) => {
        assert.equal(store.kind, name);
        assert.deepEqual(await store.lookup('sip:alice@example.com', T0), []);
        assert.deepEqual(await store.list(T0), []);
        assert.deepEqual(await store.count(T0), { aors: 0, bindings: 0 });
        assert.equal(await store.purgeExpired(T0), 0);
      }));

    it('adds a binding with every field intact and returns the result of change', () =>
      withStores(1, async (store) => {
        const full = binding('sip:alice@192.0.2.10:5060;transport=tcp;ob', {
          q: 0.7,
          local: 'tcp:192.0.2.1:5060',
          connectionId: 'conn-42',
          node: 'node-a',
          instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>',
          regId: 1,
          path: ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>'],
          userAgent: 'Phone/1.0',
          source: { transport: 'tcp', host: '2001:db8::10', port: 40123 },
        });
        const aor = 'sip:ålice@例え.jp';
        const result = await store.modify(aor, T0, (current) => ({ bindings: [full], result: { sawBefore: current.length } }));
        assert.deepEqual(result, { sawBefore: 0 });
        assert.deepEqual(await store.lookup(aor, T0), [full]);
        assert.deepEqual(await store.count(T0), { aors: 1, bindings: 1 });
        assert.deepEqual(await store.list(T0), [{ aor, bindings: [full] }]);
      }));

    it('gives change the current bindings, refreshes and removes', () =>
      withStores(1, async (store) => {
        const aor = 'sip:alice@example.com';
        const a = binding('sip:alice@192.0.2.10');
        const b = binding('sip:alice@192.0.2.11', { q: 0.5 });
        await put(store, aor, [a, b]);
        // Refresh a (new CSeq and expiry), keep b.
        const a2 = { ...a, cseq: 2, expiresAt: T0 + 2 * HOUR };
        const seen = await put(store, aor, [a2, b], T0 + 1000);
        assert.deepEqual(seen, [a, b]);
        assert.deepEqual(await store.lookup(aor, T0 + 1000), [a2, b]);
        // Remove b only.
        assert.deepEqual(await put(store, aor, [a2], T0 + 2000), [a2, b]);
        assert.deepEqual(await store.lookup(aor, T0 + 2000), [a2]);
        // Remove all: the AOR is gone.
        await put(store, aor, [], T0 + 3000);
        assert.deepEqual(await store.lookup(aor, T0 + 3000), []);
        assert.deepEqual(await store.count(T0 + 3000), { aors: 0, bindings: 0 });
        assert.deepEqual(await store.list(T0 + 3000), []);
        assert.equal(await store.purgeExpired(T0 + 3000), 0);
      }));

    it('a change that throws rejects modify and writes nothing', () =>
      withStores(1, async (store) => {
        const aor = 'sip:alice@example.com';
        await put(store, aor, [binding('sip:alice@192.0.2.10')]);
        const boom = new Error('boom');
        await assert.rejects(
          store.modify(aor, T0, () => {
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.equal((await store.lookup(aor, T0)).length, 1);
      }));

    it('hides expired bindings from lookup, list, count and change', () =>
      withStores(1, async (store) => {
        const short = binding('sip:alice@192.0.2.10', { expiresAt: T0 + 1000 });
        const long = binding('sip:alice@192.0.2.11');
        await put(store, 'sip:alice@example.com', [short, long]);
        await put(store, 'sip:bob@example.com', [binding('sip:bob@192.0.2.20', { expiresAt: T0 + 500 })]);
        assert.equal((await store.lookup('sip:alice@example.com', T0 + 999)).length, 2);
        // Expired at exactly its expiry time.
        assert.deepEqual(await store.lookup('sip:alice@example.com', T0 + 1000), [long]);
        assert.deepEqual(await store.lookup('sip:bob@example.com', T0 + 1000), []);
        assert.deepEqual(await store.list(T0 + 1000), [{ aor: 'sip:alice@example.com', bindings: [long] }]);
        assert.deepEqual(await store.count(T0 + 1000), { aors: 1, bindings: 1 });
        assert.deepEqual(await store.count(T0 + 400), { aors: 2, bindings: 3 });
        const seen = await store.modify('sip:alice@example.com', T0 + 1000, (current) => ({ bindings: current, result: current }));
        assert.deepEqual(seen, [long]);
        // A change may return an already expired binding: it is not kept.
        await put(store, 'sip:carol@example.com', [binding('sip:carol@192.0.2.30', { expiresAt: T0 + 10 })], T0 + 20);
        assert.deepEqual(await store.lookup('sip:carol@example.com', T0), []);
      }));

    it('purgeExpired deletes what has expired and counts it', () =>
      withStores(1, async (store) => {
        await put(store, 'sip:alice@example.com', [binding('sip:a1@192.0.2.10', { expiresAt: T0 + 1000 }), binding('sip:a2@192.0.2.11')]);
        await put(store, 'sip:bob@example.com', [binding('sip:b1@192.0.2.20', { expiresAt: T0 + 500 }), binding('sip:b2@192.0.2.21', { expiresAt: T0 + 800 })]);
        await put(store, 'sip:carol@example.com', [binding('sip:c1@192.0.2.30', { expiresAt: T0 + 5000 })]);
        assert.equal(await store.purgeExpired(T0 + 1000), 3);
        assert.equal(await store.purgeExpired(T0 + 1000), 0);
        // Really gone: even a lookup "in the past" no longer finds them.
        assert.deepEqual((await store.lookup('sip:alice@example.com', T0)).map((b) => b.contact), ['sip:a2@192.0.2.11']);
        assert.deepEqual(await store.lookup('sip:bob@example.com', T0), []);
        assert.deepEqual(await store.count(T0), { aors: 2, bindings: 2 });
        assert.deepEqual((await store.list(T0)).map((e) => e.aor), ['sip:alice@example.com', 'sip:carol@example.com']);
        assert.equal(await store.purgeExpired(T0 + 10_000), 1);
        assert.deepEqual(await store.count(T0), { aors: 1, bindings: 1 });
      }));

    it('returns bindings highest q first, equal q in the order written', () =>
      withStores(1, async (store) => {
        const aor = 'sip:alice@example.com';
        // Two flows of one instance (RFC 5626) may share a contact URI: both are kept.
        const set = [
          binding('sip:low@192.0.2.1', { q: 0.1 }),
          binding('sip:flow@192.0.2.2', { q: 0.5, regId: 1 }),
          binding('sip:top@192.0.2.3', { q: 1 }),
          binding('sip:flow@192.0.2.2', { q: 0.5, regId: 2 }),
          binding('sip:zero@192.0.2.4', { q: 0 }),
        ];
        await put(store, aor, set);
        const order = (bs: readonly Binding[]) => bs.map((b) => `${b.contact}/${b.q}/${b.regId ?? '-'}`);
        const expected = ['sip:top@192.0.2.3/1/-', 'sip:flow@192.0.2.2/0.5/1', 'sip:flow@192.0.2.2/0.5/2', 'sip:low@192.0.2.1/0.1/-', 'sip:zero@192.0.2.4/0/-'];
        assert.deepEqual(order(await store.lookup(aor, T0)), expected);
        assert.deepEqual(order((await store.list(T0))[0].bindings), expected);
        assert.deepEqual(order(await put(store, aor, set)), expected);
      }));

    it('modify is atomic: 50 concurrent increments from two store instances lose nothing', () =>
      withStores(2, async (one, two) => {
        const aor = 'sip:counter@example.com';
        await put(one, aor, [binding('sip:counter@192.0.2.1', { cseq: 0 })]);
        const increment = (store: LocationStore) =>
          store.modify(aor, T0, (current) => {
            const next = current[0].cseq + 1;
            return { bindings: [{ ...current[0], cseq: next }], result: next };
          });
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => increment(i % 2 === 0 ? one : two)));
        // Every increment saw a distinct value: no two read the same state.
        assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
        assert.equal((await one.lookup(aor, T0))[0].cseq, 50);
        assert.equal((await two.lookup(aor, T0))[0].cseq, 50);
      }));

    it('store instances on one backend see each other’s writes', () =>
      withStores(2, async (one, two) => {
        await put(one, 'sip:alice@example.com', [binding('sip:alice@192.0.2.10')]);
        assert.equal((await two.lookup('sip:alice@example.com', T0)).length, 1);
        await put(two, 'sip:alice@example.com', []);
        assert.deepEqual(await one.lookup('sip:alice@example.com', T0), []);
      }));

    it('lists AORs in order, by prefix, at most limit', () =>
      withStores(1, async (store) => {
        const aors = ['sip:bob@example.com', 'sip:alice@example.com', 'sip:alice2@example.com', 'sips:alice@example.com', 'sip:alf@example.com'];
        for (const aor of aors) await put(store, aor, [binding(`${aor.replace(/^sips?:/, 'sip:')};c`)]);
        const names = async (options?: { aorPrefix?: string; limit?: number; after?: string }) => (await store.list(T0, options)).map((e) => e.aor);
        assert.deepEqual(await names(), ['sip:alf@example.com', 'sip:alice2@example.com', 'sip:alice@example.com', 'sip:bob@example.com', 'sips:alice@example.com']);
        assert.deepEqual(await names({ aorPrefix: 'sip:ali' }), ['sip:alice2@example.com', 'sip:alice@example.com']);
        assert.deepEqual(await names({ aorPrefix: 'sip:al', limit: 2 }), ['sip:alf@example.com', 'sip:alice2@example.com']);
        assert.deepEqual(await names({ limit: 1 }), ['sip:alf@example.com']);
        assert.deepEqual(await names({ limit: 0 }), []);
        assert.deepEqual(await names({ aorPrefix: 'sip:zed' }), []);
        assert.deepEqual(await names({ aorPrefix: 'sips:alice@example.com' }), ['sips:alice@example.com']);
        // `after` is an exclusive cursor, combined with the prefix and the limit.
        assert.deepEqual(await names({ after: 'sip:alice2@example.com', limit: 2 }), ['sip:alice@example.com', 'sip:bob@example.com']);
        assert.deepEqual(await names({ after: 'sip:alice@example.com', aorPrefix: 'sip:al' }), []);
        assert.deepEqual(await names({ after: 'sip:a', aorPrefix: 'sip:ali' }), ['sip:alice2@example.com', 'sip:alice@example.com']);
        assert.deepEqual(await names({ after: 'sip:zzz' }), ['sips:alice@example.com']);
        assert.deepEqual(await names({ after: 'sips:alice@example.com' }), []);
        // A cursor equal to the prefix is still exclusive: that AOR was on the previous page.
        assert.deepEqual(await names({ aorPrefix: 'sips:alice@example.com', after: 'sips:alice@example.com' }), []);
        assert.deepEqual(await names({ aorPrefix: 'sip:alice@example.com', after: 'sip:alice@example.com' }), []);
      }));

    it('list and count cover more AORs than one batch', () =>
      withStores(1, async (store) => {
        const n = 1201;
        await Promise.all(
          Array.from({ length: n }, (_, i) => {
            const aor = `sip:user${String(i).padStart(5, '0')}@example.com`;
            const bs = [binding(`sip:u${i}@192.0.2.1`, { expiresAt: T0 + (i % 3 === 0 ? 1000 : HOUR) })];
            if (i % 2 === 0) bs.push(binding(`sip:u${i}@192.0.2.2`, { q: 0.5 }));
            return put(store, aor, bs);
          }),
        );
        assert.deepEqual(await store.count(T0), { aors: n, bindings: n + 601 });
        // At T0+1000 the first binding of every third AOR has expired; odd ones among them vanish.
        const vanished = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 0 && i % 2 === 1).length;
        const expiredBindings = Math.ceil(n / 3);
        assert.deepEqual(await store.count(T0 + 1000), { aors: n - vanished, bindings: n + 601 - expiredBindings });
        const all = await store.list(T0 + 1000, { aorPrefix: 'sip:user' });
        assert.equal(all.length, n - vanished);
        assert.ok(all.every((e, i) => i === 0 || all[i - 1].aor < e.aor));
        assert.equal((await store.list(T0, { limit: 1000 })).length, 1000);
        // Paging with the cursor visits every AOR once, in order, across store batches.
        const paged: string[] = [];
        for (let page = 0, after: string | undefined; page < 10; page++) {
          const entries = await store.list(T0 + 1000, { aorPrefix: 'sip:user', limit: 500, ...(after === undefined ? {} : { after }) });
          paged.push(...entries.map((e) => e.aor));
          if (entries.length < 500) break;
          after = entries[entries.length - 1].aor;
        }
        assert.deepEqual(paged, all.map((e) => e.aor));
        assert.equal(await store.purgeExpired(T0 + 1000), expiredBindings);
      }));

    it('close: later calls reject, closing twice is harmless, the data stays', () =>
      withStores(1, async (store) => {
        const backend = await createBackend();
        const first = await backend.open();
        await put(first, 'sip:alice@example.com', [binding('sip:alice@192.0.2.10')]);
        await first.close();
        await first.close();
        await assert.rejects(first.lookup('sip:alice@example.com', T0), /closed/);
        await assert.rejects(put(first, 'sip:alice@example.com', []), /closed/);
        await assert.rejects(first.count(T0), /closed/);
        const second = await backend.open();
        try {
          assert.equal((await second.lookup('sip:alice@example.com', T0)).length, 1);
        } finally {
          await second.close();
          await backend.dispose();
        }
        // The suite's own store is unaffected by the other backend.
        assert.deepEqual(await store.count(T0), { aors: 0, bindings: 0 });
      }));
  });
}
