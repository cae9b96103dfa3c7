/**
 * Calls through the stateful proxy (RFC 3261 §16) between two SIPp instances over UDP on
 * loopback: a SIPp UAS registers its users' contacts (digest, from its own port) and answers,
 * a SIPp UAC calls them through the server (INVITE → 180 → 200 → ACK → BYE → 200). With
 * Record-Route the ACK and BYE go through the proxy (§16.6 step 4, §12.2.1.1); without it
 * they go end to end. Checked on the wire, in both SIPp message traces.
 *
 * SIPp's call scenarios send From sip:caller@127.0.0.1 (a served domain) without credentials:
 * the server trusts 127.0.0.0/8 here (proxy.trusted). The 407 path is proxy-baresip.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { assertCallsSucceeded, assertRegistered, finish, scenario, sipp, startProxy, traces } from '../support/proxy-deployment.js';
import { readLocation } from '../support/location-db.js';
import { DOMAIN, type UserSpec } from '../support/registrar-server.js';
import { repoRoot } from '../support/server-process.js';
import { callIdOf, headerValues, registerContacts, requests, responses, sippPorts, summary, viaSentBys } from '../support/sipp-call.js';
import { numberedUsers } from '../support/sipp-register.js';
import { requirePeer, SIPP } from './peer-tools.js';
import type { SippRun } from './sipp-runner.js';

const CALLS = 20;
const RATE = 10;
const HOLD_MS = 200;
const TRUSTED = ['127.0.0.0/8'];
/** The benchmark's call scenarios, when the shared checkout sits next to the repository. */
const BENCH = join(repoRoot(), '../shared/bench/sip-load/scenarios');

interface CallRun {
  uac: SippRun;
  uas: SippRun;
  serverPort: number;
  uasPort: number;
  uacPort: number;
  context: string;
}

/**
 * Registers `users` from the UAS's port, starts the UAS (it ends after `calls` calls), runs the
 * UAC to completion and collects both traces.
 */
async function runCalls(
  t: TestContext,
  o: {
    users: UserSpec[];
    recordRoute?: boolean;
    t1?: number;
    uacScenario: string;
    uasScenario: string;
    registerScenario: string;
    calls: number;
    /** Register from another port than the Contact's (run.sh's REG_PORT); default: from the UAS's. */
    thirdPartyRegistration?: boolean;
  },
): Promise<CallRun> {
  const { deployment, server } = await startProxy(t, o.users, {
    trusted: TRUSTED,
    ...(o.recordRoute === undefined ? {} : { recordRoute: o.recordRoute }),
    ...(o.t1 === undefined ? {} : { t1: o.t1 }),
  });
  const uasPorts = await sippPorts([server.port]);
  const taken = [server.port, uasPorts.sip, uasPorts.media, uasPorts.media + 1, uasPorts.media + 2, uasPorts.media + 3];
  const uacPorts = await sippPorts(taken);
  taken.push(uacPorts.sip, uacPorts.media, uacPorts.media + 1, uacPorts.media + 2, uacPorts.media + 3);
  const fromPort = o.thirdPartyRegistration === true ? (await sippPorts(taken)).sip : uasPorts.sip;

  const reg = await registerContacts({ scenario: o.registerScenario, registrar: server.sip, port: uasPorts.sip, fromPort, users: o.users });
  console.log(summary('register', reg));
  assertRegistered(reg, o.users.length, server);
  for (const u of o.users) {
    const b = readLocation(deployment.dataDir).get(`${u.name}@${DOMAIN}`) ?? [];
    assert.deepEqual(b.map((x) => [x.contact.toLowerCase(), x.source]), [[`sip:${u.name}@127.0.0.1:${uasPorts.sip};transport=udp`, { transport: 'udp', host: '127.0.0.1', port: fromPort }]], u.name);
  }

  const uas = sipp(t, { scenario: o.uasScenario, localPort: uasPorts.sip, mediaPort: uasPorts.media, calls: o.calls, timeoutS: 60 });
  assert.ok(await uas.waitListening(), 'the SIPp UAS did not bind its port');
  const started = Date.now();
  const uacProc = sipp(t, {
    scenario: o.uacScenario,
    target: server.sip,
    localPort: uacPorts.sip,
    mediaPort: uacPorts.media,
    calls: o.calls,
    rate: RATE,
    pauseMs: HOLD_MS,
    injection: o.users.map((u) => u.name),
    keys: { domain: DOMAIN },
    timeoutS: 60,
    extraArgs: ['-pause_msg_ign'],
  });
  const uac = await uacProc.finished;
  const uacMs = Date.now() - started;
  const uasRun = await finish(uas, 5000);
  console.log(`${summary('uac', uac)} (${o.calls} calls in ${uacMs} ms)`);
  console.log(summary('uas', uasRun));
  return { uac, uas: uasRun, serverPort: server.port, uasPort: uasPorts.sip, uacPort: uacPorts.sip, context: traces(server, { uac, uas: uasRun }) };
}

/** Every call completed on both sides, each dialog's requests seen once by the callee. */
function assertAllCompleted(r: CallRun, calls: number): void {
  assertCallsSucceeded(r.uac, calls, r.context);
  assertCallsSucceeded(r.uas, calls, r.context);
  for (const method of ['INVITE', 'ACK', 'BYE']) {
    const seen = new Set(requests(r.uas.messageLog, method, 'received').map(callIdOf));
    assert.equal(seen.size, calls, `${method}s of ${seen.size} calls reached the callee\n${r.context}`);
  }
}

