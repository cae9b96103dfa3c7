/**
 * Trunk sources in the real server process: the trunk `carrier` lists `sources:
 * [127.0.0.2/32]`, and calls from there are taken without authentication (the carrier's).
 * The same INVITE — a carrier's call to our user carol, From a number at the carrier's host —
 * sent from 127.0.0.3 is not the carrier's: it is refused like any unauthenticated call from
 * an untrusted source (403 for a foreign From, a 407 challenge for a From in our domain) and
 * never reaches carol; from 127.0.0.2 it is routed to her. Carol is registered from 127.0.0.4.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DOMAIN, SecurityDeployment, securityConfig } from '../support/security-deployment.js';
import { SipPeer, UacCall, hdr, scriptUas } from '../support/sip-peer.js';

const CAROL = { name: 'carol', password: 'Carol-pw-2Mx' };

const ROUTING = `routing:
  trunks:
    - name: carrier
      uri: 'sip:127.0.0.2:5099'
      sources: [127.0.0.2/32]
`;

test('an INVITE presenting itself as the trunk\'s is taken from the trunk\'s source network only', { timeout: 60_000 }, async (t) => {
  const d = SecurityDeployment.create(t, securityConfig({ extra: ROUTING }));
  await d.importUsers([CAROL]);
  const server = await d.start();
  const peers = await Promise.all(['127.0.0.4', '127.0.0.3', '127.0.0.2'].map((h) => SipPeer.open(h)));
  t.after(() => Promise.all(peers.map((p) => p.close())));
  const [callee, impostor, carrier] = peers as [SipPeer, SipPeer, SipPeer];
  const reg = await callee.register({ registrar: server.sip, domain: DOMAIN, user: CAROL.name, password: CAROL.password });
  assert.equal(reg.final?.status, 200, `${reg.final?.raw}\n${server.outputTail()}`);
  scriptUas(callee, () => [180, 486]);

  const carrierCall = (p: SipPeer, fromHost: string): UacCall =>
    new UacCall(p, { server: server.sip, ruri: `sip:carol@${DOMAIN}`, from: `sip:+15551230000@${fromHost}` });

  // From 127.0.0.3, with the carrier's host in From: not trusted, so a guest call → 403.
  const fake = carrierCall(impostor, '127.0.0.2');
  const r1 = await fake.invite();
  assert.equal(r1.status, 403, `${r1.raw}\n${server.outputTail()}`);
  // From 127.0.0.3, with a From in our domain: challenged, as any caller claiming our domain.
  const fakeLocal = carrierCall(impostor, DOMAIN);
  const r2 = await fakeLocal.invite();
  assert.equal(r2.status, 407, r2.raw);
  assert.ok(hdr(r2, 'proxy-authenticate') !== undefined);
  assert.equal(callee.requests('INVITE').length, 0, 'nothing from 127.0.0.3 reached the callee');

  // The same INVITE from the trunk's source network: routed to carol without authentication.
  const real = carrierCall(carrier, '127.0.0.2');
  const r3 = await real.invite();
  assert.equal(r3.status, 486, `carol's answer comes back: ${r3.raw}\n${server.outputTail()}`);
  assert.ok(!real.responses.some((r) => r.status === 407 || r.status === 401), 'no challenge for the trunk');
  const got = callee.requests('INVITE');
  assert.equal(got.length, 1);
  assert.equal(hdr(got[0]!, 'call-id'), real.callId);
  assert.match(hdr(got[0]!, 'from') ?? '', /sip:\+15551230000@127\.0\.0\.2/);
});
