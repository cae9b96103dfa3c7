/**
 * Calls through the stateful proxy that do not connect, with SIPp on both ends over UDP on
 * loopback: the caller cancels while the callee rings (RFC 3261 §16.10, §9), the callee is
 * busy (486 relayed, §16.7), the callee never answers (the proxy's Timer B, §17.1.1.2, ends
 * in a 408 for the caller), and the requests the proxy refuses itself: 404 for an unknown
 * user and 480 for a known one without a binding (§16.5), 403 for a foreign domain (no open
 * relay). Every INVITE's final response is ACKed by the caller (§17.1.1.3).
 *
 * SIPp sends From sip:caller@127.0.0.1 without credentials: the server trusts 127.0.0.0/8.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { assertCallsSucceeded, assertRegistered, finish, scenario, sipp, startProxy, traces, type ProxyConfig } from '../support/proxy-deployment.js';
import { DOMAIN, type RegistrarProcess, type UserSpec } from '../support/registrar-server.js';
import { callIdOf, headerValues, registerContacts, requests, responses, sippPorts, summary, viaSentBys } from '../support/sipp-call.js';
import { numberedUsers } from '../support/sipp-register.js';
import { requirePeer, SIPP } from './peer-tools.js';
import type { SippRun } from './sipp-runner.js';

const TRUSTED = ['127.0.0.0/8'];

interface OneCall {
  server: RegistrarProcess;
  uac: SippRun;
  uas?: SippRun;
  elapsedMs: number;
  context: string;
}

/**
 * One call from a SIPp UAC to `callee`; when `uasScenario` is given, `callee` is first
 * registered from the port of a SIPp UAS running it.
 */
async function oneCall(
  t: TestContext,
  o: { users: UserSpec[]; callee: string; domain?: string; uacScenario: string; uasScenario?: string; uasPauseMs?: number; config?: ProxyConfig; timeoutS?: number },
): Promise<OneCall> {
  const { server } = await startProxy(t, o.users, { trusted: TRUSTED, ...o.config });
  const uasPorts = await sippPorts([server.port]);
  const uacPorts = await sippPorts([server.port, uasPorts.sip, uasPorts.media, uasPorts.media + 1, uasPorts.media + 2, uasPorts.media + 3]);
  let uas;
  if (o.uasScenario !== undefined) {
    const calleeSpec = o.users.find((u) => u.name === o.callee);
    assert.ok(calleeSpec !== undefined, `callee ${o.callee} is not among the users`);
    const reg = await registerContacts({ scenario: scenario('register-digest.xml'), registrar: server.sip, port: uasPorts.sip, users: [calleeSpec] });
    assertRegistered(reg, 1, server);
    uas = sipp(t, { scenario: o.uasScenario, localPort: uasPorts.sip, mediaPort: uasPorts.media, calls: 1, timeoutS: 60, ...(o.uasPauseMs === undefined ? {} : { pauseMs: o.uasPauseMs }) });
    assert.ok(await uas.waitListening(), 'the SIPp UAS did not bind its port');
  }
  const started = Date.now();
  const uac = await sipp(t, {
    scenario: o.uacScenario,
    target: server.sip,
    localPort: uacPorts.sip,
    mediaPort: uacPorts.media,
    calls: 1,
    injection: [o.callee],
    keys: { domain: o.domain ?? DOMAIN },
    timeoutS: o.timeoutS ?? 30,
  }).finished;
  const elapsedMs = Date.now() - started;
  const uasRun = uas === undefined ? undefined : await finish(uas, (o.uasPauseMs ?? 0) + 5000);
  console.log(`${summary('uac', uac)} (call ${elapsedMs} ms)`);
  if (uasRun !== undefined) console.log(summary('uas', uasRun));
  return { server, uac, ...(uasRun === undefined ? {} : { uas: uasRun }), elapsedMs, context: traces(server, uasRun === undefined ? { uac } : { uac, uas: uasRun }) };
}

/** The final responses to INVITE the caller received, as "status reason" lines. */
function finals(r: SippRun): string[] {
  return responses(r.messageLog, 'INVITE', 'received').filter((m) => !/^SIP\/2\.0 1\d\d /.test(m.startLine)).map((m) => m.startLine);
}

test('SIPp: the caller CANCELs a ringing call: 200 for the CANCEL, CANCEL to the callee, 487 relayed and ACKed', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const users = numberedUsers('ring', 1);
  const r = await oneCall(t, { users, callee: users[0].name, uacScenario: scenario('call-uac-cancel.xml'), uasScenario: scenario('call-uas-cancel.xml') });
  assertCallsSucceeded(r.uac, 1, r.context);
  assertCallsSucceeded(r.uas!, 1, r.context);
  const proxy = `127.0.0.1:${r.server.port}`;
  // §16.10: "the proxy MUST respond to the CANCEL" itself, and cancel the pending branch.
  assert.equal(responses(r.uac.messageLog, 'CANCEL', 'received', 200).length, 1, r.context);
  const cancels = requests(r.uas!.messageLog, 'CANCEL', 'received');
  assert.equal(cancels.length, 1, r.context);
  // §9.1: the CANCEL goes hop by hop: only the proxy's Via, the branch of its INVITE.
  assert.deepEqual(viaSentBys(cancels[0]), [proxy], r.context);
  const invite = requests(r.uas!.messageLog, 'INVITE', 'received')[0];
  assert.equal(branchOf(cancels[0]), branchOf(invite), r.context);
  assert.deepEqual(finals(r.uac), ['SIP/2.0 487 Request Terminated'], r.context);
  assertRelayedVia(r.uac, 487, r.context);
  // The callee's 487 was ACKed by the proxy's client transaction (§17.1.1.3), same branch.
  const acks = requests(r.uas!.messageLog, 'ACK', 'received');
  assert.equal(acks.length, 1, r.context);
  assert.equal(branchOf(acks[0]), branchOf(invite), r.context);
  assert.equal(r.server.alive, true, r.context);
});

