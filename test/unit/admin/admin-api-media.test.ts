/**
 * The admin API (over loopback HTTP) with a real MediaSessions relaying RTP on loopback:
 * `GET /calls` has each leg's counters, `GET /calls/:callId` the full record (404 for an
 * unknown call), `/metrics` the live RTP counters and the active-session gauge.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdminApi, AdminMetrics, type AdminSources, type CallDetailView, type CallView, runReloaders } from '../../../src/admin/index.js';
import { systemClock } from '../../../src/lib/index.js';
import type { MediaResult } from '../../../src/media-session/index.js';
import type { CallInfo } from '../../../src/proxy/index.js';
import { controller, mPort, phone, rtp, sdp } from '../media-session/helpers.js';

const TOKEN = 'test-token-0123456789abcdef';
const CALL_ID = 'media-call-1@127.0.0.1';

function okSdp(r: MediaResult): string {
  assert.ok(r.ok, r.ok ? '' : `expected ok, got ${r.status} ${r.reason}`);
  return r.sdp;
}

test('GET /calls and /calls/:callId show the media relayed for the call; /metrics counts it', async (t) => {
  const { relay, sessions } = controller(systemClock);
  t.after(() => relay.close());
  const a = await phone();
  const b = await phone();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const toB = mPort(okSdp(await sessions.offer({ callId: CALL_ID, fromTag: 'caller', sdp: sdp({ port: a.port, codecs: ['0 PCMU/8000'] }) })));
  const toA = mPort(okSdp(await sessions.answer({ callId: CALL_ID, fromTag: 'caller', toTag: 'callee', sdp: sdp({ port: b.port, codecs: ['0 PCMU/8000'] }) })));
  // The caller sends 1..5 without 3 (one lost), the callee 2 packets.
  for (const seq of [1, 2, 4, 5]) await a.send(rtp(0, seq, Buffer.alloc(160, 0xff)), toA);
  await b.waitFor(4);
  for (const seq of [10, 11]) await b.send(rtp(0, seq, Buffer.alloc(160, 0x7f), 0xbbbb), toB);
  await a.waitFor(2);

  const call: CallInfo = {
    callId: CALL_ID,
    from: 'sip:alice@example.com',
    to: 'sip:bob@example.com',
    user: 'alice',
    source: { transport: 'udp', host: '127.0.0.1', port: 5062 },
    state: 'up',
    startedAt: Date.now() - 2000,
    answeredAt: Date.now() - 1000,
  };
  const sources: AdminSources = {
    registrations: () => undefined,
    transactions: () => undefined,
    calls: { list: () => [call] },
    media: () => sessions,
    ready: () => true,
    reload: () => runReloaders([]),
  };
  const metrics = new AdminMetrics({ processMetrics: false, media: sources.media });
  const api = new AdminApi({ host: '127.0.0.1', port: 0, token: TOKEN, sources, metrics });
  await api.listen();
  t.after(() => api.close());
  const get = async (path: string) => {
    const r = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5000) });
    return { status: r.status, body: await r.text() };
  };

  const list = await get('/calls');
  assert.equal(list.status, 200);
  const calls = (JSON.parse(list.body) as { calls: CallView[] }).calls;
  assert.equal(calls.length, 1);
  const m = calls[0]!.media;
  assert.ok(m !== undefined, 'the call has a media summary');
  assert.equal(m.state, 'answered');
  assert.deepEqual(
    { ...m.legs.a, mos: undefined, jitterMs: undefined },
    { tag: 'caller', codec: 'PCMU/8000', peer: `127.0.0.1:${a.port}`, packetsIn: 4, bytesIn: 4 * 172, packetsOut: 2, bytesOut: 2 * 172, packetsLost: 1, lossPercent: 20, mos: undefined, jitterMs: undefined },
  );
  assert.deepEqual(
    { ...m.legs.b, mos: undefined, jitterMs: undefined },
    { tag: 'callee', codec: 'PCMU/8000', peer: `127.0.0.1:${b.port}`, packetsIn: 2, bytesIn: 2 * 172, packetsOut: 4, bytesOut: 4 * 172, packetsLost: 0, lossPercent: 0, mos: undefined, jitterMs: undefined },
  );
  for (const leg of [m.legs.a, m.legs.b]) {
    assert.ok(leg.mos !== null && leg.mos >= 1 && leg.mos <= 4.5, `MOS in range: ${leg.mos}`);
    assert.ok(leg.jitterMs >= 0);
  }
  assert.ok(m.legs.a.mos! < m.legs.b.mos!, 'the leg with loss has the lower MOS');

  const one = await get(`/calls/${encodeURIComponent(CALL_ID)}`);
  assert.equal(one.status, 200);
  const detail = JSON.parse(one.body) as CallDetailView;
  assert.equal(detail.callId, CALL_ID);
  assert.deepEqual(detail.call, call);
  assert.equal(detail.media?.streams[0]?.relay.a.rtp.packetsIn, 4);
  assert.equal(detail.media?.streams[0]?.relay.a.peer?.latched, true);
  assert.deepEqual(detail.media?.tags, { a: 'caller', b: 'callee' });

  const missing = await get('/calls/no-such-call');
  assert.equal(missing.status, 404);
  assert.match(JSON.parse(missing.body).error, /no call no-such-call/);

  const stats = JSON.parse((await get('/stats')).body) as { media: unknown };
  assert.deepEqual(stats.media, { sessions: 1 });

  const text = (await get('/metrics')).body;
  assert.match(text, /switchboard_rtp_packets_total\{leg="a",direction="in"\} 4\n/);
  assert.match(text, /switchboard_rtp_packets_total\{leg="b",direction="in"\} 2\n/);
  assert.match(text, /switchboard_rtp_bytes_total\{leg="a",direction="out"\} 344\n/);
  assert.match(text, /switchboard_rtp_packets_lost_total\{leg="a"\} 1\n/);
  assert.match(text, /switchboard_media_sessions 1\n/);
  await sessions.delete(CALL_ID, 'test over');
});