test(`SIPp: ${CALLS} calls through the proxy complete, and ACK and BYE follow the Record-Route through it`, { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const r = await runCalls(t, {
    users: numberedUsers('callee', 5),
    uacScenario: scenario('call-uac.xml'),
    uasScenario: scenario('call-uas.xml'),
    registerScenario: scenario('register-digest.xml'),
    calls: CALLS,
  });
  assertAllCompleted(r, CALLS);
  const proxy = `127.0.0.1:${r.serverPort}`;
  const recordRoute = [`<sip:${proxy};lr>`];

  // §16.6 step 4: the forwarded INVITE carries the proxy's Record-Route; step 8: its Via on top.
  for (const inv of requests(r.uas.messageLog, 'INVITE', 'received')) {
    assert.deepEqual(headerValues(inv, 'record-route'), recordRoute, r.context);
    assert.deepEqual(viaSentBys(inv), [proxy, `127.0.0.1:${r.uacPort}`], r.context);
    assert.match(inv.startLine, new RegExp(`^INVITE sip:callee\\d{6}@127\\.0\\.0\\.1:${r.uasPort};transport=udp SIP/2\\.0$`, 'i'), r.context);
  }
  // The caller learns the route set from the 200 (§12.1.2) and sends ACK and BYE with Route.
  const ok = responses(r.uac.messageLog, 'INVITE', 'received', 200);
  assert.ok(ok.length >= CALLS, r.context);
  for (const m of ok) assert.deepEqual(headerValues(m, 'record-route'), recordRoute, r.context);
  for (const method of ['ACK', 'BYE']) {
    for (const m of requests(r.uac.messageLog, method, 'sent')) {
      assert.deepEqual(headerValues(m, 'route'), recordRoute, `${method} sent without the route set\n${r.context}`);
    }
    // …so the callee receives them from the proxy: its Via on top of the caller's (§16.6 step 8).
    for (const m of requests(r.uas.messageLog, method, 'received')) {
      assert.deepEqual(viaSentBys(m), [proxy, `127.0.0.1:${r.uacPort}`], `${method} did not come through the proxy\n${r.context}`);
      // §16.4: the proxy removed its own Route value before forwarding.
      assert.deepEqual(headerValues(m, 'route'), [], r.context);
    }
  }
});

test('SIPp: with proxy.record_route false the calls complete and ACK and BYE go end to end', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const calls = 10;
  const r = await runCalls(t, {
    users: numberedUsers('direct', 3),
    recordRoute: false,
    // SIPp sends to its command-line address unless told: this caller sets the 200's Contact
    // as the destination of ACK and BYE, as a UA with an empty route set does (§12.2.1.1).
    uacScenario: scenario('call-uac-direct.xml'),
    // …and the callee answers the BYE to its Via, not to the proxy SIPp first heard from.
    uasScenario: scenario('call-uas-direct.xml'),
    registerScenario: scenario('register-digest.xml'),
    calls,
  });
  assertAllCompleted(r, calls);
  const proxy = `127.0.0.1:${r.serverPort}`;
  for (const inv of requests(r.uas.messageLog, 'INVITE', 'received')) {
    assert.deepEqual(headerValues(inv, 'record-route'), [], r.context);
    assert.deepEqual(viaSentBys(inv), [proxy, `127.0.0.1:${r.uacPort}`], r.context);
  }
  for (const method of ['ACK', 'BYE']) {
    for (const m of requests(r.uac.messageLog, method, 'sent')) {
      assert.deepEqual(headerValues(m, 'route'), [], r.context);
      // §12.2.1.1: with an empty route set the remote target (the callee's Contact) is the Request-URI.
      assert.match(m.startLine, new RegExp(`^${method} sip:127\\.0\\.0\\.1:${r.uasPort};transport=UDP SIP/2\\.0$`, 'i'), r.context);
    }
    for (const m of requests(r.uas.messageLog, method, 'received')) {
      assert.deepEqual(viaSentBys(m), [`127.0.0.1:${r.uacPort}`], `${method} went through the proxy\n${r.context}`);
    }
  }
});

test('SIPp: the benchmark call scenarios (bench/sip-load uac-invite.xml, uas-answer.xml) complete through the proxy', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const files = ['uac-invite.xml', 'uas-answer.xml', 'register.xml'].map((f) => join(BENCH, f));
  if (!files.every(existsSync)) {
    const reason = `the benchmark scenarios in ${BENCH} are not checked out next to the repository`;
    console.log(`# SKIP: ${reason}`);
    t.skip(reason);
    return;
  }
  const calls = 10;
  const r = await runCalls(t, { users: numberedUsers('u', 5), uacScenario: files[0], uasScenario: files[1], registerScenario: files[2], calls });
  assertAllCompleted(r, calls);
  for (const m of requests(r.uas.messageLog, 'BYE', 'received')) assert.equal(viaSentBys(m)[0], `127.0.0.1:${r.serverPort}`, r.context);
});

test(
  "SIPp: run.sh's call mode — callees registered from another port (REG_PORT) than their Contact (UAS_PORT) — completes",
  {
    timeout: 120_000,
    // RFC 3261 §16.5 / §16.6 step 7: the target is the registered Contact. Only a UA detected
    // behind NAT at registration (Via sent-by ≠ source, or a private Contact) is reached at the
    // REGISTER's source instead; the benchmark's third-party registration is not NATed.
  },
  async (t) => {
    if (!requirePeer(t, SIPP)) return;
    const calls = 5;
    const r = await runCalls(t, {
      users: numberedUsers('third', calls),
      thirdPartyRegistration: true,
      // Timer B = 64*T1: fail in 6.4 s rather than 32 s when the INVITEs go astray.
      t1: 100,
      uacScenario: scenario('call-uac.xml'),
      uasScenario: scenario('call-uas.xml'),
      registerScenario: scenario('register-digest.xml'),
      calls,
    });
    assertAllCompleted(r, calls);
  },
);
