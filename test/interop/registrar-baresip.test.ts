/**
 * The registrar with a real SIP phone: baresip 1.0.0 (Debian baresip-core), headless, registers
 * over UDP with digest authentication, and unregisters (Expires: 0, RFC 3261 §10.2.2) when it
 * quits on SIGTERM. The binding is checked in the SQLite location store and through a REGISTER
 * query (§10.2.3): baresip's own Contact, and the real source port of its packets (RFC 3581).
 *
 * The server offers MD5 only (LEGACY_UA_AUTH): baresip 1.0.0's libre takes the first
 * WWW-Authenticate and, for algorithm=SHA-256, gives up with "reg: ...: Register: Function not
 * implemented" instead of using the MD5 challenge that follows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BARESIP, Baresip, assertBaresipModules } from '../support/baresip.js';
import { readLocation, waitForLocation } from '../support/location-db.js';
import { RegisterUa } from '../support/register-client.js';
import { DOMAIN, LEGACY_UA_AUTH, RegistrarDeployment } from '../support/registrar-server.js';
import { freePort } from '../support/server-process.js';
import { requirePeer } from './peer-tools.js';

const ALICE = { name: 'alice', password: 'alice-baresip-secret' };
const AOR = `alice@${DOMAIN}`;
const REGINT = 60;

test('baresip registers (its Contact and real source port are stored) and unregisters when it quits', { timeout: 60_000 }, async (t) => {
  if (!requirePeer(t, BARESIP)) return;
  assertBaresipModules();
  const deployment = RegistrarDeployment.create(t, LEGACY_UA_AUTH);
  await deployment.importUsers([ALICE]);
  const server = await deployment.start();
  const listenPort = await freePort([server.port]);
  const phone = Baresip.start({ user: ALICE.name, password: ALICE.password, registrar: server.sip, regint: REGINT }, listenPort);
  t.after(() => phone.stop());
  const explain = (): string => `--- baresip output ---\n${phone.stdout.slice(-6000)}\n${server.outputTail(20)}`;

  // baresip prints "alice@127.0.0.1: {0/UDP/v4} 200 OK () [1 binding]" once registered.
  assert.ok(await phone.waitForOutput(/200 OK \(\) \[1 binding\]/, 15_000), `baresip did not register\n${explain()}`);

  const now = Date.now();
  const stored = readLocation(deployment.dataDir, now).get(AOR) ?? [];
  assert.equal(stored.length, 1, `${JSON.stringify(stored)}\n${explain()}`);
  const binding = stored[0];
  // baresip's Contact is sip:alice-0x<pointer>@127.0.0.1:<listen port>.
  assert.match(binding.contact, new RegExp(`^sip:alice-[^@]+@127\\.0\\.0\\.1:${listenPort}$`), explain());
  assert.ok(phone.stdout.includes(`Contact: <${binding.contact}>`), `the stored contact is not the one baresip sent\n${explain()}`);
  assert.deepEqual(binding.source, { transport: 'udp', host: '127.0.0.1', port: listenPort });
  assert.match(binding.userAgent ?? '', /^baresip v1\./);
  const left = (binding.expiresAt - now) / 1000;
  assert.ok(left > REGINT - 15 && left <= REGINT, `expires in ${left} s`);

  const ua = await RegisterUa.open({ target: server.sip, user: ALICE.name, password: ALICE.password });
  try {
    assert.deepEqual((await ua.query()).map((b) => b.uri), [binding.contact]);
  } finally {
    await ua.close();
  }

  // Quit: baresip sends REGISTER with Contact ...;expires=0 (challenged, then authenticated).
  assert.equal(await phone.stop(), true, `baresip did not exit within 10 s of SIGTERM\n${explain()}`);
  const gone = await waitForLocation(deployment.dataDir, (l) => !l.has(AOR), 5000);
  assert.equal(gone.held, true, `the binding is still there after baresip quit: ${JSON.stringify(gone.location.get(AOR))}\n${explain()}`);
  assert.match(phone.stdout, /Contact: <sip:alice-[^>]+>;expires=0/, explain());
  assert.equal(server.alive, true, server.outputTail());
});
