/**
 * `workers: 2`: two processes share the UDP listener and hand every datagram to the worker its
 * Call-ID hashes to (src/sip/transport/shard.ts). With real peers on loopback: SIPp registers
 * with digest (challenge and answer must meet the worker that issued the nonce) and calls
 * through the record-routed proxy (INVITE, ACK, BYE and both sides' responses must meet the
 * worker holding the transactions), each request reaching the callee exactly once whichever
 * worker the kernel gave each datagram to. A worker killed with kill -9 is started again and
 * the group serves on; SIGTERM stops the whole group cleanly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { assertCallsSucceeded, assertRegistered, finish, scenario, sipp, startProxy, traces } from '../support/proxy-deployment.js';
import { loadSipUdpAddon } from '../../src/sip/transport/index.js';
import { DOMAIN } from '../support/registrar-server.js';
import type { RegistrarProcess } from '../support/registrar-server.js';
import { freePort } from '../support/server-process.js';
import { callIdOf, registerContacts, requests, sippPorts, summary } from '../support/sipp-call.js';
import { numberedUsers, runSippRegister } from '../support/sipp-register.js';
import { requirePeer, SIPP } from './peer-tools.js';
import { stat } from './sipp-runner.js';

const CALLS = 40;
const RATE = 20;
const GROUP = 'workers: 2\nmedia:\n  mode: never\n';

/** The worker processes: the supervisor's children, from /proc. */
function workerPids(server: RegistrarProcess): number[] {
  const pid = server.server.pid;
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

function logCount(server: RegistrarProcess, msg: string): number {
  return server.server.logs().filter((l) => l.msg === msg).length;
}

async function until(what: string, server: RegistrarProcess, ok: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${server.outputTail(30)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function registerLoad(server: RegistrarProcess, users: ReturnType<typeof numberedUsers>, calls: number) {
  const contactPort = await freePort([server.port]);
  const r = await runSippRegister({
    scenario: scenario('register-digest.xml'),
    target: server.sip,
    localPort: await freePort([server.port, contactPort]),
    users,
    calls,
    rate: 50,
    timeoutS: 30,
    keys: { domain: DOMAIN, contact_host: '127.0.0.1', contact_port: String(contactPort), expires: '600' },
  });
  console.log(summary('register load', r));
  return r;
}

test(`workers: 2 — SIPp digest registrations and ${CALLS} record-routed calls complete; a killed worker is replaced; SIGTERM stops the group`, { timeout: 180_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const callees = numberedUsers('callee', 5);
  const load = numberedUsers('w', 50);
  const { server } = await startProxy(t, [...callees, ...load], { trusted: ['127.0.0.0/8'], extraYaml: GROUP }, { udpOnly: true, readyTimeoutMs: 20_000 });
  await until('both workers', server, () => logCount(server, 'workers started') === 1);
  assert.equal(workerPids(server).length, 2);
  // Each worker binds its own native socket to the port (SO_REUSEPORT) when the addon is
  // built (CI builds it); else node:cluster shares one node:dgram socket between them.
  const engine = loadSipUdpAddon().ok ? 'native' : 'dgram';
  assert.deepEqual(
    server.server.logs().filter((l) => l.msg === 'started').map((l) => l.udpEngine),
    [engine, engine],
  );

  // Digest: the 401's nonce and the answer to it meet in one worker (a nonce of another worker
  // would be answered stale, and SIPp's scenario would fail on the second 401).
  const reg = await registerLoad(server, load, 100);
  const why = server.outputTail(20);
  assert.equal(stat(reg, 'SuccessfulCall(C)'), 100, why);
  assert.equal(stat(reg, 'FailedCall(C)'), 0, why);

  // Calls: register the callees at the SIPp UAS, then call them through the proxy.
  const uasPorts = await sippPorts([server.port]);
  const uacPorts = await sippPorts([server.port, uasPorts.sip, uasPorts.media, uasPorts.media + 1, uasPorts.media + 2, uasPorts.media + 3]);
  const contacts = await registerContacts({ scenario: scenario('register-digest.xml'), registrar: server.sip, port: uasPorts.sip, users: callees });
  assertRegistered(contacts, callees.length, server);
  const uas = sipp(t, { scenario: scenario('call-uas.xml'), localPort: uasPorts.sip, mediaPort: uasPorts.media, calls: CALLS, timeoutS: 60 });
  assert.ok(await uas.waitListening(), 'the SIPp UAS did not bind its port');
  const uac = await sipp(t, {
    scenario: scenario('call-uac.xml'),
    target: server.sip,
    localPort: uacPorts.sip,
    mediaPort: uacPorts.media,
    calls: CALLS,
    rate: RATE,
    pauseMs: 200,
    injection: callees.map((u) => u.name),
    keys: { domain: DOMAIN },
    timeoutS: 60,
    extraArgs: ['-pause_msg_ign'],
  }).finished;
  const uasRun = await finish(uas, 5000);
  console.log(summary('uac', uac));
  console.log(summary('uas', uasRun));
  const context = traces(server, { uac, uas: uasRun });
  assertCallsSucceeded(uac, CALLS, context);
  assertCallsSucceeded(uasRun, CALLS, context);
  for (const method of ['INVITE', 'ACK', 'BYE']) {
    const received = requests(uasRun.messageLog, method, 'received').map(callIdOf);
    assert.equal(new Set(received).size, CALLS, `${method}s of ${new Set(received).size} calls reached the callee\n${context}`);
    // Nothing was retransmitted on either side, so nothing may arrive twice: a worker that
    // is not the owner never handles (and forwards) a request itself.
    if (stat(uac, 'Retransmissions(C)') === 0 && stat(uasRun, 'Retransmissions(C)') === 0) {
      assert.equal(received.length, CALLS, `${method}: ${received.length} received\n${context}`);
    }
  }

  // kill -9 one worker: the supervisor starts it again and the group serves on.
  const [victim] = workerPids(server);
  const startedBefore = logCount(server, 'started');
  process.kill(victim, 'SIGKILL');
  await until('the replacement worker', server, () => logCount(server, 'started') === startedBefore + 1);
  assert.equal(workerPids(server).length, 2);
  assert.ok(!workerPids(server).includes(victim));
  assert.ok(server.server.logs().some((l) => l.msg === 'worker died: starting it again' && l.signal === 'SIGKILL'), server.outputTail(20));
  const again = await registerLoad(server, load, 50);
  assert.equal(stat(again, 'SuccessfulCall(C)'), 50, server.outputTail(20));
  assert.equal(stat(again, 'FailedCall(C)'), 0, server.outputTail(20));

  // SIGTERM to the supervisor: every worker stops gracefully and the group exits 0.
  const pids = workerPids(server);
  await server.kill('SIGTERM');
  assert.equal(server.server.exit?.code, 0, server.outputTail(30));
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} still runs`);
  assert.equal(logCount(server, 'workers stopped'), 1);
});
