/**
 * The operations CLI against a real server process: SIPp users register and
 * `switchboard show registrations` lists them (table and --json); `trace --pcap` records a
 * SIPp REGISTER run and tshark decodes every SIP message of the file; a call through the
 * proxy appears in `show calls` while it is up and not after BYE, and `trace` prints its
 * messages; with media anchored, `show calls` (table, --json, one CALL-ID) shows the RTP a
 * test relayed through the call. Loopback only; every process is ended after its test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { TraceProcess, explain, switchboard } from '../support/admin-cli.js';
import { proxyConfigYaml, scenario, sipp, startProxy } from '../support/proxy-deployment.js';
import { DOMAIN, LEGACY_UA_AUTH, RegistrarDeployment, type UserSpec } from '../support/registrar-server.js';
import { freePort } from '../support/server-process.js';
import { registerContacts, requests, responses, sippPorts } from '../support/sipp-call.js';
import { RtpEndpoint, audioSdp, mediaYaml, relayRange, waitForTraced } from '../support/sipp-media.js';
import { explainSipp, numberedUsers, runSippRegister } from '../support/sipp-register.js';
import { requirePeer, SIPP } from './peer-tools.js';
import { SIPP_EXIT, stat } from './sipp-runner.js';

/** A free admin port for each server: the default 8088 may be used by another test's server. */
const ADMIN = 'admin:\n  port: 0\n';

async function deploy(t: TestContext, users: readonly UserSpec[], yaml = LEGACY_UA_AUTH) {
  const deployment = RegistrarDeployment.create(t, yaml + ADMIN);
  await deployment.importUsers(users);
  const server = await deployment.start();
  // admin.json is written once the admin component has started (after the SIP core answers).
  const deadline = Date.now() + 10_000;
  while (!existsSync(join(deployment.dataDir, 'admin.json')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return { deployment, server };
}

async function registerAll(server: { sip: { host: string; port: number }; port: number; outputTail(n?: number): string }, users: readonly UserSpec[]) {
  const r = await runSippRegister({
    scenario: scenario('register-digest.xml'),
    target: server.sip,
    localPort: await freePort([server.port]),
    users,
    calls: users.length,
    rate: 20,
    timeoutS: 20,
    keys: { domain: DOMAIN, contact_host: '127.0.0.1', contact_port: '5999', expires: '600' },
  });
  assert.equal(r.run.code, SIPP_EXIT.allCallsSucceeded, explainSipp(r, server.outputTail(20)));
  assert.equal(stat(r, 'SuccessfulCall(C)'), users.length);
}

test('show registrations lists the SIPp users (table, --json, one user), show stats counts them', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const users = numberedUsers('adm', 3);
  const { deployment, server } = await deploy(t, users);
  const data = ['--data', deployment.dataDir];

  const empty = await switchboard(['show', 'registrations', ...data]);
  assert.equal(empty.code, 0, explain(['show', 'registrations'], empty));
  assert.equal(empty.stdout, 'no registrations\n');

  await registerAll(server, users);

  const table = await switchboard(['show', 'registrations', ...data]);
  assert.equal(table.code, 0, explain(['show', 'registrations'], table));
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0]!, /^AOR\s+CONTACT\s+SOURCE\s+EXPIRES/);
  for (const u of users) assert.ok(lines.some((l) => l.startsWith(`${u.name}@${DOMAIN} `) && l.includes(`sip:${u.name}@127.0.0.1:5999`)), table.stdout);
  assert.match(lines.at(-1)!, /^3 address\(es\) of record, 3 contact\(s\)$/);

  const json = await switchboard(['show', 'registrations', '--json', ...data]);
  assert.equal(json.code, 0, explain(['show', 'registrations', '--json'], json));
  const body = JSON.parse(json.stdout) as { registrations: Array<{ aor: string; bindings: Array<{ contact: string; expiresIn: number; source: string }> }> };
  assert.deepEqual(body.registrations.map((r) => r.aor), users.map((u) => `${u.name}@${DOMAIN}`));
  for (const r of body.registrations) {
    assert.equal(r.bindings.length, 1);
    assert.ok(r.bindings[0]!.expiresIn > 500 && r.bindings[0]!.expiresIn <= 600, JSON.stringify(r));
    assert.match(r.bindings[0]!.source, /^udp:127\.0\.0\.1:\d+$/);
  }

  const one = await switchboard(['show', 'registrations', users[1]!.name, '--json', ...data]);
  assert.deepEqual((JSON.parse(one.stdout) as typeof body).registrations.map((r) => r.aor), [`${users[1]!.name}@${DOMAIN}`]);

  const stats = await switchboard(['show', 'stats', '--json', ...data]);
  assert.equal(stats.code, 0, explain(['show', 'stats'], stats));
  assert.deepEqual((JSON.parse(stats.stdout) as { registrations: { aors: number; bindings: number } }).registrations, { aors: 3, bindings: 3, backend: 'sqlite' });

  // A wrong token is refused; with the server gone the CLI says it is not running.
  const wrong = await switchboard(['show', 'registrations', '--token', 'not-the-token-0123456789', ...data]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused the token \(401\)/);
  await server.kill('SIGTERM');
  const gone = await switchboard(['show', 'registrations', ...data]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /no running server found|not running/);
});

