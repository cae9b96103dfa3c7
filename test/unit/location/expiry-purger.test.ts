import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { ExpiryPurger, type LocationStore, MemoryLocationStore } from '../../../src/location/index.js';
import { binding } from '../../contract/location-store.contract.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('ExpiryPurger', () => {
  it('sweeps every interval with the wall clock and reports what it removed', async () => {
    const clock = new ManualClock();
    const store = new MemoryLocationStore();
    const t = clock.wallNow();
    await store.modify('sip:a@example.com', t, () => ({
      bindings: [binding('sip:a1@192.0.2.1', { expiresAt: t + 15_000 }), binding('sip:a2@192.0.2.2', { expiresAt: t + 25_000 })],
      result: undefined,
    }));
    const purged: number[] = [];
    const purger = new ExpiryPurger({ store, clock, intervalMs: 10_000, onPurged: (n) => purged.push(n) });
    purger.start();
    clock.advance(10_000);
    await flush();
    assert.deepEqual(purged, []);
    clock.advance(10_000);
    await flush();
    assert.deepEqual(purged, [1]);
    clock.advance(10_000);
    await flush();
    assert.deepEqual(purged, [1, 1]);
    assert.deepEqual(await store.count(t), { aors: 0, bindings: 0 });
    await purger.stop();
    clock.advance(100_000);
    await flush();
    assert.deepEqual(purged, [1, 1]);
  });

  it('reports a failed sweep and keeps sweeping', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const failing = {
      purgeExpired: async () => {
        calls++;
        throw new Error('backend down');
      },
    } as unknown as LocationStore;
    const errors: unknown[] = [];
    const purger = new ExpiryPurger({ store: failing, clock, intervalMs: 1000, onError: (e) => errors.push(e) });
    purger.start();
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await flush();
    }
    assert.equal(calls, 3);
    assert.equal(errors.length, 3);
    assert.match(String(errors[0]), /backend down/);
    await purger.stop();
  });
});
