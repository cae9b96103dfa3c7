import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { type Clock, HeapReclaimPolicy, HeapReclaimer, ManualClock, obtainFullGc, type HeapSample } from '../../../src/lib/index.js';

const MIB = 1024 * 1024;
const idle = (totalMiB: number, usedMiB: number): HeapSample => ({ utilization: 0.01, totalBytes: totalMiB * MIB, usedBytes: usedMiB * MIB });
const busy = (totalMiB: number, usedMiB: number): HeapSample => ({ utilization: 0.6, totalBytes: totalMiB * MIB, usedBytes: usedMiB * MIB });

test('no episode while busy, or while idle with little slack', () => {
  const p = new HeapReclaimPolicy();
  assert.equal(p.decide(busy(240, 50)), 0);
  assert.equal(p.decide(idle(70, 50)), 0, '20 MiB of slack is below the 32 MiB default');
  assert.equal(p.endedEpisode(), undefined);
});

test('an idle heap with slack gets one collection a tick (the first a probe) until a round gives nothing back', () => {
  const p = new HeapReclaimPolicy({ lateRoundTicks: 1000 });
  assert.equal(p.decide(idle(240, 120)), 1);
  assert.equal(p.decide(idle(150, 52)), 1);
  assert.equal(p.decide(idle(110, 52)), 1);
  // Third round on: less than 1 MiB given back since the last tick ends the episode.
  assert.equal(p.decide(idle(109.5, 52)), 0);
  assert.deepEqual(p.endedEpisode(), { fromBytes: 240 * MIB, toBytes: 109.5 * MIB, collections: 3, end: 'done' });
  // The heap must grow by 32 MiB over what was left before another episode.
  assert.equal(p.decide(idle(120, 52)), 0);
  assert.equal(p.decide(idle(142, 60)), 1);
});

test('garbage V8 still counts as used starts an episode: used grew by minSlack over the first sample (then over the last episode)', () => {
  const p = new HeapReclaimPolicy({ lateRoundTicks: 1000 });
  assert.equal(p.decide(busy(50, 30)), 0, 'the first sample, at start');
  // After a burst (measured: 100,000 registrations): 31 MiB of slack only, but used grew by 51 MiB.
  assert.equal(p.decide(idle(112, 81)), 1);
  assert.equal(p.decide(idle(112, 26)), 1, 'the probe freed the garbage; slack is there now');
  assert.equal(p.decide(idle(60, 26)), 1);
  assert.equal(p.decide(idle(59.5, 26)), 0);
  assert.equal(p.endedEpisode()?.end, 'done');
  // Used must grow by 32 MiB over the 26 MiB left, and the heap by 32 MiB over 59.5, again.
  assert.equal(p.decide(idle(80, 70)), 0, 'the heap grew by 20.5 MiB only');
  assert.equal(p.decide(idle(95, 70)), 1, 'slack 25 MiB, but used grew by 44 MiB');
});

test('an episode ends when the slack is nearly gone or after maxRounds', () => {
  const p = new HeapReclaimPolicy({ maxRounds: 3, lateRoundTicks: 1000 });
  assert.equal(p.decide(idle(240, 100)), 1);
  assert.equal(p.decide(idle(60, 55)), 0, '5 MiB of slack is under a quarter of 32 MiB');
  assert.equal(p.endedEpisode()?.end, 'done');
  const q = new HeapReclaimPolicy({ maxRounds: 3, lateRoundTicks: 1000 });
  assert.equal(q.decide(idle(400, 100)), 1);
  assert.equal(q.decide(idle(300, 100)), 1);
  assert.equal(q.decide(idle(200, 100)), 1);
  assert.equal(q.decide(idle(150, 100)), 0, 'three rounds used');
  assert.equal(q.endedEpisode()?.collections, 3);
});

test('load coming back ends the episode without raising the floor', () => {
  const p = new HeapReclaimPolicy({ lateRoundTicks: 1000 });
  assert.equal(p.decide(idle(240, 120)), 1);
  assert.equal(p.decide(busy(240, 130)), 0);
  assert.deepEqual(p.endedEpisode(), { fromBytes: 240 * MIB, toBytes: 240 * MIB, collections: 1, end: 'load' });
  assert.equal(p.decide(idle(240, 125)), 1, 'the next idle tick starts again at once');
});

test('no episode while calls are in progress, however idle the loop', () => {
  const p = new HeapReclaimPolicy({ lateRoundTicks: 1000 });
  assert.equal(p.decide({ ...idle(240, 120), activeCalls: 3 }), 0);
  assert.equal(p.decide({ ...idle(240, 120), activeCalls: 0 }), 1);
  assert.equal(p.decide({ ...idle(200, 100), activeCalls: 1 }), 0, 'a call starting ends the episode');
  assert.equal(p.endedEpisode()?.end, 'load');
});

