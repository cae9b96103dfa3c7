/**
 * The BanStore contract (src/security/ban-store.ts), one suite run against every backend:
 * a backend file calls `banStoreContract` with a factory of fresh, isolated backends whose
 * stores share data like several nodes (or the CLI and the server) do.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ban, BanStore } from '../../../src/security/index.js';

export interface BanBackend {
  /** A new store on this backend; all share the data. */
  open(): Promise<BanStore>;
  dispose(): Promise<void>;
}

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

export function ban(address: string, over: Partial<Ban> = {}): Ban {
  return { address, expiresAt: T0 + HOUR, reason: '5 failed authentications', createdAt: T0, ...over };
}

export function banStoreContract(name: string, createBackend: () => Promise<BanBackend>): void {
  async function withStores(n: number, fn: (...stores: BanStore[]) => Promise<void>): Promise<void> {
    const backend = await createBackend();
    const stores: BanStore[] = [];
    try {
      for (let i = 0; i < n; i++) stores.push(await backend.open());
      await fn(...stores);
    } finally {
      for (const s of stores) await s.close();
      await backend.dispose();
    }
  }

  describe(`BanStore contract: ${name}`, () => {
    it('starts empty and lists what was added, ordered by address', () =>
      withStores(1, async (store) => {
        assert.equal(store.kind, name);
        assert.deepEqual(await store.list(T0), []);
        await store.add(ban('192.0.2.9'));
        await store.add(ban('2001:db8::1', { expiresAt: null, reason: 'operator' }));
        await store.add(ban('192.0.2.10'));
        assert.deepEqual(await store.list(T0), [ban('192.0.2.10'), ban('192.0.2.9'), ban('2001:db8::1', { expiresAt: null, reason: 'operator' })]);
      }));

    it('a second add of an address replaces its ban', () =>
      withStores(1, async (store) => {
        await store.add(ban('192.0.2.9'));
        await store.add(ban('192.0.2.9', { expiresAt: T0 + 2 * HOUR, reason: 'flood' }));
        assert.deepEqual(await store.list(T0), [ban('192.0.2.9', { expiresAt: T0 + 2 * HOUR, reason: 'flood' })]);
      }));

    it('expired bans are not listed, and purgeExpired deletes exactly them', () =>
      withStores(1, async (store) => {
        await store.add(ban('192.0.2.1', { expiresAt: T0 + 1000 }));
        await store.add(ban('192.0.2.2', { expiresAt: T0 + HOUR }));
        await store.add(ban('192.0.2.3', { expiresAt: null }));
        assert.deepEqual((await store.list(T0 + 1000)).map((b) => b.address), ['192.0.2.2', '192.0.2.3']);
        assert.equal(await store.purgeExpired(T0 + 1000), 1);
        assert.equal(await store.purgeExpired(T0 + 1000), 0);
        assert.deepEqual((await store.list(T0)).map((b) => b.address), ['192.0.2.2', '192.0.2.3']);
      }));

    it('remove lifts a ban and says whether one was in force', () =>
      withStores(1, async (store) => {
        await store.add(ban('192.0.2.1'));
        await store.add(ban('192.0.2.2', { expiresAt: T0 - 1 }));
        assert.equal(await store.remove('192.0.2.1', T0), true);
        assert.equal(await store.remove('192.0.2.1', T0), false);
        assert.equal(await store.remove('192.0.2.2', T0), false);
        assert.equal(await store.remove('198.51.100.7', T0), false);
        assert.deepEqual(await store.list(T0 - 10), []);
      }));

    it('stores on one backend share the bans, and the revision changes with every write by any of them', () =>
      withStores(2, async (one, two) => {
        const r0 = await two.revision();
        assert.equal(await two.revision(), r0, 'the revision is stable while nothing changes');
        await one.add(ban('192.0.2.1'));
        const r1 = await two.revision();
        assert.notEqual(r1, r0, "two sees one's add");
        assert.deepEqual(await two.list(T0), [ban('192.0.2.1')]);
        const mine = await two.revision();
        await two.remove('192.0.2.1', T0);
        assert.notEqual(await two.revision(), mine, 'a store sees its own writes in its revision too');
        assert.deepEqual(await one.list(T0), []);
      }));

    it('bans outlive the store that wrote them (a restart)', async () => {
      const backend = await createBackend();
      try {
        const first = await backend.open();
        await first.add(ban('192.0.2.77', { reason: 'scanner' }));
        await first.close();
        const second = await backend.open();
        assert.deepEqual(await second.list(T0), [ban('192.0.2.77', { reason: 'scanner' })]);
        await second.close();
      } finally {
        await backend.dispose();
      }
    });
  });
}
