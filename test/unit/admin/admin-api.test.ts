/**
 * The admin API over real loopback HTTP: the token is required everywhere but /healthz and
 * /readyz; it binds only where configured; views from the sources; the live trace stream with
 * filters; reload; the discovery file and token file of the service.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { AdminApi, type AdminSources, AdminService, readDiscovery, runReloaders, tokenPath } from '../../../src/admin/index.js';
import { MemoryLocationStore } from '../../../src/location/index.js';
import { SIP_MESSAGE_CHANNEL } from '../../../src/sip/transport/index.js';
import { sipRequest, sipResponse, wireEvent } from '../../support/admin-wire.js';

const TOKEN = 'test-token-0123456789abcdef';

function sources(over: Partial<AdminSources> = {}): AdminSources {
  return {
    registrations: () => undefined,
    transactions: () => ({ client: 1, server: 2, refused: 0, inFlight: 1 }),
    ready: () => true,
    reload: () => runReloaders([async () => 'routing reloaded']),
    ...over,
  };
}

async function started(t: TestContext, over: Partial<AdminSources> = {}, host = '127.0.0.1'): Promise<AdminApi> {
  const api = new AdminApi({ host, port: 0, token: TOKEN, sources: sources(over) });
  await api.listen();
  t.after(() => api.close());
  return api;
}

function get(url: string, path: string, token?: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('every route but /healthz and /readyz needs the Bearer token', async (t) => {
  const api = await started(t);
  for (const path of ['/registrations', '/calls', '/bans', '/users', '/stats', '/config', '/metrics', '/trace']) {
    assert.equal((await get(api.url, path)).status, 401, `${path} without a token`);
    assert.equal((await get(api.url, path, 'wrong-token-0123456789abcdef')).status, 401, `${path} with a wrong token`);
    assert.equal((await get(api.url, path, TOKEN.slice(0, -1))).status, 401, `${path} with a prefix of the token`);
  }
  assert.equal((await get(api.url, '/reload', undefined, 'POST')).status, 401);
  const health = await get(api.url, '/healthz');
  assert.deepEqual([health.status, JSON.parse(health.body)], [200, { status: 'ok' }]);
  assert.equal((await get(api.url, '/readyz')).status, 200);
  assert.equal((await get(api.url, '/stats', TOKEN)).status, 200);
});

test('/readyz is 503 until the SIP core is up', async (t) => {
  let ready = false;
  const api = await started(t, { ready: () => ready });
  assert.equal((await get(api.url, '/readyz')).status, 503);
  ready = true;
  assert.equal((await get(api.url, '/readyz')).status, 200);
});

test('binds only the configured address: 127.0.0.1 is not reachable over ::1', async (t) => {
  const api = await started(t);
  assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const port = Number(new URL(api.url).port);
  const refused = await new Promise<boolean>((resolve) => {
    const s = connect({ host: '::1', port, timeout: 2000 });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
    s.once('timeout', () => {
      s.destroy();
      resolve(true);
    });
  });
  assert.equal(refused, true, 'a connection over ::1 must fail');
});

test('registrations: all, one user by name, one AOR exactly', async (t) => {
  const store = new MemoryLocationStore();
  t.after(() => store.close());
  const now = Date.now();
  const b = { contact: 'sip:alice@192.0.2.1:5070', q: 1, expiresAt: now + 600_000, callId: 'r1', cseq: 1, source: { transport: 'udp', host: '192.0.2.1', port: 5070 }, registeredAt: now, userAgent: 'UA/1' };
  await store.modify('alice@example.com', now, () => ({ bindings: [b], result: undefined }));
  await store.modify('alice@other.org', now, () => ({ bindings: [{ ...b, contact: 'sip:alice@192.0.2.2' }], result: undefined }));
  await store.modify('alicia@example.com', now, () => ({ bindings: [{ ...b, contact: 'sip:alicia@192.0.2.3' }], result: undefined }));
  const api = await started(t, { registrations: () => store });
  const all = JSON.parse((await get(api.url, '/registrations', TOKEN)).body) as { registrations: Array<{ aor: string; bindings: Array<{ contact: string; expiresIn: number; source: string }> }> };
  assert.deepEqual(all.registrations.map((r) => r.aor), ['alice@example.com', 'alice@other.org', 'alicia@example.com']);
  const first = all.registrations[0]!.bindings[0]!;
  assert.equal(first.source, 'udp:192.0.2.1:5070');
  assert.ok(first.expiresIn > 590 && first.expiresIn <= 600);
  const alice = JSON.parse((await get(api.url, '/registrations?user=alice', TOKEN)).body) as typeof all;
  assert.deepEqual(alice.registrations.map((r) => r.aor), ['alice@example.com', 'alice@other.org']);
  const exact = JSON.parse((await get(api.url, '/registrations?user=alice%40other.org', TOKEN)).body) as typeof all;
  assert.deepEqual(exact.registrations.map((r) => r.aor), ['alice@other.org']);
});

test('calls, bans, users and stats come from their sources; absent sources say so', async (t) => {
  const api = await started(t, {
    bans: { list: async () => [{ source: '192.0.2.66', reason: 'auth failures', since: 5 }] },
    users: { list: () => [{ username: 'alice', realm: 'example.com', source: 'database', algorithms: ['MD5'] }] },
  });
  assert.deepEqual(JSON.parse((await get(api.url, '/calls', TOKEN)).body), { available: false, calls: [] });
  assert.deepEqual(JSON.parse((await get(api.url, '/bans', TOKEN)).body).bans, [{ source: '192.0.2.66', reason: 'auth failures', since: 5 }]);
  assert.equal(JSON.parse((await get(api.url, '/users', TOKEN)).body).users[0].username, 'alice');
  const stats = JSON.parse((await get(api.url, '/stats', TOKEN)).body) as Record<string, unknown>;
  assert.deepEqual(stats['transactions'], { client: 1, server: 2, refused: 0, inFlight: 1 });
  assert.deepEqual(stats['bans'], { active: 1 });
  assert.equal(stats['calls'], null);
  assert.ok(typeof (stats['memory'] as { rss: number }).rss === 'number');
});

test('POST /reload runs the reloaders: 200 when all succeed, 500 with the failure otherwise', async (t) => {
  let fail = false;
  const api = await started(t, {
    reload: () =>
      runReloaders([
        async () => 'one',
        async () => {
          if (fail) throw new Error('bad rules');
          return 'two';
        },
      ]),
  });
  const ok = await get(api.url, '/reload', TOKEN, 'POST');
  assert.deepEqual([ok.status, JSON.parse(ok.body)], [200, { ok: true, results: [{ ok: true, message: 'one' }, { ok: true, message: 'two' }] }]);
  fail = true;
  const bad = await get(api.url, '/reload', TOKEN, 'POST');
  assert.equal(bad.status, 500);
  assert.deepEqual(JSON.parse(bad.body).results[1], { ok: false, message: 'bad rules' });
});

/** Opens /trace and collects its lines until `until` holds (bounded by 5 s). */
function trace(url: string, query: string, until: (lines: Array<Record<string, unknown>>) => boolean, onSubscribed: () => void): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const lines: Array<Record<string, unknown>> = [];
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`trace: timed out with ${JSON.stringify(lines)}`));
    }, 5000);
    const req = request(`${url}/trace${query}`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        pending += c;
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        for (const p of parts) {
          const line = JSON.parse(p) as Record<string, unknown>;
          lines.push(line);
          if (line['type'] === 'subscribed') onSubscribed();
        }
        if (until(lines)) {
          clearTimeout(timer);
          req.destroy();
          resolve(lines);
        }
      });
    });
    req.on('error', (e) => {
      if (!req.destroyed) reject(e);
    });
    req.end();
  });
}

