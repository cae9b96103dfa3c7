/** RTP and media-session metrics from synthetic `switchboard:media` events and a media source. */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { test } from 'node:test';
import { AdminMetrics, type MediaSource } from '../../../src/admin/index.js';
import { MEDIA_CHANNEL } from '../../../src/media-session/index.js';
import { callMedia, stream } from './media-fixtures.js';

async function value(m: AdminMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  assert.ok(metric !== undefined, `${name} is registered`);
  const data = await metric.get();
  const found = data.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x) && (v as { metricName?: string }).metricName === undefined);
  return found?.value;
}

const ended = callMedia('c1', [
  stream(0, 'audio', { packetsIn: 100, bytesIn: 17_200, packetsOut: 98, bytesOut: 16_856, lost: 2, jitterMs: 3.456, mos: 4.3 }, { packetsIn: 98, bytesIn: 16_856, packetsOut: 100, bytesOut: 17_200, jitterMs: 1.2, mos: 4.41 }),
  stream(1, 'video', { packetsIn: 10, bytesIn: 10_000, lost: 1, jitterMs: 40, mos: 1 }, {}),
]);
const live = callMedia('c2', [stream(0, 'audio', { packetsIn: 7, bytesIn: 1204, lost: 4 }, { packetsOut: 7, bytesOut: 1204 })]);

test('ended sessions and live ones add up in the RTP counters; jitter and MOS are observed per audio leg at the end', async (t) => {
  const source: MediaSource = { list: () => [live], stats: (id) => (id === 'c2' ? live : undefined) };
  const m = new AdminMetrics({ processMetrics: false, media: () => source });
  m.start();
  t.after(() => m.stop());
  const ch = diagnostics.channel(MEDIA_CHANNEL);
  ch.publish({ kind: 'started', callId: 'c1', timestamp: 1 });
  ch.publish({ kind: 'started', callId: 'c2', timestamp: 2 });
  ch.publish({ kind: 'ended', callId: 'c1', reason: 'bye', durationMs: 60_000, stats: ended, timestamp: 3 });
  ch.publish({ kind: 'timeout', callId: 'c2', reason: 'no-media', timeoutMs: 60_000, timestamp: 4 });
  ch.publish({ kind: 'ended', callId: 'c9', timestamp: 5 }); // malformed: ignored

  assert.equal(await value(m, 'switchboard_rtp_packets_total', { leg: 'a', direction: 'in' }), 117);
  assert.equal(await value(m, 'switchboard_rtp_packets_total', { leg: 'a', direction: 'out' }), 98);
  assert.equal(await value(m, 'switchboard_rtp_packets_total', { leg: 'b', direction: 'in' }), 98);
  assert.equal(await value(m, 'switchboard_rtp_packets_total', { leg: 'b', direction: 'out' }), 107);
  assert.equal(await value(m, 'switchboard_rtp_bytes_total', { leg: 'a', direction: 'in' }), 28_404);
  assert.equal(await value(m, 'switchboard_rtp_bytes_total', { leg: 'b', direction: 'out' }), 18_404);
  assert.equal(await value(m, 'switchboard_rtp_packets_lost_total', { leg: 'a' }), 7);
  assert.equal(await value(m, 'switchboard_rtp_packets_lost_total', { leg: 'b' }), 0);
  assert.equal(await value(m, 'switchboard_media_sessions'), 1);
  assert.equal(await value(m, 'switchboard_media_sessions_total'), 2);
  assert.equal(await value(m, 'switchboard_media_timeouts_total'), 1);

  const text = await m.text();
  // Two audio legs received RTP: jitter 3.456 ms and 1.2 ms; MOS 4.3 and 4.41 (video is left out).
  assert.match(text, /switchboard_rtp_jitter_seconds_bucket\{le="0.001"\} 0\n/);
  assert.match(text, /switchboard_rtp_jitter_seconds_bucket\{le="0.0025"\} 1\n/);
  assert.match(text, /switchboard_rtp_jitter_seconds_bucket\{le="0.005"\} 2\n/);
  assert.match(text, /switchboard_rtp_jitter_seconds_count 2\n/);
  assert.match(text, /switchboard_rtp_mos_bucket\{le="4.2"\} 0\n/);
  assert.match(text, /switchboard_rtp_mos_bucket\{le="4.3"\} 1\n/);
  assert.match(text, /switchboard_rtp_mos_bucket\{le="4.4"\} 1\n/);
  assert.match(text, /switchboard_rtp_mos_bucket\{le="4.5"\} 2\n/);
  assert.match(text, /switchboard_rtp_mos_sum 8.71\n/);
  assert.match(text, /# TYPE switchboard_rtp_packets_total counter\n/);
});

test('without a source the counters hold the ended sessions and the gauge counts started minus ended', async (t) => {
  const m = new AdminMetrics({ processMetrics: false });
  m.start();
  t.after(() => m.stop());
  const ch = diagnostics.channel(MEDIA_CHANNEL);
  assert.equal(await value(m, 'switchboard_rtp_packets_total', { leg: 'a', direction: 'in' }), 0, 'the series exist from the start');
  ch.publish({ kind: 'started', callId: 'c1', timestamp: 1 });
  ch.publish({ kind: 'started', callId: 'c2', timestamp: 2 });
  assert.equal(await value(m, 'switchboard_media_sessions'), 2);
  ch.publish({ kind: 'ended', callId: 'c1', reason: 'bye', durationMs: 1, stats: ended, timestamp: 3 });
  assert.equal(await value(m, 'switchboard_media_sessions'), 1);
  assert.equal(await value(m, 'switchboard_rtp_packets_total', { leg: 'a', direction: 'in' }), 110);
  assert.equal(await value(m, 'switchboard_rtp_packets_lost_total', { leg: 'a' }), 3);
  m.stop();
  ch.publish({ kind: 'ended', callId: 'c2', reason: 'bye', durationMs: 1, stats: ended, timestamp: 4 });
  assert.equal(await value(m, 'switchboard_rtp_packets_total', { leg: 'a', direction: 'in' }), 110, 'not counted once stopped');
});
