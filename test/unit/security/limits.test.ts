import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { CidrSet, FailureCounter, FloodLimiter, normalizeIp, parseCidr } from '../../../src/security/index.js';

describe('FailureCounter (fail2ban rule)', () => {
  it('reaches the threshold at the max_tries-th failure within the window, then starts over', () => {
    const clock = new ManualClock();
    const c = new FailureCounter({ maxTries: 3, windowMs: 60_000, clock });
    assert.equal(c.record('192.0.2.1'), false);
    clock.advance(10_000);
    assert.equal(c.record('192.0.2.1'), false);
    assert.equal(c.count('192.0.2.1'), 2);
    assert.equal(c.record('192.0.2.1'), true);
    assert.equal(c.count('192.0.2.1'), 0);
  });

  it('forgets failures older than the window', () => {
    const clock = new ManualClock();
    const c = new FailureCounter({ maxTries: 3, windowMs: 60_000, clock });
    c.record('192.0.2.1');
    c.record('192.0.2.1');
    clock.advance(60_001);
    assert.equal(c.record('192.0.2.1'), false);
    assert.equal(c.count('192.0.2.1'), 1);
    clock.advance(60_001);
    assert.equal(c.sweep(), 1);
    assert.equal(c.sources, 0);
  });

  it('counts per source and keeps at most maxSources (oldest dropped)', () => {
    const clock = new ManualClock();
    const c = new FailureCounter({ maxTries: 2, windowMs: 60_000, clock, maxSources: 2 });
    c.record('192.0.2.1');
    c.record('192.0.2.2');
    c.record('192.0.2.3');
    assert.equal(c.sources, 2);
    assert.equal(c.count('192.0.2.1'), 0);
    assert.equal(c.record('192.0.2.3'), true);
  });
});

describe('FloodLimiter (pike token bucket)', () => {
  it('lets a burst through, then the average rate', () => {
    const clock = new ManualClock();
    const f = new FloodLimiter({ ratePerSecond: 10, burst: 5, banAfterMs: 5000, clock });
    for (let i = 0; i < 5; i++) assert.equal(f.take('192.0.2.1'), 'ok', `burst packet ${i}`);
    assert.equal(f.take('192.0.2.1'), 'flood-started');
    assert.equal(f.take('192.0.2.1'), 'throttled');
    clock.advance(100); // one token at 10/s
    assert.equal(f.take('192.0.2.1'), 'ok');
    assert.equal(f.take('192.0.2.1'), 'throttled');
    assert.equal(f.take('192.0.2.2'), 'ok', 'another source has its own bucket');
  });

  it('a source at exactly the rate is never throttled', () => {
    const clock = new ManualClock();
    const f = new FloodLimiter({ ratePerSecond: 10, burst: 1, banAfterMs: 1000, clock });
    for (let i = 0; i < 200; i++) {
      assert.equal(f.take('192.0.2.1'), 'ok');
      clock.advance(100);
    }
  });

  it('sustained excess for ban_after → ban; a pause of a second ends the episode', () => {
    const clock = new ManualClock();
    const f = new FloodLimiter({ ratePerSecond: 10, burst: 10, banAfterMs: 3000, clock });
    const verdicts: string[] = [];
    // 100 packets/s, 10× the rate.
    for (let i = 0; i < 400; i++) {
      const v = f.take('192.0.2.1');
      if (v !== 'ok' && v !== 'throttled') verdicts.push(`${clock.now()}:${v}`);
      if (v === 'ban') break;
      clock.advance(10);
    }
    assert.equal(verdicts[0], '100:flood-started');
    assert.equal(verdicts[1], '3100:ban');

    const g = new FloodLimiter({ ratePerSecond: 10, burst: 2, banAfterMs: 3000, clock });
    for (let round = 0; round < 5; round++) {
      // Bursts of 20 then 1.5 s of silence: each burst is a new episode, never a ban.
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) seen.add(g.take('192.0.2.2'));
      assert.ok(!seen.has('ban'), `round ${round}`);
      assert.ok(seen.has('flood-started'), `round ${round}`);
      clock.advance(1500);
    }
  });

  it('ban_after 0 bans at the first excess; idle buckets are swept', () => {
    const clock = new ManualClock();
    const f = new FloodLimiter({ ratePerSecond: 1, burst: 1, banAfterMs: 0, clock });
    assert.equal(f.take('192.0.2.1'), 'ok');
    assert.equal(f.take('192.0.2.1'), 'ban');
    f.take('192.0.2.2');
    clock.advance(5000);
    assert.equal(f.sweep(), 1);
    assert.equal(f.sources, 0);
  });
});

describe('CIDR lists', () => {
  it('parse addresses and networks, reject the rest', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    assert.deepEqual(parseCidr('2001:db8::/32'), { address: '2001:db8::', prefix: 32, family: 'ipv6' });
    assert.deepEqual(parseCidr('192.0.2.7'), { address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', 'example.com', '10.0.0.0/8/8', '::1/129', '10.0.0.0/-1']) assert.equal(parseCidr(bad), undefined, bad);
  });

  it('match members, IPv4-mapped IPv6 as IPv4, and nothing for an empty list', () => {
    const set = new CidrSet(['127.0.0.2/32', '10.0.0.0/8', '2001:db8::/32']);
    assert.equal(set.has('127.0.0.2'), true);
    assert.equal(set.has('127.0.0.1'), false);
    assert.equal(set.has('::ffff:10.1.2.3'), true);
    assert.equal(set.has('2001:db8::5'), true);
    assert.equal(set.has('not-an-ip'), false);
    assert.equal(new CidrSet([]).has('127.0.0.1'), false, 'nothing is trusted by default, loopback included');
    assert.equal(normalizeIp('::FFFF:192.0.2.1'), '192.0.2.1');
    assert.throws(() => new CidrSet(['nope']));
  });

  it('CidrSet answers stay right when asked again and past its memo bound', () => {
    const set = new CidrSet(['10.0.0.0/8']);
    // 10,000 distinct sources (more than the memo keeps), each asked twice.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        const a = `${(i >> 8) & 255}.${i & 255}`;
        assert.equal(set.has(`10.7.${a}`), true);
        assert.equal(set.has(`11.7.${a}`), false);
      }
    }
    assert.equal(set.has('::ffff:10.0.0.1'), true);
    assert.equal(set.has('::ffff:10.0.0.1'), true);
  });
});
