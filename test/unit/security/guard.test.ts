import assert from 'node:assert/strict';
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import {
  BanList,
  CidrSet,
  MemoryBanStore,
  SECURITY_CHANNEL,
  SecurityGuard,
  type SecurityEvent,
  memoryBanData,
  securityEventSink,
  silentSecurityLog,
} from '../../../src/security/index.js';
import type { NetAddress } from '../../../src/sip/transport/index.js';

const HOUR = 3_600_000;
const udp = (host: string): NetAddress => ({ transport: 'udp', host, port: 5060 });

function setup(o: { allow?: string[]; flood?: boolean; data?: ReturnType<typeof memoryBanData>; clock?: ManualClock } = {}) {
  const clock = o.clock ?? new ManualClock();
  const events: Array<Omit<SecurityEvent, 'timestamp'>> = [];
  const banned: string[] = [];
  const store = new MemoryBanStore(o.data ?? memoryBanData());
  const guard = new SecurityGuard({
    store,
    clock,
    report: (e) => events.push(e),
    log: silentSecurityLog,
    allow: new CidrSet(o.allow ?? []),
    bans: { maxTries: 5, findTimeMs: 600_000, banTimeMs: HOUR, syncIntervalMs: 1000 },
    ...(o.flood === false ? {} : { flood: { ratePerSecond: 10, burst: 10, banAfterMs: 2000 } }),
    onBanned: (a) => banned.push(a),
  });
  return { clock, events, banned, store, guard };
}

describe('SecurityGuard', () => {
  it('5 failed authentications from one address → banned for the ban time, packets dropped, then let in again', async () => {
    const { guard, clock, events, banned, store } = setup();
    await guard.start();
    for (let i = 0; i < 4; i++) guard.authFailed({ source: udp('192.0.2.66'), user: 'sip:100@example.com', reason: 'wrong password' });
    assert.equal(guard.admit(udp('192.0.2.66')), true);
    guard.authFailed({ source: udp('192.0.2.66'), user: 'sip:100@example.com', reason: 'wrong password' });
    assert.equal(guard.admit(udp('192.0.2.66')), false);
    assert.equal(guard.admit({ transport: 'tcp', host: '192.0.2.66', port: 40000 }), false, 'every transport, every port');
    assert.equal(guard.admit(udp('192.0.2.67')), true);
    assert.deepEqual(banned, ['192.0.2.66']);
    assert.deepEqual(events.map((e) => e.kind), ['auth-failed', 'auth-failed', 'auth-failed', 'auth-failed', 'auth-failed', 'banned']);
    assert.equal(events[0]!.user, 'sip:100@example.com');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual((await store.list(clock.wallNow())).map((b) => [b.address, b.expiresAt! - b.createdAt]), [['192.0.2.66', HOUR]]);
    clock.advance(HOUR);
    assert.equal(guard.admit(udp('192.0.2.66')), true);
    assert.equal(events.at(-1)!.kind, 'unbanned');
    await guard.stop();
  });

  it('an allow-listed source is never banned nor flood-limited, but its failures are still reported', async () => {
    const { guard, events, banned } = setup({ allow: ['127.0.0.2/32'] });
    await guard.start();
    for (let i = 0; i < 20; i++) guard.authFailed({ source: udp('127.0.0.2'), reason: 'wrong password' });
    for (let i = 0; i < 1000; i++) assert.equal(guard.admit(udp('127.0.0.2')), true);
    assert.equal(guard.banNow('127.0.0.2', 'scanner'), false);
    assert.deepEqual(banned, []);
    assert.equal(events.filter((e) => e.kind === 'auth-failed').length, 20);
    assert.equal(events.filter((e) => e.kind !== 'auth-failed').length, 0);
    await guard.stop();
  });

  it('nothing is allow-listed by default: a loopback flood is throttled, then banned', async () => {
    const { guard, clock, events } = setup();
    await guard.start();
    let passed = 0;
    // 100 packets/s from 127.0.0.1 against a limit of 10/s (burst 10) for 3 s.
    for (let i = 0; i < 300; i++) {
      if (guard.admit(udp('127.0.0.1'))) passed++;
      clock.advance(10);
    }
    assert.ok(passed >= 20 && passed <= 35, `passed ${passed}`);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['flood', 'flood', 'banned'],
    );
    assert.equal(guard.bans.isBanned('127.0.0.1'), true);
    await guard.stop();
  });

  it('a ban of an allow-listed address (CLI, another node) is not put in force: its connections stay open, a warning says why', async () => {
    const data = memoryBanData();
    const clock = new ManualClock();
    const cli = new MemoryBanStore(data);
    await cli.add({ address: '127.0.0.2', expiresAt: null, reason: 'added by the operator', createdAt: clock.wallNow() });
    const warnings: Array<[object, string | undefined]> = [];
    const closed: string[] = [];
    const events: string[] = [];
    const guard = new SecurityGuard({
      store: new MemoryBanStore(data),
      clock,
      report: (e) => events.push(`${e.kind}:${e.source}`),
      log: { ...silentSecurityLog, warn: (o, m) => warnings.push([o, m]) },
      allow: new CidrSet(['127.0.0.2/32']),
      bans: { maxTries: 5, findTimeMs: 600_000, banTimeMs: HOUR, syncIntervalMs: 1000 },
      onBanned: (a) => closed.push(a),
    });
    await guard.start();
    await cli.add({ address: '192.0.2.44', expiresAt: null, reason: 'added by the operator', createdAt: clock.wallNow() });
    clock.advance(1000);
    await guard.bans.sync();
    assert.equal(guard.admit(udp('127.0.0.2')), true);
    assert.equal(guard.bans.isBanned('127.0.0.2'), false);
    assert.deepEqual(guard.bans.list().map((b) => b.address), ['192.0.2.44'], 'not listed as a ban in force');
    assert.deepEqual(closed, ['192.0.2.44'], "the allow-listed address's connections are not closed");
    assert.deepEqual(warnings, [[{ address: '127.0.0.2', reason: 'added by the operator' }, 'ban of an allow-listed address ignored (security.allow wins)']], 'warned once, not at every reload');
    // Asked directly, the list refuses it too.
    assert.equal(guard.bans.ban('127.0.0.2', HOUR, 'test'), undefined);
    assert.deepEqual(closed, ['192.0.2.44']);
    assert.deepEqual(events, []);
    await guard.stop();
  });

  it('IPv4-mapped sources are banned and matched as IPv4', async () => {
    const { guard } = setup({ flood: false });
    await guard.start();
    guard.banNow('::ffff:192.0.2.9', 'scanner');
    assert.equal(guard.admit(udp('192.0.2.9')), false);
    assert.equal(guard.admit(udp('::ffff:192.0.2.9')), false);
    await guard.stop();
  });
});