test('trace --pcap records a SIPp REGISTER run; tshark decodes every SIP message in the file', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  if (!requirePeer(t, { command: 'tshark', debianPackage: 'tshark' })) return;
  const users = numberedUsers('cap', 2);
  const { deployment, server } = await deploy(t, users);
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-trace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'register.pcap');
  const trace = new TraceProcess(t, ['--data', deployment.dataDir, '--pcap', file, '--json']);
  assert.ok(await trace.subscribed(), `trace did not start\n${trace.stderr}`);

  await registerAll(server, users);
  // Each registration: REGISTER, 401, REGISTER with credentials, 200.
  assert.ok(await trace.waitFor((out) => out.trim().split('\n').length >= users.length * 4), trace.stdout);
  const exit = await trace.stop();
  assert.equal(exit.code, 0, trace.stderr);
  const traced = trace.stdout.trim().split('\n').map((l) => JSON.parse(l) as { startLine: string; direction: string });
  assert.equal(traced.length, users.length * 4, trace.stdout);
  assert.deepEqual(traced.map((m) => m.direction), ['in', 'out', 'in', 'out', 'in', 'out', 'in', 'out']);

  const r = spawnSync('tshark', ['-r', file, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'udp.srcport', '-e', 'udp.dstport'], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const decoded = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  assert.equal(decoded.length, traced.length, `tshark decoded ${decoded.length} of ${traced.length} messages\n${r.stdout}`);
  assert.deepEqual(decoded.map((d) => d[0] || d[1]), ['REGISTER', '401', 'REGISTER', '200', 'REGISTER', '401', 'REGISTER', '200']);
  for (const [i, d] of decoded.entries()) {
    const serverPort = String(server.port);
    assert.equal(i % 2 === 0 ? d[3] : d[2], serverPort, `message ${i} is to/from the server's port: ${d.join(' ')}`);
  }
  const all = spawnSync('tshark', ['-r', file], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(all.stdout.trim().split('\n').length, traced.length, 'no frame in the file is anything but SIP');
});

