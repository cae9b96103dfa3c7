/**
 * The global overload guard end to end, through the real wiring of server.ts: the security
 * component's modules (createSecurity) ahead of the registrar and the proxy in a real SIP
 * core on 127.0.0.1, a caller on 127.0.0.2 (proxy.trusted) and a callee on 127.0.0.3 (a
 * forward route). createSecurity offers no seam for the detector's inputs (it builds its own
 * EventLoopDelay and reads endpoint.inProcess); it does take a Clock, so the one-second sample
 * is driven by a ManualClock, the event-loop criterion is off (max_event_loop_delay: 0) and
 * the in-process criterion is fed for real: a routing hook holds INVITEs for user `slow`
 * until the test releases them, so they are requests still being processed here. INVITEs
 * ringing at the callee are not: they must never make the server "overloaded".
 *
 * While overloaded a new INVITE (no To tag) gets 503 with Retry-After and never reaches the
 * callee, while a re-INVITE and the BYE of a call established before are still proxied; once
 * the load is gone the guard clears and new calls go through again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../../src/app/config/index.js';
import { createLogger, flushLogger } from '../../../src/app/log.js';
import { createRegistration } from '../../../src/app/wiring/registration.js';
import { createRoutingService } from '../../../src/app/wiring/routing.js';
import { createSecurity } from '../../../src/app/wiring/security.js';
import { createSipCore } from '../../../src/app/wiring/sip-core.js';
import { type Clock, ManualClock } from '../../../src/lib/index.js';
import { SipPeer, UacCall, hdr, scriptUas } from '../../support/sip-peer.js';
import { waitFor } from '../../support/net.js';
import { captureLog } from './log-capture.js';

const MAX_IN_FLIGHT = 2;

/**
 * Real time with unref'd timers for the SIP core: stopping the core leaves the transactions'
 * linger timers (Timer D/J/K, 32 s) running, which would hold this test process open.
 */
const realTime: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
const RETRY_AFTER = 7;