describe('BanList', () => {
  it('loads bans at start, follows bans added and removed by another writer, and reports changes', async () => {
    const data = memoryBanData();
    const clock = new ManualClock();
    const cli = new MemoryBanStore(data);
    await cli.add({ address: '192.0.2.1', expiresAt: null, reason: 'operator', createdAt: clock.wallNow() });
    const events: string[] = [];
    const learned: string[] = [];
    const list = new BanList({ store: new MemoryBanStore(data), clock, report: (e) => events.push(`${e.kind}:${e.source}`), log: silentSecurityLog, syncIntervalMs: 1000, onBanned: (a) => learned.push(a) });
    await list.start();
    assert.equal(list.isBanned('192.0.2.1'), true);
    await cli.add({ address: '192.0.2.2', expiresAt: clock.wallNow() + HOUR, reason: 'operator', createdAt: clock.wallNow() });
    await cli.remove('192.0.2.1', clock.wallNow());
    assert.equal(list.isBanned('192.0.2.2'), false, 'not before the next sync');
    clock.advance(1000);
    await list.sync();
    assert.equal(list.isBanned('192.0.2.2'), true);
    assert.equal(list.isBanned('192.0.2.1'), false);
    assert.deepEqual(learned, ['192.0.2.1', '192.0.2.2']);
    assert.deepEqual(events, ['unbanned:192.0.2.1']);
    await list.stop();
  });

  it('a ban of its own is in force at once and survives a reload that races its write', async () => {
    const data = memoryBanData();
    const clock = new ManualClock();
    const list = new BanList({ store: new MemoryBanStore(data), clock, report: () => undefined, log: silentSecurityLog });
    await list.start();
    list.ban('198.51.100.1', 60_000, 'flood');
    assert.equal(list.isBanned('198.51.100.1'), true);
    await list.sync();
    assert.equal(list.isBanned('198.51.100.1'), true);
    assert.equal(await list.unban('198.51.100.1'), true);
    assert.equal(list.isBanned('198.51.100.1'), false);
    assert.deepEqual(await new MemoryBanStore(data).list(clock.wallNow()), []);
    await list.stop();
  });
});

describe('security events', () => {
  it('are logged as structured lines and published on the switchboard:security channel', () => {
    const lines: Array<[object, string | undefined]> = [];
    const log = { ...silentSecurityLog, warn: (o: object, m?: string) => lines.push([o, m]), info: (o: object, m?: string) => lines.push([o, m]) };
    const seen: unknown[] = [];
    const onMessage = (m: unknown) => seen.push(m);
    subscribe(SECURITY_CHANNEL, onMessage);
    try {
      const sink = securityEventSink(log, () => 1234);
      sink({ kind: 'banned', source: '192.0.2.1', reason: 'flood' });
      sink({ kind: 'fraud-limit', source: '192.0.2.2', user: 'alice', reason: 'prefix 0900 is blocked' });
    } finally {
      unsubscribe(SECURITY_CHANNEL, onMessage);
    }
    assert.equal(channel(SECURITY_CHANNEL).hasSubscribers, false);
    assert.deepEqual(seen, [
      { kind: 'banned', source: '192.0.2.1', reason: 'flood', timestamp: 1234 },
      { kind: 'fraud-limit', source: '192.0.2.2', user: 'alice', reason: 'prefix 0900 is blocked', timestamp: 1234 },
    ]);
    assert.deepEqual(lines[1], [{ securityEvent: 'fraud-limit', source: '192.0.2.2', user: 'alice', reason: 'prefix 0900 is blocked' }, 'security event']);
  });
});
