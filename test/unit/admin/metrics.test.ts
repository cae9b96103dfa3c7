/** Metrics from synthetic diagnostics-channel events and from the sources at scrape time. */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { AdminMetrics, SECURITY_CHANNEL } from '../../../src/admin/index.js';
import { MemoryLocationStore } from '../../../src/location/index.js';
import { CALL_CHANNEL, type CallInfo } from '../../../src/proxy/index.js';
import { SIP_MESSAGE_CHANNEL } from '../../../src/sip/transport/index.js';
import { sipRequest, sipResponse, wireEvent } from '../../support/admin-wire.js';

async function value(m: AdminMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  assert.ok(metric !== undefined, `${name} is registered`);
  const data = await metric.get();
  const found = data.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x) && (v as { metricName?: string }).metricName === undefined);
  return found?.value;
}

const call: CallInfo = { callId: 'c1', from: 'sip:alice@x', to: 'sip:bob@x', user: 'alice', source: { transport: 'udp', host: '192.0.2.1', port: 5060 }, state: 'setup', startedAt: 1000, answeredAt: undefined };

test('SIP messages on the wire channel count requests by method and responses by class and method', async (t) => {
  const m = new AdminMetrics({ processMetrics: false });
  m.start();
  t.after(() => m.stop());
  const ch = diagnostics.channel(SIP_MESSAGE_CHANNEL);
  ch.publish(wireEvent('in', sipRequest('INVITE')));
  ch.publish(wireEvent('in', sipRequest('INVITE', { cseq: 2 })));
  ch.publish(wireEvent('out', sipRequest('INVITE')));
  ch.publish(wireEvent('in', sipRequest('FROBNICATE')));
  ch.publish(wireEvent('out', sipResponse(180, 'Ringing', 'INVITE')));
  ch.publish(wireEvent('out', sipResponse(486, 'Busy Here', 'INVITE')));
  ch.publish(wireEvent('out', sipResponse(401, 'Unauthorized', 'REGISTER')));
  ch.publish(wireEvent('in', Buffer.from('garbage\r\n\r\n')));
  assert.equal(await value(m, 'switchboard_sip_requests_total', { method: 'INVITE', direction: 'in' }), 2);
  assert.equal(await value(m, 'switchboard_sip_requests_total', { method: 'INVITE', direction: 'out' }), 1);
  assert.equal(await value(m, 'switchboard_sip_requests_total', { method: 'other', direction: 'in' }), 1, 'unknown methods share one label');
  assert.equal(await value(m, 'switchboard_sip_responses_total', { method: 'INVITE', class: '4xx', direction: 'out' }), 1);
  assert.equal(await value(m, 'switchboard_sip_responses_total', { method: 'INVITE', class: '1xx', direction: 'out' }), 1);
  assert.equal(await value(m, 'switchboard_sip_responses_total', { method: 'REGISTER', class: '4xx', direction: 'out' }), 1);
  assert.equal(await value(m, 'switchboard_sip_unparsable_total'), 1);
});

test('call events drive active calls, outcomes and the setup-time histogram', async (t) => {
  const m = new AdminMetrics({ processMetrics: false });
  m.start();
  t.after(() => m.stop());
  const ch = diagnostics.channel(CALL_CHANNEL);
  ch.publish({ kind: 'started', call, timestamp: 1000 });
  ch.publish({ kind: 'started', call: { ...call, callId: 'c2' }, timestamp: 1000 });
  assert.equal(await value(m, 'switchboard_active_calls'), 2);
  ch.publish({ kind: 'answered', call: { ...call, state: 'up' }, timestamp: 1300, setupMs: 300 });
  ch.publish({ kind: 'failed', call: { ...call, callId: 'c2' }, timestamp: 1400, status: 486 });
  assert.equal(await value(m, 'switchboard_active_calls'), 1);
  ch.publish({ kind: 'ended', call, timestamp: 5000, durationMs: 3700, reason: 'BYE' });
  assert.equal(await value(m, 'switchboard_active_calls'), 0);
  assert.equal(await value(m, 'switchboard_calls_total', { outcome: 'answered' }), 1);
  assert.equal(await value(m, 'switchboard_calls_total', { outcome: 'failed' }), 1);
  const text = await m.text();
  assert.match(text, /switchboard_call_setup_seconds_bucket\{le="0.25"\} 0\n/);
  assert.match(text, /switchboard_call_setup_seconds_bucket\{le="0.5"\} 1\n/);
  assert.match(text, /switchboard_call_setup_seconds_sum 0.3\n/);
});