test('overloaded: a new INVITE gets 503 + Retry-After, a call established before keeps its re-INVITE and BYE; the guard clears when the load is gone', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-overload-'));
  const caller = await SipPeer.open('127.0.0.2');
  const callee = await SipPeer.open('127.0.0.3');
  const yaml = [
    'domains: [127.0.0.1]',
    "listen: ['udp:127.0.0.1:0']",
    `data_dir: ${dir}`,
    'location: { backend: memory }',
    'proxy: { trusted: [127.0.0.2/32] }',
    'routing:',
    `  hooks: ${join(dir, 'hooks.mjs')}`,
    '  routes:',
    `    - { name: callee, match: { methods: [INVITE] }, action: { forward: 'sip:uas@127.0.0.3:${callee.local.port}' } }`,
    'security:',
    `  overload: { max_event_loop_delay: 0, max_in_flight: ${MAX_IN_FLIGHT}, retry_after: ${RETRY_AFTER} }`,
    '  flood: { enabled: false }',
    '',
  ].join('\n');
  // A hook that keeps INVITEs for `slow` in process until the test opens the gate.
  const gate = { open: (): void => {} };
  (globalThis as { sbOverloadGate?: Promise<void> }).sbOverloadGate = new Promise<void>((resolve) => (gate.open = resolve));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    "export async function onRequest(req) { if (req.ruriUser === 'slow') await globalThis.sbOverloadGate; return undefined; }\n",
  );
  const loaded = parseConfig(yaml, 'sb.yaml', { cwd: dir, interfaceAddresses: () => [] });
  assert.ok(loaded.ok, JSON.stringify(loaded));
  if (!loaded.ok) return;
  const config = loaded.value;
  const log = captureLog();
  const logger = createLogger({ level: 'info', destination: log.destination });
  const securityClock = new ManualClock();

  // As buildComponents (src/app/server.ts) wires them.
  const routing = createRoutingService(config, logger);
  const security = createSecurity(config, logger, securityClock);
  const registration = createRegistration(config, logger, realTime, { router: routing.router, callPolicy: security.callPolicy, onAuthEvent: security.onAuthEvent });
  const sip = await createSipCore(config, logger, [...security.modules, registration.registrarModule, registration.proxyModule], realTime, { admit: security.admit });
  security.attachTransport(sip.transport);
  await routing.init();
  await security.start();
  await registration.start();
  await sip.start();

  // The callee: calls in `hold` ring until released, the others are answered (200) at once.
  const hold = new Set<string>();
  const uas = scriptUas(callee, (invite) => (hold.has(hdr(invite, 'call-id')!) ? [180] : [180, 200]));
  t.after(async () => {
    // Release what still rings (the SIP core drains in-flight requests before it stops);
    // should that fail, the transport is closed anyway so the process can end.
    for (const id of hold) for (const inv of callee.requests('INVITE', id)) await uas.answer(inv, 486);
    const stopped = await Promise.race([sip.stop().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
    if (!stopped) await sip.transport.stop();
    await registration.stop();
    await security.stop();
    await flushLogger(logger);
    await Promise.all([caller.close(), callee.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  const server = { host: '127.0.0.1', port: sip.transport.boundAddresses()[0]!.port };
  const newCall = (user = 'callee'): UacCall => new UacCall(caller, { server, ruri: `sip:${user}@127.0.0.1`, from: 'sip:caller@127.0.0.1' });
  const overloadEvents = () => log.lines.filter((l) => l['securityEvent'] === 'overload').map((l) => String(l['reason']));

  // Not overloaded: a call is established through the proxy.
  const established = newCall();
  const ok = await established.invite();
  assert.equal(ok.status, 200, ok.raw);
  assert.ok(established.routes.length > 0, 'the proxy record-routed the call');
  await callee.waitFor((m) => m.method === 'ACK' && hdr(m, 'call-id') === established.callId, 3000, 'the ACK at the callee');
  securityClock.advance(1000);
  assert.deepEqual(overloadEvents(), [], 'one request in flight at most so far');

  // MAX_IN_FLIGHT + 1 INVITEs ringing at the callee: waiting downstream, not load here.
  const ringing: UacCall[] = [];
  for (let i = 0; i <= MAX_IN_FLIGHT; i++) {
    const c = newCall();
    hold.add(c.callId);
    const r = await c.invite({ until: (m) => m.status === 180 });
    assert.equal(r.status, 180);
    ringing.push(c);
  }
  assert.equal(sip.endpoint().inFlight, MAX_IN_FLIGHT + 1, 'ringing INVITEs are in flight');
  assert.equal(sip.endpoint().inProcess, 0, 'but no longer in process here');
  securityClock.advance(1000);
  assert.deepEqual(overloadEvents(), [], 'calls ringing downstream do not overload the server');

  // Load: MAX_IN_FLIGHT + 1 INVITEs held in process by the routing hook.
  const held: UacCall[] = [];
  for (let i = 0; i <= MAX_IN_FLIGHT; i++) {
    const c = newCall('slow');
    held.push(c);
    // The transaction's own 100 Trying (§17.2.1, after 200 ms): the hook still holds it.
    const r = await c.invite({ until: (m) => m.status === 100 });
    assert.equal(r.status, 100);
  }
  await waitFor(() => sip.endpoint().inProcess === MAX_IN_FLIGHT + 1, 3000, 'the held INVITEs in process');
  securityClock.advance(1000); // the detector's sample
  assert.equal(overloadEvents().length, 1, JSON.stringify(log.lines));
  assert.match(overloadEvents()[0]!, new RegExp(`^overloaded: .*${MAX_IN_FLIGHT + 1} requests in flight \\(limit ${MAX_IN_FLIGHT}\\)`));

  // A new INVITE: 503 with Retry-After, not forwarded.
  const refused = newCall();
  const busy = await refused.invite();
  assert.equal(busy.status, 503, busy.raw);
  assert.equal(hdr(busy, 'retry-after'), String(RETRY_AFTER));
  assert.equal(callee.requests('INVITE', refused.callId).length, 0, 'the refused INVITE never reached the callee');

  // The call established before the overload goes on: re-INVITE and BYE are proxied and answered by the callee.
  const reinvite = await established.request('INVITE');
  assert.equal(reinvite.status, 200, reinvite.raw);
  assert.equal(callee.requests('INVITE', established.callId).length, 2, 'the re-INVITE reached the callee');
  const bye = await established.request('BYE');
  assert.equal(bye.status, 200, bye.raw);
  assert.equal(callee.requests('BYE', established.callId).length, 1, 'the BYE reached the callee');
  // The ringing calls were not touched either: their final answers still come through.
  for (const c of ringing) await uas.answer(callee.requests('INVITE', c.callId)[0]!, 486);
  for (const c of ringing) assert.equal((await c.final()).status, 486);
  hold.clear();
  // The hook lets the held INVITEs go: they are routed and answered (the route list forwards them).
  gate.open();
  for (const c of held) assert.equal((await c.final()).status, 200);
  await waitFor(() => sip.endpoint().inFlight === 0, 3000, 'no request in flight');

  // Load gone: the next sample clears the state, and new INVITEs are proxied again.
  securityClock.advance(1000);
  assert.equal(overloadEvents().length, 2, JSON.stringify(log.lines));
  assert.match(overloadEvents()[1]!, /^recovered: /);
  const after = newCall();
  const answered = await after.invite();
  assert.equal(answered.status, 200, answered.raw);
  assert.equal(callee.requests('INVITE', after.callId).length, 1);
  assert.equal((await after.request('BYE')).status, 200);
});
