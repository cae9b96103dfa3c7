import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { type Component, Lifecycle, runUntilSignal, FORCED_EXIT_CODE } from '../../../src/app/lifecycle.js';
import { createLogger } from '../../../src/app/log.js';
import { captureLog } from './log-capture.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

function recorder() {
  const events: string[] = [];
  const component = (name: string, behaviour: { failStart?: boolean; failStop?: boolean; stop?: () => Promise<void> } = {}): Component => ({
    name,
    async start() {
      events.push(`start ${name}`);
      if (behaviour.failStart) throw new Error(`${name} cannot bind`);
    },
    async stop() {
      events.push(`stop ${name}`);
      if (behaviour.failStop) throw new Error(`${name} broke`);
      if (behaviour.stop) await behaviour.stop();
    },
  });
  return { events, component };
}

describe('Lifecycle', () => {
  it('starts in order, logs started with fields, stops in reverse order', async () => {
    const { events, component } = recorder();
    const log = captureLog();
    const lc = new Lifecycle([component('a'), component('b'), { ...component('c'), describe: () => ({ listeners: ['udp:127.0.0.1:40000'] }) }], {
      logger: createLogger({ level: 'info', destination: log.destination }),
      startedFields: { listeners: ['udp:127.0.0.1:0'], domains: ['example.com'] },
    });
    assert.deepEqual(await lc.start(), { ok: true, value: undefined });
    assert.deepEqual(events, ['start a', 'start b', 'start c']);
    const started = log.lines.find((l) => l.msg === 'started');
    assert.deepEqual(started?.components, ['a', 'b', 'c']);
    assert.deepEqual(started?.listeners, ['udp:127.0.0.1:40000']);
    assert.deepEqual(started?.domains, ['example.com']);
    const report = await lc.stop();
    assert.deepEqual(events.slice(3), ['stop c', 'stop b', 'stop a']);
    assert.deepEqual(report, { clean: true, failed: [], timedOut: [] });
  });

  it('a failed start stops the components already started, in reverse, and names the culprit', async () => {
    const { events, component } = recorder();
    const log = captureLog();
    const lc = new Lifecycle([component('a'), component('b'), component('c', { failStart: true }), component('d')], {
      logger: createLogger({ level: 'info', destination: log.destination }),
    });
    const r = await lc.start();
    assert.ok(!r.ok);
    assert.equal(r.error.component, 'c');
    assert.deepEqual(events, ['start a', 'start b', 'start c', 'stop b', 'stop a']);
    assert.ok(log.messages().includes('failed to start c: c cannot bind'));
    assert.ok(!log.messages().includes('started'));
  });

  it('a synchronous throw in start counts as a failure', async () => {
    const { events, component } = recorder();
    const bad: Component = { name: 'sync', start: () => { throw new Error('boom'); }, stop: async () => {} };
    const lc = new Lifecycle([component('a'), bad], { logger: createLogger({ level: 'error', destination: captureLog().destination }) });
    const r = await lc.start();
    assert.ok(!r.ok);
    assert.deepEqual(events, ['start a', 'stop a']);
  });

  it('a failing stop is logged and the others still stop', async () => {
    const { events, component } = recorder();
    const lc = new Lifecycle([component('a'), component('b', { failStop: true }), component('c')], {
      logger: createLogger({ level: 'error', destination: captureLog().destination }),
    });
    await lc.start();
    const report = await lc.stop();
    assert.deepEqual(events.slice(3), ['stop c', 'stop b', 'stop a']);
    assert.deepEqual(report, { clean: false, failed: ['b'], timedOut: [] });
  });

  it('waits for in-flight work within the grace period', async () => {
    const clock = new ManualClock();
    const { events, component } = recorder();
    const slow = component('slow', { stop: () => new Promise((r) => clock.setTimer(4000, r)) });
    const lc = new Lifecycle([component('a'), slow], { logger: createLogger({ level: 'error', destination: captureLog().destination }), clock, gracePeriodMs: 5000 });
    await lc.start();
    let report: unknown;
    void lc.stop().then((r) => (report = r));
    await tick();
    clock.advance(3999);
    await tick();
    assert.equal(report, undefined);
    assert.deepEqual(events.slice(2), ['stop slow']);
    clock.advance(1);
    await tick();
    assert.deepEqual(events.slice(2), ['stop slow', 'stop a']);
    assert.deepEqual(report, { clean: true, failed: [], timedOut: [] });
  });

  it('abandons a stop that outlasts the grace period and goes on', async () => {
    const clock = new ManualClock();
    const { events, component } = recorder();
    const log = captureLog();
    const stuck = component('stuck', { stop: () => new Promise(() => {}) });
    const lc = new Lifecycle([component('a'), stuck], { logger: createLogger({ level: 'warn', destination: log.destination }), clock, gracePeriodMs: 5000 });
    await lc.start();
    let report: unknown;
    void lc.stop().then((r) => (report = r));
    await tick();
    clock.advance(4999);
    await tick();
    assert.equal(report, undefined);
    clock.advance(1);
    await tick();
    // 'a' is still called after the deadline; it finishes at once, so it is not abandoned.
    assert.deepEqual(events.slice(2), ['stop stuck', 'stop a']);
    assert.deepEqual(report, { clean: false, failed: [], timedOut: ['stuck'] });
    assert.ok(log.messages().includes('stuck did not stop within the grace period'));
    assert.equal(clock.now(), 5000);
  });
});

