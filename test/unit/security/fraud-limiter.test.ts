import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { type FraudCallAttempt, FraudLimiter, normalizeDialled } from '../../../src/security/index.js';

let seq = 0;
function call(user: string | undefined, dialled: string, callId = `call-${++seq}`): FraudCallAttempt {
  return { callId, user, from: `sip:${user ?? 'trunk'}@example.com`, dialled, source: { host: '192.0.2.5' } };
}

function limiter(over: Partial<ConstructorParameters<typeof FraudLimiter>[0]> = {}) {
  const clock = new ManualClock();
  const breaches: string[] = [];
  const f = new FraudLimiter({
    clock,
    maxConcurrentCalls: 2,
    maxCallsPerMinute: 5,
    blockedPrefixes: ['0900'],
    restrictedPrefixes: [
      { prefix: '00', permission: 'international' },
      { prefix: '+', permission: 'international' },
      { prefix: '0044', permission: 'uk' },
    ],
    permissions: { alice: ['international'] },
    onBreach: (_c, user, reason) => breaches.push(`${user}: ${reason}`),
    ...over,
  });
  return { clock, breaches, f };
}

describe('FraudLimiter', () => {
  it('blocked prefixes are refused for everyone; restricted ones need the permission (longest prefix wins)', () => {
    const { f, breaches } = limiter();
    assert.deepEqual(f.admit(call('alice', '0900-123456')), { ok: false, status: 403, reason: 'Destination Not Allowed' });
    assert.deepEqual(f.admit(call('bob', '0049301234')), { ok: false, status: 403, reason: 'Destination Not Allowed' });
    assert.deepEqual(f.admit(call('bob', '+49 30 1234')), { ok: false, status: 403, reason: 'Destination Not Allowed' });
    assert.deepEqual(f.admit(call('alice', '0049301234')), { ok: true });
    assert.deepEqual(f.admit(call('alice', '00442071234567')), { ok: false, status: 403, reason: 'Destination Not Allowed' }, '0044 needs uk, not international');
    assert.deepEqual(f.admit(call('bob', '201')), { ok: true });
    assert.deepEqual(breaches, [
      'alice: destination prefix 0900 is blocked',
      'bob: destination prefix 00 needs permission international',
      'bob: destination prefix + needs permission international',
      'alice: destination prefix 0044 needs permission uk',
    ]);
  });

  it('limits concurrent calls per user; an ended call frees its slot', () => {
    const { f } = limiter();
    assert.equal(f.admit(call('bob', '201', 'c1')).ok, true);
    assert.equal(f.admit(call('bob', '202', 'c2')).ok, true);
    assert.deepEqual(f.admit(call('bob', '203', 'c3')), { ok: false, status: 403, reason: 'Call Limit Exceeded' });
    assert.equal(f.admit(call('carol', '203', 'c4')).ok, true, 'per user');
    assert.equal(f.admit(call('bob', '202', 'c2')).ok, true, 'the same call asked again (a retransmission) is not counted twice');
    f.ended('c1');
    f.ended('c1');
    assert.equal(f.concurrentCalls('bob'), 1);
    assert.equal(f.admit(call('bob', '203', 'c5')).ok, true);
  });

  it('limits calls per minute per user over a sliding minute', () => {
    const { f, clock, breaches } = limiter({ maxConcurrentCalls: 0 });
    for (let i = 0; i < 5; i++) {
      assert.equal(f.admit(call('bob', '201')).ok, true, `call ${i}`);
      clock.advance(1000);
    }
    assert.deepEqual(f.admit(call('bob', '201')), { ok: false, status: 403, reason: 'Call Limit Exceeded' });
    assert.equal(breaches.at(-1), 'bob: more than 5 calls per minute');
    clock.advance(55_001);
    assert.equal(f.admit(call('bob', '201')).ok, true, 'the first call left the minute');
  });

  it('a call refused for the concurrent-call limit takes no calls-per-minute slot', () => {
    const { f, breaches } = limiter({ maxConcurrentCalls: 1, maxCallsPerMinute: 2 });
    assert.equal(f.admit(call('bob', '201', 'm1')).ok, true);
    for (let i = 0; i < 3; i++) assert.deepEqual(f.admit(call('bob', '202')), { ok: false, status: 403, reason: 'Call Limit Exceeded' });
    assert.deepEqual(breaches, Array(3).fill('bob: more than 1 concurrent calls'));
    f.ended('m1');
    // One slot of the minute used (m1): the second call of the minute is still allowed.
    assert.equal(f.admit(call('bob', '203', 'm2')).ok, true);
    f.ended('m2');
    assert.deepEqual(f.admit(call('bob', '204')), { ok: false, status: 403, reason: 'Call Limit Exceeded' });
    assert.equal(breaches.at(-1), 'bob: more than 2 calls per minute');
  });

  it('0 means no limit; a call from a trusted network (no authenticated user) meets only the blocked prefixes', () => {
    const { f } = limiter({ maxConcurrentCalls: 0, maxCallsPerMinute: 0 });
    for (let i = 0; i < 100; i++) assert.equal(f.admit(call('bob', '201')).ok, true);
    const g = limiter({ maxConcurrentCalls: 1, maxCallsPerMinute: 1 }).f;
    for (let i = 0; i < 10; i++) assert.equal(g.admit(call(undefined, '0049301234')).ok, true);
    assert.equal(g.admit(call(undefined, '0900123')).ok, false);
  });

  it('forgets calls never reported ended after maxCallAgeMs', () => {
    const { f, clock } = limiter({ maxCallAgeMs: 60_000, maxCallsPerMinute: 0 });
    f.admit(call('bob', '201'));
    f.admit(call('bob', '201'));
    assert.equal(f.admit(call('bob', '201')).ok, false);
    clock.advance(60_000);
    assert.equal(f.admit(call('bob', '201')).ok, true);
    assert.equal(f.concurrentCalls('bob'), 1);
  });

  it('normalizes visual separators of dialled numbers', () => {
    assert.equal(normalizeDialled('+1 (555) 010-99.88'), '+15550109988');
  });
});
