/** The media summary of `GET /calls`, the detail of `GET /calls/:callId`, and their CLI tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CallView, callDetail, callDetailView, callMediaView, callsTable, callsView } from '../../../src/admin/index.js';
import type { CallInfo } from '../../../src/proxy/index.js';
import { callMedia, stream } from './media-fixtures.js';

const NOW = 1_700_000_060_000;
const call: CallInfo = {
  callId: 'c1@host',
  from: 'sip:alice@example.com',
  to: 'sip:bob@example.com',
  user: 'alice',
  source: { transport: 'udp', host: '192.0.2.1', port: 5060 },
  state: 'up',
  startedAt: NOW - 65_000,
  answeredAt: NOW - 60_000,
};

const media = callMedia('c1@host', [
  stream(
    0,
    'audio',
    { packetsIn: 100, bytesIn: 17_200, packetsOut: 98, bytesOut: 16_856, lost: 2, jitterMs: 3.456, mos: 4.3, peer: { address: '192.0.2.1', port: 4000, latched: true } },
    { packetsIn: 98, bytesIn: 16_856, packetsOut: 100, bytesOut: 17_200, jitterMs: 1.2, mos: 4.41, peer: { address: '192.0.2.2', port: 5000, latched: false } },
  ),
  // Video adds to the counters but not to jitter or MOS.
  stream(1, 'video', { packetsIn: 10, bytesIn: 10_000, lost: 1, jitterMs: 9, mos: 1 }, {}, { a: 'H264/90000', b: 'H264/90000' }),
]);

test('the media summary sums every stream per leg; jitter and MOS come from the worst audio stream', () => {
  assert.deepEqual(callMediaView(media), {
    state: 'answered',
    hold: { a: false, b: false },
    streams: 2,
    legs: {
      a: { tag: 'tag-a', codec: 'PCMU/8000', peer: '192.0.2.1:4000', packetsIn: 110, bytesIn: 27_200, packetsOut: 98, bytesOut: 16_856, packetsLost: 3, lossPercent: 2.65, jitterMs: 3.46, mos: 4.3 },
      b: { tag: 'tag-b', codec: 'PCMU/8000', peer: '192.0.2.2:5000', packetsIn: 98, bytesIn: 16_856, packetsOut: 100, bytesOut: 17_200, packetsLost: 0, lossPercent: 0, jitterMs: 1.2, mos: 4.41 },
    },
  });
});

test('a leg that sent no RTP has no MOS, and one without an answer no tag', () => {
  const offered = callMedia('c2', [stream(0, 'audio', { packetsIn: 5, bytesIn: 860 }, {})], { state: 'offered', tags: { a: 'x' } });
  const v = callMediaView(offered);
  assert.equal(v.legs.b.mos, null);
  assert.equal(v.legs.b.tag, undefined);
  assert.equal(v.legs.a.mos, 4.4);
});

test('GET /calls joins the media summary to the calls that have one; the detail has the full record', () => {
  const calls = { list: () => [call, { ...call, callId: 'c3', state: 'setup' as const, answeredAt: undefined }] };
  const source = { list: () => [media], stats: (id: string) => (id === media.callId ? media : undefined) };
  const body = callsView(calls, source);
  assert.equal(body.available, true);
  assert.deepEqual(body.calls[0], { ...call, media: callMediaView(media) });
  assert.deepEqual(body.calls[1], { ...call, callId: 'c3', state: 'setup', answeredAt: undefined });
  assert.deepEqual(callsView(undefined, source), { available: false, calls: [] });
  assert.deepEqual(callsView(calls, undefined).calls[0], call);

  assert.deepEqual(callDetailView('c1@host', calls, source), { callId: 'c1@host', call, media });
  assert.deepEqual(callDetailView('c3', calls, source), { callId: 'c3', call: body.calls[1], media: null });
  // A call anchored by the relay alone (ng control) still has its detail.
  assert.deepEqual(callDetailView('c1@host', { list: () => [] }, source), { callId: 'c1@host', call: null, media });
  assert.equal(callDetailView('nope', calls, source), undefined);
});

test('show calls: the call table, then one media row per leg', () => {
  const views: CallView[] = [{ ...call, media: callMediaView(media) }, { ...call, callId: 'c3', state: 'setup', answeredAt: undefined }];
  const out = callsTable(views, NOW);
  const [calls, legs] = out.split('\n\n');
  assert.equal(
    calls,
    [
      'CALL-ID  FROM                   TO                   STATE  FOR    USER   SOURCE',
      'c1@host  sip:alice@example.com  sip:bob@example.com  up     1m00s  alice  192.0.2.1:5060',
      'c3       sip:alice@example.com  sip:bob@example.com  setup  1m05s  alice  192.0.2.1:5060',
      '2 call(s)',
    ].join('\n'),
  );
  assert.equal(
    legs,
    [
      'CALL-ID  LEG  CODEC      PEER            PKTS-IN  BYTES-IN  PKTS-OUT  BYTES-OUT  LOST      JITTER  MOS',
      'c1@host  A    PCMU/8000  192.0.2.1:4000  110      26.6 KiB  98        16.5 KiB   3 (2.6%)  3.5 ms  4.30',
      'c1@host  B    PCMU/8000  192.0.2.2:5000  98       16.5 KiB  100       16.8 KiB   0 (0.0%)  1.2 ms  4.41',
      '',
    ].join('\n'),
  );
  assert.equal(callsTable(views.slice(1), NOW).includes('PKTS-IN'), false, 'no media table without media');
});

test('show calls CALL-ID: the call, then every stream of each leg', () => {
  const text = callDetail({ callId: 'c1@host', call, media: { ...media, hold: { a: false, b: true } } }, NOW);
  const lines = text.split('\n');
  assert.deepEqual(lines.slice(0, 12), [
    'FIELD          VALUE',
    'call-id        c1@host',
    'from           sip:alice@example.com',
    'to             sip:bob@example.com',
    'state          up',
    'for            1m00s',
    'user           alice',
    'source         192.0.2.1:5060',
    `media          answered, since ${new Date(media.createdAt).toISOString()}`,
    'tags           A tag-a, B tag-b',
    'hold           B',
    'media timeout  1m00s',
  ]);
  assert.match(lines[13]!, /^STREAM\s+LEG\s+CODEC\s+SIGNALLED\s+PEER\s+PKTS-IN\s+BYTES-IN\s+PKTS-OUT\s+BYTES-OUT\s+LOST\s+JITTER\s+MOS\s+DROPPED$/);
  assert.match(lines[14]!, /^0 audio\s+A\s+PCMU\/8000\s+192\.0\.2\.1:4000\s+192\.0\.2\.1:4000 \(latched\)\s+100\s+16\.8 KiB\s+98\s+16\.5 KiB\s+2 \(2\.0%\)\s+3\.5 ms\s+4\.30\s+0$/);
  assert.match(lines[17]!, /^1 video\s+B\s+H264\/90000\s+192\.0\.2\.2:5000\s+-\s+0\s+0 B\s+0\s+0 B\s+0 \(0\.0%\)\s+0\.0 ms\s+-\s+0$/);
  assert.equal(callDetail({ callId: 'x', call: null, media: null }, NOW), 'FIELD    VALUE\ncall-id  x\nmedia    not anchored\n');
});