describe('runUntilSignal', () => {
  it('runs until SIGTERM, then stops and returns 0', async () => {
    const { events, component } = recorder();
    const log = captureLog();
    const logger = createLogger({ level: 'info', destination: log.destination });
    const signals = new EventEmitter();
    const lc = new Lifecycle([component('a'), component('b')], { logger });
    const done = runUntilSignal(lc, { logger, signals, forceExit: () => assert.fail('no forced exit expected') });
    await tick();
    assert.deepEqual(events, ['start a', 'start b']);
    assert.equal(signals.listenerCount('SIGTERM'), 1);
    signals.emit('SIGTERM', 'SIGTERM');
    assert.equal(await done, 0);
    assert.deepEqual(events, ['start a', 'start b', 'stop b', 'stop a']);
    assert.deepEqual(log.messages(), ['started', 'stopping', 'stopped']);
    assert.equal(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT'), 0);
  });

  it('a signal during start stops right after starting', async () => {
    const signals = new EventEmitter();
    const { events, component } = recorder();
    const logger = createLogger({ level: 'error', destination: captureLog().destination });
    const early: Component = { ...component('early'), start: async () => void signals.emit('SIGINT', 'SIGINT') };
    const code = await runUntilSignal(new Lifecycle([early, component('b')], { logger }), { logger, signals, forceExit: () => assert.fail('no forced exit expected') });
    assert.equal(code, 0);
    assert.deepEqual(events, ['start b', 'stop b', 'stop early']);
  });

  it('a second signal forces the exit while stopping', async () => {
    const signals = new EventEmitter();
    const { component } = recorder();
    const logger = createLogger({ level: 'error', destination: captureLog().destination });
    const clock = new ManualClock();
    const exits: number[] = [];
    const stuck = component('stuck', { stop: () => new Promise(() => {}) });
    const done = runUntilSignal(new Lifecycle([stuck], { logger, clock }), { logger, signals, forceExit: (c) => exits.push(c) });
    await tick();
    signals.emit('SIGTERM', 'SIGTERM');
    await tick();
    assert.deepEqual(exits, []);
    signals.emit('SIGINT', 'SIGINT');
    assert.deepEqual(exits, [FORCED_EXIT_CODE]);
    clock.advance(5000); // let the runner finish so the test leaves nothing pending
    assert.equal(await done, 1);
  });

  it('returns 1 when a component fails to start', async () => {
    const signals = new EventEmitter();
    const { component } = recorder();
    const logger = createLogger({ level: 'error', destination: captureLog().destination });
    const code = await runUntilSignal(new Lifecycle([component('x', { failStart: true })], { logger }), { logger, signals, forceExit: () => {} });
    assert.equal(code, 1);
    assert.equal(signals.listenerCount('SIGTERM'), 0);
  });
});
