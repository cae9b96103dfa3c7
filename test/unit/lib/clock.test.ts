import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';

describe('ManualClock', () => {
  it('fires timers in due order, ties in creation order', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(500, () => fired.push('b'));
    clock.setTimer(100, () => fired.push('a'));
    clock.setTimer(500, () => fired.push('c'));
    clock.advance(499);
    assert.deepEqual(fired, ['a']);
    clock.advance(1);
    assert.deepEqual(fired, ['a', 'b', 'c']);
    assert.equal(clock.now(), 500);
  });

  it('runs timers set by firing timers within the same advance, at their own time', () => {
    const clock = new ManualClock();
    const at: number[] = [];
    clock.setTimer(100, () => {
      at.push(clock.now());
      clock.setTimer(100, () => at.push(clock.now()));
    });
    clock.advance(250);
    assert.deepEqual(at, [100, 200]);
    assert.equal(clock.now(), 250);
  });

  it('cancelled timers never fire', () => {
    const clock = new ManualClock();
    let fired = false;
    const t = clock.setTimer(10, () => {
      fired = true;
    });
    t.cancel();
    clock.advance(100);
    assert.equal(fired, false);
    assert.equal(clock.pending(), 0);
  });
});