test('the trace streams matching messages as ndjson, with the raw bytes when asked', async (t) => {
  const api = await started(t);
  const ch = diagnostics.channel(SIP_MESSAGE_CHANNEL);
  const messages = (ls: Array<Record<string, unknown>>) => ls.filter((l) => l['type'] === 'message');
  const lines = await trace(api.url, '?user=bob&method=INVITE&raw=1', (ls) => messages(ls).length >= 2, () => {
    ch.publish(wireEvent('in', sipRequest('REGISTER', { from: 'bob', to: 'bob' })));
    ch.publish(wireEvent('in', sipRequest('INVITE', { from: 'carol', to: 'dave' })));
    ch.publish(wireEvent('in', sipRequest('INVITE', { from: 'alice', to: 'bob', callId: 'x1' })));
    ch.publish(wireEvent('out', sipResponse(180, 'Ringing', 'INVITE', { from: 'alice', to: 'bob', callId: 'x1' })));
  });
  assert.deepEqual(lines[0], { type: 'subscribed', filter: { user: 'bob', method: 'INVITE' } });
  const [inv, ringing] = messages(lines);
  assert.equal(inv!['startLine'], 'INVITE sip:bob@example.com SIP/2.0');
  assert.equal(inv!['direction'], 'in');
  assert.equal(inv!['callId'], 'x1');
  assert.deepEqual(inv!['remote'], { transport: 'udp', host: '192.0.2.10', port: 5062 });
  assert.equal(Buffer.from(inv!['raw'] as string, 'base64').toString('latin1'), sipRequest('INVITE', { from: 'alice', to: 'bob', callId: 'x1' }).toString('latin1'));
  assert.equal(ringing!['status'], 180);
  assert.equal(ringing!['direction'], 'out');
  // The client is gone: the stream unsubscribed.
  const deadline = Date.now() + 2000;
  while (api.traceClients > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(api.traceClients, 0);
});

test('the service writes admin.json and a 0600 token file, removes admin.json at stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-admin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logs: string[] = [];
  const log = { info: (_f: Record<string, unknown>, m: string) => logs.push(m), warn: (_f: Record<string, unknown>, m: string) => logs.push(m) };
  const service = new AdminService({ dataDir: dir, host: '127.0.0.1', port: 0, sources: sources(), log, processMetrics: false });
  await service.start();
  try {
    const token = readFileSync(tokenPath(dir), 'utf8').trim();
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(statSync(tokenPath(dir)).mode & 0o777, 0o600);
    const found = readDiscovery(dir);
    assert.equal(found?.url, service.listening);
    assert.equal(found?.pid, process.pid);
    assert.equal((await get(found!.url, '/stats', token)).status, 200);
    const metrics = await get(found!.url, '/metrics', token);
    assert.match(metrics.body, /switchboard_transactions\{side="server"\} 2/);
  } finally {
    await service.stop();
  }
  assert.equal(existsSync(join(dir, 'admin.json')), false);
  // A second start reuses the token.
  const again = new AdminService({ dataDir: dir, host: '127.0.0.1', port: 0, sources: sources(), log, processMetrics: false });
  const before = readFileSync(tokenPath(dir), 'utf8');
  await again.start();
  await again.stop();
  assert.equal(readFileSync(tokenPath(dir), 'utf8'), before);
});