test('show calls shows a call through the proxy while it is up and not after BYE; trace prints its messages', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const users = numberedUsers('callee', 1);
  const { deployment, server } = await deploy(t, users, proxyConfigYaml({ trusted: ['127.0.0.0/8'] }));
  const data = ['--data', deployment.dataDir];
  const uasPorts = await sippPorts([server.port]);
  const uacPorts = await sippPorts([server.port, uasPorts.sip, uasPorts.media, uasPorts.media + 1, uasPorts.media + 2, uasPorts.media + 3]);
  const reg = await registerContacts({ scenario: scenario('register-digest.xml'), registrar: server.sip, port: uasPorts.sip, users });
  assert.equal(reg.run.code, SIPP_EXIT.allCallsSucceeded, explainSipp(reg, server.outputTail(20)));

  const trace = new TraceProcess(t, ['--user', users[0]!.name, '--json', ...data]);
  assert.ok(await trace.subscribed(), `trace did not start\n${trace.stderr}`);

  const uas = sipp(t, { scenario: scenario('call-uas.xml'), localPort: uasPorts.sip, mediaPort: uasPorts.media, calls: 1, timeoutS: 40 });
  assert.ok(await uas.waitListening(), 'the SIPp UAS did not bind its port');
  // The caller holds the call for 4 s before its BYE.
  const uac = sipp(t, {
    scenario: scenario('call-uac.xml'),
    target: server.sip,
    localPort: uacPorts.sip,
    mediaPort: uacPorts.media,
    calls: 1,
    rate: 1,
    pauseMs: 4000,
    injection: users.map((u) => u.name),
    keys: { domain: DOMAIN },
    timeoutS: 40,
    extraArgs: ['-pause_msg_ign'],
  });

  // While the call is up (200 OK forwarded), show calls lists it.
  let listed: Array<{ callId: string; to: string; state: string }> = [];
  const deadline = Date.now() + 4000;
  while (Date.now() < deadline) {
    const r = await switchboard(['show', 'calls', '--json', ...data]);
    assert.equal(r.code, 0, explain(['show', 'calls', '--json'], r));
    const body = JSON.parse(r.stdout) as { available: boolean; calls: typeof listed };
    assert.equal(body.available, true, 'the server tracks calls');
    listed = body.calls;
    if (listed.some((c) => c.state === 'up')) break;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.equal(listed.length, 1, `no call listed while it was up\n${server.outputTail(20)}`);
  assert.equal(listed[0]!.state, 'up');
  assert.match(listed[0]!.to, new RegExp(users[0]!.name));
  const table = await switchboard(['show', 'calls', ...data]);
  assert.match(table.stdout, /^CALL-ID\s+FROM\s+TO\s+STATE/);
  assert.ok(table.stdout.includes(listed[0]!.callId), table.stdout);

  const uacRun = await uac.finished;
  assert.equal(uacRun.run.code, SIPP_EXIT.allCallsSucceeded, explainSipp(uacRun, server.outputTail(20)));
  await uas.stop();
  const after = await switchboard(['show', 'calls', '--json', ...data]);
  assert.deepEqual((JSON.parse(after.stdout) as { calls: unknown[] }).calls, [], 'the call is gone after BYE');

  // The trace printed the call: INVITE in and out, 200 both ways, ACK and BYE through the proxy.
  const callId = listed[0]!.callId;
  const lineOf = (m: { direction: string; startLine: string }) => `${m.direction} ${m.startLine.split(' ').slice(0, 2).join(' ')}`;
  const seen = () =>
    trace.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { direction: string; startLine: string; callId: string; method: string })
      .filter((m) => m.callId === callId);
  assert.ok(await trace.waitFor(() => seen().some((m) => m.method === 'BYE' && m.startLine.startsWith('SIP/2.0 200') && m.direction === 'out')), trace.stdout);
  const kinds = seen().map(lineOf);
  for (const expected of ['in INVITE sip:' + users[0]!.name, 'out INVITE sip:' + users[0]!.name]) {
    assert.ok(kinds.some((k) => k.startsWith(expected)), `${expected} missing in ${JSON.stringify(kinds)}`);
  }
  for (const expected of ['in SIP/2.0 200', 'out SIP/2.0 200', 'in ACK', 'out ACK', 'in BYE', 'out BYE']) {
    assert.ok(kinds.some((k) => k.startsWith(expected)), `${expected} missing in ${JSON.stringify(kinds)}`);
  }
  await trace.stop();
});

