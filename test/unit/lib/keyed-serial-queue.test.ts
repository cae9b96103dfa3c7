/** KeyedSerialQueue: one key's calls in order, keys concurrent, failures do not stop a queue. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedSerialQueue } from '../../../src/lib/index.js';

/** A promise settled from outside. */
function gate<T = void>() {
  let open!: (v: T) => void;
  let fail!: (e: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('KeyedSerialQueue', () => {
  it('starts a key\'s next call only after the one before settled; other keys run meanwhile', async () => {
    const q = new KeyedSerialQueue();
    const log: string[] = [];
    const a1 = gate<string>();
    const p1 = q.run('a', async () => {
      log.push('a1 start');
      return a1.promise;
    });
    const p2 = q.run('a', async () => {
      log.push('a2 start');
      return 'a2';
    });
    const p3 = q.run('b', async () => {
      log.push('b1 start');
      return 'b1';
    });
    await turn();
    assert.deepEqual(log, ['a1 start', 'b1 start']);
    assert.equal(await p3, 'b1');
    a1.open('a1');
    assert.equal(await p1, 'a1');
    assert.equal(await p2, 'a2');
    assert.deepEqual(log, ['a1 start', 'b1 start', 'a2 start']);
  });

  it('a rejection (or a synchronous throw) is that call\'s result and the queue goes on', async () => {
    const q = new KeyedSerialQueue();
    const first = gate();
    const p1 = q.run('k', () => first.promise);
    const p2 = q.run('k', () => {
      throw new Error('sync');
    });
    const p3 = q.run('k', async () => 'after');
    first.fail(new Error('async'));
    await assert.rejects(p1, /async/);
    await assert.rejects(p2, /sync/);
    assert.equal(await p3, 'after');
    await assert.rejects(q.run('fresh', () => {
      throw new Error('sync on an empty queue');
    }), /sync on an empty queue/);
  });

  it('forgets a key once its queue is empty', async () => {
    const q = new KeyedSerialQueue<number>();
    const g = gate();
    const p = q.run(7, () => g.promise);
    assert.equal(q.size, 1);
    g.open();
    await p;
    await turn();
    assert.equal(q.size, 0);
  });
});