test('security events: every kind counted once per event (fraud-limit and acl-denied included), auth failures and bans on their own', async (t) => {
  const m = new AdminMetrics({ processMetrics: false });
  m.start();
  t.after(() => m.stop());
  const ch = diagnostics.channel(SECURITY_CHANNEL);
  for (let i = 0; i < 3; i++) ch.publish({ kind: 'auth-failed', source: '192.0.2.9', reason: 'wrong-password', timestamp: i });
  ch.publish({ kind: 'banned', source: '192.0.2.9', reason: 'too many failures', timestamp: 4 });
  ch.publish({ kind: 'flood', source: '192.0.2.8', reason: 'rate', timestamp: 5 });
  ch.publish({ kind: 'flood', source: '192.0.2.8', reason: 'rate', timestamp: 6 });
  ch.publish({ kind: 'scanner-blocked', source: '192.0.2.7', reason: 'friendly-scanner', timestamp: 7 });
  ch.publish({ kind: 'fraud-limit', source: '192.0.2.6', user: 'bob', callId: 'c9', reason: 'more than 2 concurrent calls', timestamp: 8 });
  ch.publish({ kind: 'fraud-limit', source: '192.0.2.6', user: 'bob', callId: 'c10', reason: 'destination prefix 0900 is blocked', timestamp: 9 });
  ch.publish({ kind: 'acl-denied', source: '203.0.113.9', user: 'alice@example.com', reason: 'REGISTER from a network outside the user\'s ACL', timestamp: 10 });
  ch.publish({ kind: 'overload', reason: 'overloaded: event-loop delay 300 ms', timestamp: 11 });
  ch.publish({ kind: 'overload', reason: 'recovered: event-loop delay 20 ms', timestamp: 12 });
  ch.publish({ kind: 'made-up', reason: 'a foreign publisher', timestamp: 13 });
  ch.publish({ something: 'else' });
  const text = await m.text();
  const scraped = text.split('\n').filter((l) => l.startsWith('switchboard_security_events_total{'));
  assert.deepEqual(scraped, [
    'switchboard_security_events_total{kind="auth-failed"} 3',
    'switchboard_security_events_total{kind="banned"} 1',
    'switchboard_security_events_total{kind="unbanned"} 0',
    'switchboard_security_events_total{kind="flood"} 2',
    'switchboard_security_events_total{kind="fraud-limit"} 2',
    'switchboard_security_events_total{kind="acl-denied"} 1',
    'switchboard_security_events_total{kind="scanner-blocked"} 1',
    'switchboard_security_events_total{kind="overload"} 2',
    'switchboard_security_events_total{kind="other"} 1',
  ]);
  assert.match(text, /^# HELP switchboard_security_events_total .*flood = a source starting to flood.*overload = an overload episode starting or ending$/m);
  assert.match(text, /^switchboard_auth_failures_total 3$/m);
  assert.match(text, /^switchboard_bans_total 1$/m);
  assert.doesNotMatch(text, /dropped_packets/, 'episodes and on/off switches are not counted as dropped packets');
});

test('gauges read the sources at scrape time; after stop() events are no longer counted', async () => {
  const store = new MemoryLocationStore();
  const now = 10_000;
  const binding = { contact: 'sip:a@192.0.2.1', q: 1, expiresAt: now + 60_000, callId: 'r1', cseq: 1, source: { transport: 'udp', host: '192.0.2.1', port: 5060 }, registeredAt: now };
  await store.modify('alice@x', now, () => ({ bindings: [binding, { ...binding, contact: 'sip:a2@192.0.2.1' }], result: undefined }));
  await store.modify('bob@x', now, () => ({ bindings: [binding], result: undefined }));
  const m = new AdminMetrics({
    processMetrics: false,
    now: () => now,
    registrations: () => store,
    transactions: () => ({ client: 2, server: 5, refused: 0, inFlight: 3 }),
    calls: { list: () => [call] },
    bans: { list: async () => [{ source: '192.0.2.9', reason: 'x', since: 0 }] },
  });
  assert.equal(await value(m, 'switchboard_registrations', { kind: 'aors' }), 2);
  assert.equal(await value(m, 'switchboard_registrations', { kind: 'bindings' }), 3);
  assert.equal(await value(m, 'switchboard_transactions', { side: 'server' }), 5);
  assert.equal(await value(m, 'switchboard_requests_in_flight'), 3);
  assert.equal(await value(m, 'switchboard_active_calls'), 1, 'the call source wins over counted events');
  assert.equal(await value(m, 'switchboard_bans_active'), 1);
  m.start();
  m.stop();
  diagnostics.channel(SIP_MESSAGE_CHANNEL).publish(wireEvent('in', sipRequest('OPTIONS')));
  assert.equal(await value(m, 'switchboard_sip_requests_total', { method: 'OPTIONS', direction: 'in' }), undefined);
  await store.close();
});

test('process metrics include the event-loop lag, on our own registry only', async () => {
  const m = new AdminMetrics();
  const text = await m.text();
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  assert.match(text, /^process_resident_memory_bytes /m);
  const { register } = await import('prom-client');
  assert.equal(register.getSingleMetric('nodejs_eventloop_lag_seconds'), undefined, 'the global registry is untouched');
});