test('show calls shows the RTP relayed for a call with anchored media (table, --json, one CALL-ID)', { timeout: 120_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const callee = { name: 'mediaadm', password: 'pw-media-admin-secret' };
  const range = await relayRange();
  const { deployment, server } = await startProxy(t, [callee], { trusted: ['127.0.0.0/8'], extraYaml: `${mediaYaml(range)}\n${ADMIN}` });
  const data = ['--data', deployment.dataDir];
  const adminDeadline = Date.now() + 10_000;
  while (!existsSync(join(deployment.dataDir, 'admin.json')) && Date.now() < adminDeadline) await new Promise((r) => setTimeout(r, 50));
  const callerRtp = await RtpEndpoint.open('127.0.0.1');
  const calleeRtp = await RtpEndpoint.open('127.0.0.1');
  t.after(() => {
    callerRtp.close();
    calleeRtp.close();
  });
  const uasPorts = await sippPorts([server.port]);
  const uacPorts = await sippPorts([server.port, uasPorts.sip, uasPorts.media, uasPorts.media + 1, uasPorts.media + 2, uasPorts.media + 3]);
  const reg = await registerContacts({ scenario: scenario('register-digest.xml'), registrar: server.sip, port: uasPorts.sip, users: [callee] });
  assert.equal(reg.run.code, SIPP_EXIT.allCallsSucceeded, explainSipp(reg, server.outputTail(20)));
  const uas = sipp(t, { scenario: scenario('media-uas.xml'), localPort: uasPorts.sip, mediaPort: uasPorts.media, calls: 1, timeoutS: 30, keys: { media_host: '127.0.0.1', rtp_port: String(calleeRtp.port) } });
  assert.ok(await uas.waitListening(), 'the SIPp UAS did not bind its port');
  const uac = sipp(t, {
    scenario: scenario('media-uac.xml'),
    target: server.sip,
    localPort: uacPorts.sip,
    mediaPort: uacPorts.media,
    calls: 1,
    rate: 1,
    pauseMs: 5000,
    injection: [callee.name],
    keys: { domain: DOMAIN, media_host: '127.0.0.1', rtp_port: String(callerRtp.port) },
    timeoutS: 30,
  });
  const [toCaller, toCallee] = await Promise.all([
    waitForTraced(uac, (log) => audioSdp(responses(log, 'INVITE', 'received', 200)[0]?.body ?? ''), 15_000),
    waitForTraced(uas, (log) => audioSdp(requests(log, 'INVITE', 'received')[0]?.body ?? ''), 15_000),
  ]);
  assert.ok(toCaller !== undefined && toCallee !== undefined, `the call was not set up\n${server.outputTail(30)}`);
  // 10 packets from the caller, 6 from the callee, through the relay.
  await Promise.all([callerRtp.send(toCaller, 'caller', 10), calleeRtp.send(toCallee, 'callee', 6)]);
  assert.ok(await calleeRtp.waitFor('caller', 10, 3000) && (await callerRtp.waitFor('callee', 6, 3000)), 'RTP crossed the relay');

  const json = await switchboard(['show', 'calls', '--json', ...data]);
  assert.equal(json.code, 0, explain(['show', 'calls', '--json'], json));
  const calls = (JSON.parse(json.stdout) as { calls: Array<{ callId: string; media?: { legs: Record<'a' | 'b', { packetsIn: number; packetsOut: number; bytesIn: number; mos: number | null }> } }> }).calls;
  assert.equal(calls.length, 1, json.stdout);
  const media = calls[0]!.media;
  assert.ok(media !== undefined, `no media summary: ${json.stdout}`);
  assert.deepEqual([media.legs.a.packetsIn, media.legs.a.packetsOut, media.legs.b.packetsIn, media.legs.b.packetsOut], [10, 6, 6, 10]);
  assert.equal(media.legs.a.bytesIn, 10 * 172);
  assert.ok(media.legs.a.mos !== null && media.legs.a.mos > 4, `MOS of a clean loopback stream: ${media.legs.a.mos}`);

  const table = await switchboard(['show', 'calls', ...data]);
  assert.equal(table.code, 0, explain(['show', 'calls'], table));
  assert.match(table.stdout, /^CALL-ID\s+LEG\s+CODEC\s+PEER\s+PKTS-IN\s+BYTES-IN\s+PKTS-OUT\s+BYTES-OUT\s+LOST\s+JITTER\s+MOS$/m);
  assert.match(table.stdout, new RegExp(`^\\S+\\s+A\\s+PCMU/8000\\s+127\\.0\\.0\\.1:${callerRtp.port}\\s+10\\s+1\\.7 KiB\\s+6\\s+1\\.0 KiB\\s+0 \\(0\\.0%\\)`, 'm'), table.stdout);

  const callId = calls[0]!.callId;
  const one = await switchboard(['show', 'calls', callId, '--json', ...data]);
  assert.equal(one.code, 0, explain(['show', 'calls', callId], one));
  const detail = JSON.parse(one.stdout) as { media: { streams: Array<{ relay: { a: { rtp: { packetsIn: number } }; b: { rtp: { packetsIn: number } } } }> } };
  assert.deepEqual([detail.media.streams[0]!.relay.a.rtp.packetsIn, detail.media.streams[0]!.relay.b.rtp.packetsIn], [10, 6]);
  const text = await switchboard(['show', 'calls', callId, ...data]);
  assert.match(text.stdout, /^STREAM\s+LEG\s+CODEC/m, text.stdout);
  const missing = await switchboard(['show', 'calls', 'no-such-call', ...data]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no call no-such-call/);

  const uacRun = await uac.finished;
  assert.equal(uacRun.run.code, SIPP_EXIT.allCallsSucceeded, explainSipp(uacRun, server.outputTail(20)));
  await uas.stop();
});
