/**
 * A call between two real SIP phones through the proxy: baresip 1.0.0 (Debian baresip-core)
 * as alice and bob, headless (commands and events over its ctrl_tcp JSON channel, a WAV file
 * as microphone). Both register with digest authentication; alice dials sip:bob@DOMAIN, the
 * proxy challenges her INVITE with 407 (RFC 3261 §22.3: she is a user of a served domain and
 * loopback is not trusted here), baresip answers the challenge, the proxy forks the INVITE to
 * bob's registered contact with its Record-Route, bob answers by himself (answermode=auto),
 * the call is established on both sides, alice hangs up and the BYE reaches bob through the
 * proxy and is answered with 200. Checked through baresip's UA events and its SIP trace (-s).
 *
 * MD5 only (LEGACY_UA_AUTH): baresip 1.0.0's libre reads only the first challenge.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertBaresipModules, BARESIP, BARESIP_MODULE_PATH } from '../support/baresip.js';
import { BaresipPhone, PHONE_MODULES } from '../support/baresip-phone.js';
import { type TracedMessage, tracedMessages } from '../support/baresip-trace.js';
import { startProxy } from '../support/proxy-deployment.js';
import { DOMAIN } from '../support/registrar-server.js';
import { freePort } from '../support/server-process.js';
import { requirePeer } from './peer-tools.js';

const ALICE = { name: 'alice', password: 'alice-call-secret' };
const BOB = { name: 'bob', password: 'bob-call-secret' };
const HOLD_MS = 1500;

const header = (m: TracedMessage, name: string): string[] => m.headers.filter(([n]) => n === name).map(([, v]) => v);

test('baresip alice calls baresip bob through the proxy: 407 answered, call established, BYE through the proxy', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, BARESIP)) return;
  assertBaresipModules();
  for (const m of PHONE_MODULES) assert.ok(existsSync(join(BARESIP_MODULE_PATH, m)), `baresip module ${m} is missing`);

  // No proxy.trusted: alice's INVITE (From sip:alice@127.0.0.1) must be authenticated.
  const { server } = await startProxy(t, [ALICE, BOB], {});
  const taken = [server.port];
  const ports = async (): Promise<{ sipPort: number; ctrlPort: number; rtpPort: number }> => {
    const sipPort = await freePort(taken);
    taken.push(sipPort);
    const ctrlPort = await freePort(taken);
    taken.push(ctrlPort);
    const rtpPort = await freePort(taken);
    for (let i = 0; i < 10; i++) taken.push(rtpPort + i);
    return { sipPort, ctrlPort, rtpPort };
  };
  const bob = await BaresipPhone.launch({ user: BOB.name, password: BOB.password, registrar: server.sip, answerAuto: true }, ports);
  t.after(() => bob.stop());
  const alice = await BaresipPhone.launch({ user: ALICE.name, password: ALICE.password, registrar: server.sip, answerAuto: false }, ports);
  t.after(() => alice.stop());
  const explain = (): string =>
    [`--- alice (${alice.eventTypes().join(', ')}) ---`, alice.stdout.slice(-8000), `--- bob (${bob.eventTypes().join(', ')}) ---`, bob.stdout.slice(-8000), server.outputTail(30)].join('\n');

  for (const phone of [alice, bob]) assert.ok(await phone.waitRegistered(15_000), `${phone.o.user} did not register\n${explain()}`);

  const started = Date.now();
  const dial = await alice.command('dial', `sip:${BOB.name}@${DOMAIN}:${server.port}`);
  assert.equal(dial['ok'], true, `dial refused: ${JSON.stringify(dial)}\n${explain()}`);
  const [aliceUp, bobUp] = await Promise.all([alice.waitEvent('CALL_ESTABLISHED', 15_000), bob.waitEvent('CALL_ESTABLISHED', 15_000)]);
  assert.ok(aliceUp !== undefined && bobUp !== undefined, `the call was not established on both sides\n${explain()}`);
  console.log(`# baresip call established ${Date.now() - started} ms after the dial command`);

  const proxy = `127.0.0.1:${server.port}`;
  const aliceSaw = tracedMessages(alice.stdout, alice.o.sipPort);
  const bobSaw = tracedMessages(bob.stdout, bob.o.sipPort);
  // §22.3: the first INVITE was challenged with 407 and Proxy-Authenticate (MD5)…
  const challenge = aliceSaw.find((m) => m.direction === 'recv' && /^SIP\/2\.0 407 /.test(m.startLine) && /INVITE$/.test(header(m, 'cseq')[0] ?? ''));
  assert.ok(challenge !== undefined, `no 407 for alice's INVITE\n${explain()}`);
  assert.match(header(challenge, 'proxy-authenticate')[0] ?? '', /^Digest .*algorithm=MD5/i, explain());
  // …and the INVITE that went through carried Proxy-Authorization for alice.
  const invites = aliceSaw.filter((m) => m.direction === 'send' && m.startLine.startsWith('INVITE '));
  assert.ok(invites.length >= 2, explain());
  assert.match(header(invites[invites.length - 1], 'proxy-authorization')[0] ?? '', /username="alice"/, explain());

  // The INVITE bob got came from the proxy (its Via on top, its Record-Route), without the
  // credentials the proxy consumed (§22.3), addressed to bob's registered contact.
  const bobInvite = bobSaw.find((m) => m.direction === 'recv' && m.startLine.startsWith('INVITE '));
  assert.ok(bobInvite !== undefined, explain());
  assert.match(header(bobInvite, 'via')[0] ?? '', new RegExp(`^SIP/2\\.0/UDP ${proxy.replace(/\./g, '\\.')};`), explain());
  assert.deepEqual(header(bobInvite, 'record-route'), [`<sip:${proxy};lr>`], explain());
  assert.deepEqual(header(bobInvite, 'proxy-authorization'), [], explain());
  assert.match(bobInvite.startLine, new RegExp(`^INVITE sip:bob-[^@]+@127\\.0\\.0\\.1:${bob.o.sipPort}`), explain());
  // The 200 reached alice through the proxy and she ACKed it along the route set.
  assert.ok(aliceSaw.some((m) => m.direction === 'recv' && /^SIP\/2\.0 200 /.test(m.startLine) && /INVITE$/.test(header(m, 'cseq')[0] ?? '')), explain());
  const ack = bobSaw.find((m) => m.direction === 'recv' && m.startLine.startsWith('ACK '));
  assert.ok(ack !== undefined, `bob got no ACK\n${explain()}`);
  assert.match(header(ack, 'via')[0] ?? '', new RegExp(`^SIP/2\\.0/UDP ${proxy.replace(/\./g, '\\.')};`), explain());

  // Media flows (through the relay, media.mode defaults to always): both phones see RTP from
  // the other side, which shows the SDP offer and answer crossed the proxy usable.
  const [aliceRtp, bobRtp] = await Promise.all([alice.waitEvent('CALL_RTPESTAB', 5000), bob.waitEvent('CALL_RTPESTAB', 5000)]);
  assert.ok(aliceRtp !== undefined && bobRtp !== undefined, `no RTP between the phones\n${explain()}`);
  await new Promise((r) => setTimeout(r, HOLD_MS));
  assert.ok(!alice.eventTypes().includes('CALL_CLOSED') && !bob.eventTypes().includes('CALL_CLOSED'), `the call did not last ${HOLD_MS} ms\n${explain()}`);

  const hangup = await alice.command('hangup');
  assert.equal(hangup['ok'], true, `hangup refused: ${JSON.stringify(hangup)}\n${explain()}`);
  const [aliceDown, bobDown] = await Promise.all([alice.waitEvent('CALL_CLOSED', 10_000), bob.waitEvent('CALL_CLOSED', 10_000)]);
  assert.ok(aliceDown !== undefined && bobDown !== undefined, `the call was not closed on both sides\n${explain()}`);
  // The BYE went alice → proxy → bob (Route from the Record-Route), and bob's 200 came back.
  const bye = tracedMessages(bob.stdout, bob.o.sipPort).find((m) => m.direction === 'recv' && m.startLine.startsWith('BYE '));
  assert.ok(bye !== undefined, `bob got no BYE\n${explain()}`);
  assert.match(header(bye, 'via')[0] ?? '', new RegExp(`^SIP/2\\.0/UDP ${proxy.replace(/\./g, '\\.')};`), explain());
  const aliceBye = tracedMessages(alice.stdout, alice.o.sipPort).find((m) => m.direction === 'send' && m.startLine.startsWith('BYE '));
  assert.ok(aliceBye !== undefined, explain());
  assert.deepEqual(header(aliceBye, 'route'), [`<sip:${proxy};lr>`], explain());
  assert.ok(
    tracedMessages(alice.stdout, alice.o.sipPort).some((m) => m.direction === 'recv' && /^SIP\/2\.0 200 /.test(m.startLine) && /BYE$/.test(header(m, 'cseq')[0] ?? '')),
    `alice got no 200 for her BYE\n${explain()}`,
  );
  assert.equal(server.alive, true, server.outputTail());
  // Quit while the server still runs (the t.after hooks end it first): each phone
  // unregisters (REGISTER with Expires 0, challenged and authenticated) and exits by itself.
  const clean = await Promise.all([alice.stop(), bob.stop()]);
  assert.deepEqual(clean, [true, true], `a phone did not exit within 10 s of SIGTERM\n${explain()}`);
});