test('a collection longer than maxPauseMs ends the episode and backs off, doubling while collections stay slow', () => {
  const p = new HeapReclaimPolicy({ lateRoundTicks: 1000, maxPauseMs: 100, backoffTicks: 3 });
  assert.equal(p.decide(idle(600, 460)), 1);
  p.collected(480);
  assert.deepEqual(p.endedEpisode(), { fromBytes: 600 * MIB, toBytes: 600 * MIB, collections: 1, end: 'slow' });
  assert.equal(p.decide(idle(600, 460)), 0);
  assert.equal(p.decide(idle(600, 460)), 0);
  assert.equal(p.decide(idle(600, 460)), 0, 'three ticks of back-off');
  assert.equal(p.decide(idle(600, 460)), 1, 'then a new probe');
  p.collected(300);
  for (let i = 0; i < 6; i++) assert.equal(p.decide(idle(600, 460)), 0, `doubled back-off, tick ${i + 1}`);
  assert.equal(p.decide(idle(600, 460)), 1);
  p.collected(40);
  assert.equal(p.decide(idle(300, 60)), 1, 'a fast probe: the episode goes on');
  p.collected(30);
  assert.equal(p.decide(idle(250, 60)), 1, 'and a fast collection resets the doubling');
});

test('one late collection after an episode, once the server stayed idle that many ticks; load postpones it', () => {
  const p = new HeapReclaimPolicy({ lateRoundTicks: 3 });
  assert.equal(p.decide(idle(240, 52)), 1);
  assert.equal(p.decide(idle(59, 52)), 0);
  assert.equal(p.endedEpisode()?.end, 'done');
  assert.equal(p.decide(idle(59, 52)), 0);
  assert.equal(p.decide(idle(59, 52)), 0);
  assert.equal(p.decide(idle(59, 52)), 1, 'third idle tick after the episode');
  assert.equal(p.decide(idle(59, 52)), 0, 'only one');
  // A busy tick in between cancels the pending late collection.
  const q = new HeapReclaimPolicy({ lateRoundTicks: 2 });
  q.decide(idle(240, 52));
  q.decide(idle(59, 52));
  q.decide(idle(59, 52));
  assert.equal(q.decide(busy(59, 52)), 0);
  assert.equal(q.decide(idle(59, 52)), 0);
  assert.equal(q.decide(idle(59, 52)), 0);
});

test('the reclaimer runs the collections the policy asks for, on its clock, and reports the episode', () => {
  const clock = new ManualClock();
  let collections = 0;
  const episodes: unknown[] = [];
  let utilization = 0.5;
  const r = new HeapReclaimer({ clock, intervalMs: 250, collect: () => collections++, utilization: () => utilization, minSlackBytes: 1, maxRounds: 2, lateRoundTicks: 1000, onEpisode: (e) => episodes.push(e.end) });
  r.start();
  clock.advance(1000);
  assert.equal(collections, 0, 'busy: nothing');
  utilization = 0;
  clock.advance(250);
  assert.equal(collections, 1);
  clock.advance(250);
  assert.equal(collections, 2);
  clock.advance(250);
  assert.deepEqual(episodes, ['done']);
  r.stop();
  clock.advance(10_000);
  assert.equal(collections, 2, 'stopped');
});

test('the reclaimer times each collection on its clock: a slow one ends the episode and nothing is collected during the back-off', () => {
  // The loop's clock, plus the time the collections held it (collect() cannot advance a
  // ManualClock from inside one of its own timers).
  const manual = new ManualClock();
  let held = 0;
  const clock: Clock = { now: () => manual.now() + held, wallNow: () => manual.wallNow() + held, setTimer: (ms, fn) => manual.setTimer(ms, fn) };
  let collections = 0;
  const episodes: string[] = [];
  let calls = 1;
  const r = new HeapReclaimer({
    clock,
    intervalMs: 250,
    // A collection that holds the loop for 480 ms, as after a 650 calls/s storm.
    collect: () => (collections++, (held += 480)),
    utilization: () => 0,
    activeCalls: () => calls,
    minSlackBytes: 1,
    maxPauseMs: 100,
    backoffTicks: 4,
    lateRoundTicks: 1000,
    onEpisode: (e) => episodes.push(e.end),
  });
  r.start();
  manual.advance(1000);
  assert.equal(collections, 0, 'a call in progress: nothing');
  calls = 0;
  manual.advance(250);
  assert.equal(collections, 1, 'the probe');
  assert.deepEqual(episodes, ['slow'], 'ended by the slow probe');
  manual.advance(1000);
  assert.equal(collections, 1, 'backing off four ticks');
  manual.advance(250);
  assert.equal(collections, 2, 'a new probe after the back-off');
  r.stop();
});

test('on this Node a full collection is available at run time and gives an idle heap back', () => {
  const gc = obtainFullGc();
  assert.ok(gc, 'v8 --expose-gc set at run time hands out gc()');
  assert.equal((globalThis as { gc?: unknown }).gc, undefined, 'the main context still has no gc');
  // Grow the heap with ~96 MiB of short-lived objects kept alive for a while, then drop them.
  let keep: object[] = [];
  for (let i = 0; i < 1_500_000; i++) keep.push({ i, s: `x${i}` });
  const grown = v8.getHeapStatistics().total_heap_size;
  keep = [];
  void keep;
  const r = new HeapReclaimer({ utilization: () => 0, minSlackBytes: 8 * MIB });
  for (let i = 0; i < 4; i++) r.tick();
  const after = v8.getHeapStatistics().total_heap_size;
  assert.ok(grown - after > 32 * MIB, `heap committed ${Math.round(grown / MIB)} MiB → ${Math.round(after / MIB)} MiB`);
});
