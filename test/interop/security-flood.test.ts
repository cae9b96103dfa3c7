/**
 * Flood protection with real SIPp traffic on loopback. A SIPp INVITE flood from 127.0.0.1 at
 * 10× the per-source limit (bounded: 1400 INVITEs at 200/s) is throttled and then banned,
 * while a legitimate SIPp caller on 127.0.0.2 keeps completing calls (≥ 95 %) to a SIPp callee
 * on 127.0.0.3 through the proxy.
 *
 * The caller is NOT allow-listed: it stays under the per-source limit, so the test shows the
 * limit is per source and a neighbour's flood costs it nothing. It is in proxy.trusted only
 * because SIPp's call scenario places calls without credentials.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requirePeer, SIPP } from './peer-tools.js';
import { stat } from './sipp-runner.js';
import { finish, scenario, sipp } from '../support/proxy-deployment.js';
import { SecurityDeployment, optionsFrom, securityConfig, securityEvents } from '../support/security-deployment.js';
import { inviteFlood, registerFrom } from '../support/security-sipp.js';
import { sippPorts, summary } from '../support/sipp-call.js';

const RATE = 20;
const CALLS = 40;
const CALLEES = [{ name: 'callee0', password: 'callee0-pw' }, { name: 'callee1', password: 'callee1-pw' }];

test(`a SIPp INVITE flood at 10× the limit is banned while a caller on 127.0.0.2 completes ≥ 95 % of ${CALLS} calls`, { timeout: 180_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const d = SecurityDeployment.create(
    t,
    securityConfig({
      security: `  flood:\n    rate: ${RATE}\n    burst: ${2 * RATE}\n    ban_after: 2\n`,
      extra: 'proxy:\n  trusted: [127.0.0.2/32]\n',
    }),
  );
  await d.importUsers(CALLEES);
  const server = await d.start();
  const uasPorts = await sippPorts([server.ports.sip]);
  const uacPorts = await sippPorts([server.ports.sip, uasPorts.sip, uasPorts.media]);
  const floodPorts = await sippPorts([server.ports.sip, uasPorts.sip, uacPorts.sip, uasPorts.media, uacPorts.media]);

  const reg = await registerFrom({ scenario: scenario('register-digest.xml'), registrar: server.sip, host: '127.0.0.3', port: uasPorts.sip, users: CALLEES });
  assert.equal(stat(reg, 'SuccessfulCall(C)'), CALLEES.length, `${summary('register', reg)}\n${server.outputTail()}`);

  const uas = sipp(t, { scenario: scenario('call-uas.xml'), localPort: uasPorts.sip, mediaPort: uasPorts.media, calls: CALLS, timeoutS: 60, extraArgs: ['-i', '127.0.0.3', '-mi', '127.0.0.3'] });
  await new Promise((r) => setTimeout(r, 1000));
  const uac = sipp(t, {
    scenario: scenario('call-uac.xml'),
    target: server.sip,
    localPort: uacPorts.sip,
    mediaPort: uacPorts.media,
    calls: CALLS,
    rate: 4,
    pauseMs: 200,
    injection: CALLEES.map((c) => c.name),
    keys: { domain: server.sip.host },
    timeoutS: 60,
    extraArgs: ['-pause_msg_ign', '-i', '127.0.0.2', '-mi', '127.0.0.2'],
  });
  await new Promise((r) => setTimeout(r, 1000));
  const flood = await inviteFlood({ target: server.sip, fromHost: '127.0.0.1', localPort: floodPorts.sip, callee: 'callee0', rate: 10 * RATE, calls: 70 * RATE, timeoutS: 30 });
  console.log(summary('flood', flood));
  const caller = await uac.finished;
  const callee = await finish(uas, 5000);
  console.log(summary('uac', caller));
  console.log(summary('uas', callee));

  const events = securityEvents(server);
  const banned = events.filter((e) => e.securityEvent === 'banned').map((e) => `${e.source} ${e.reason}`);
  assert.deepEqual(banned, ['127.0.0.1 flood'], server.outputTail());
  assert.ok(events.some((e) => e.securityEvent === 'flood' && e.source === '127.0.0.1'));
  assert.deepEqual(events.filter((e) => e.source === '127.0.0.2' || e.source === '127.0.0.3'), [], 'the caller and callee were never limited');
  const ok = stat(caller, 'SuccessfulCall(C)');
  assert.ok(ok >= Math.ceil(0.95 * CALLS), `${ok} of ${CALLS} calls completed\n${summary('uac', caller)}\n${caller.run.stdout.slice(-2000)}`);
  assert.equal(await optionsFrom(server.sip, '127.0.0.1', 1000), undefined, 'the flooder stays banned');
  assert.equal(await optionsFrom(server.sip, '127.0.0.2', 2000), 200);
});