test('SIPp: a busy callee: its 486 reaches the caller, both sides see the ACK', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const users = numberedUsers('busy', 1);
  const r = await oneCall(t, { users, callee: users[0].name, uacScenario: scenario('call-uac-rejected.xml'), uasScenario: scenario('call-uas-busy.xml') });
  assertCallsSucceeded(r.uac, 1, r.context);
  assertCallsSucceeded(r.uas!, 1, r.context);
  assert.deepEqual(finals(r.uac), ['SIP/2.0 486 Busy Here'], r.context);
  assertRelayedVia(r.uac, 486, r.context);
  // §17.1.1.3: the ACK for a non-2xx is hop by hop. The callee gets exactly one, from the
  // proxy's client transaction (only the proxy's Via); the caller's ACK ends at the proxy.
  const acks = requests(r.uas!.messageLog, 'ACK', 'received');
  assert.equal(acks.length, 1, r.context);
  assert.deepEqual(viaSentBys(acks[0]), [`127.0.0.1:${r.server.port}`], r.context);
  assert.equal(requests(r.uac.messageLog, 'ACK', 'sent').length, 1, r.context);
});

test('SIPp: a callee that never answers: the proxy ends the INVITE after Timer B (T1 = 100 ms) with 408', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const T1 = 100;
  const users = numberedUsers('silent', 1);
  // Timer C (proxy.timer_c, at least 181 s) is too long for a test; a callee that does not
  // even send 180 runs into the branch's Timer B = 64*T1 = 6.4 s instead.
  const r = await oneCall(t, {
    users,
    callee: users[0].name,
    uacScenario: scenario('call-uac-rejected.xml'),
    uasScenario: scenario('call-uas-silent.xml'),
    uasPauseMs: 64 * T1 + 3000,
    config: { t1: T1 },
  });
  assertCallsSucceeded(r.uac, 1, r.context);
  assert.deepEqual(finals(r.uac), ['SIP/2.0 408 Request Timeout'], r.context);
  assert.ok(r.elapsedMs >= 64 * T1 - 200 && r.elapsedMs < 64 * T1 + 4000, `408 after ${r.elapsedMs} ms\n${r.context}`);
  // The callee saw the INVITE and the proxy's retransmissions of it (Timer A doubles from T1),
  // all of one call, and no CANCEL (no provisional response came: §9.1).
  const invites = requests(r.uas!.messageLog, 'INVITE', 'received');
  assert.ok(invites.length >= 5, `${invites.length} INVITEs reached the silent callee\n${r.context}`);
  assert.equal(new Set(invites.map(callIdOf)).size, 1, r.context);
  assert.equal(requests(r.uas!.messageLog, 'CANCEL', 'received').length, 0, r.context);
});

for (const c of [
  { name: 'an unknown user gets 404', callee: 'nobody', status: 404 },
  { name: 'a known user without a binding gets 480', callee: 'unbound000000', status: 480 },
  { name: 'a foreign domain gets 403 (no open relay)', callee: 'someone', domain: 'example.invalid', status: 403 },
]) {
  test(`SIPp: a call to ${c.name}`, { timeout: 60_000 }, async (t) => {
    if (!requirePeer(t, SIPP)) return;
    const r = await oneCall(t, { users: numberedUsers('unbound', 1), callee: c.callee, ...(c.domain === undefined ? {} : { domain: c.domain }), uacScenario: scenario('call-uac-rejected.xml') });
    assertCallsSucceeded(r.uac, 1, r.context);
    const got = finals(r.uac);
    assert.equal(got.length, 1, r.context);
    assert.match(got[0], new RegExp(`^SIP/2\\.0 ${c.status} `), r.context);
    // The ACK for it was absorbed by the server transaction: nothing answered the ACK.
    assert.equal(responses(r.uac.messageLog, 'ACK', 'received').length, 0, r.context);
    assert.equal(r.server.alive, true, r.context);
  });
}

/**
 * §16.7 step 3: the proxy removed its own Via, and only its own: the relayed response has the
 * caller's Via alone, with the branch of the caller's INVITE.
 */
function assertRelayedVia(uac: SippRun, status: number, context: string): void {
  const relayed = responses(uac.messageLog, 'INVITE', 'received', status)[0];
  const sent = requests(uac.messageLog, 'INVITE', 'sent')[0];
  assert.ok(relayed !== undefined && sent !== undefined, context);
  assert.equal(headerValues(relayed, 'via').length, 1, context);
  assert.equal(branchOf(relayed), branchOf(sent), context);
}

/** The branch parameter of the top Via of a logged message. */
function branchOf(m: Parameters<typeof viaSentBys>[0]): string | undefined {
  const top = m.headers.find(([n]) => n === 'via')?.[1];
  return top === undefined ? undefined : /;\s*branch=([^;,\s]+)/i.exec(top)?.[1];
}
