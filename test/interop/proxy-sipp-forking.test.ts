/**
 * Parallel forking (RFC 3261 §16.6, §16.7) with real peers: one user registers two contacts
 * of equal q from two SIPp UAS instances on two ports; a SIPp UAC calls the user through the
 * proxy. The INVITE reaches both; one rings and answers after a moment, the other only rings
 * and is cancelled by the proxy once the 200 has been forwarded (§16.7 step 10: "the proxy
 * SHOULD ... CANCEL ... all pending client transactions"); the caller gets exactly one 200.
 *
 * SIPp sends From sip:caller@127.0.0.1 without credentials: the server trusts 127.0.0.0/8.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertCallsSucceeded, assertRegistered, finish, scenario, sipp, startProxy, traces } from '../support/proxy-deployment.js';
import { readLocation } from '../support/location-db.js';
import { DOMAIN } from '../support/registrar-server.js';
import { callIdOf, headerValues, registerContacts, requests, responses, sippPorts, summary, viaSentBys } from '../support/sipp-call.js';
import { numberedUsers } from '../support/sipp-register.js';
import { requirePeer, SIPP } from './peer-tools.js';

const ANSWER_DELAY_MS = 500;

/** The tag parameter of a To value. */
function toTag(m: Parameters<typeof headerValues>[0]): string | undefined {
  return /;\s*tag=([^;\s]+)/i.exec(headerValues(m, 'to')[0] ?? '')?.[1];
}

test('SIPp: an INVITE forked to two contacts of one user: one answers, the other is cancelled, the caller gets one 200', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const [user] = numberedUsers('twice', 1);
  const { deployment, server } = await startProxy(t, [user], { trusted: ['127.0.0.0/8'] });
  const taken = [server.port];
  const block = (p: { sip: number; media: number }): number[] => [p.sip, p.media, p.media + 1, p.media + 2, p.media + 3];
  const answerer = await sippPorts(taken);
  taken.push(...block(answerer));
  const ringer = await sippPorts(taken);
  taken.push(...block(ringer));
  const caller = await sippPorts(taken);

  for (const port of [answerer.sip, ringer.sip]) {
    const reg = await registerContacts({ scenario: scenario('register-digest.xml'), registrar: server.sip, port, users: [user] });
    assertRegistered(reg, 1, server);
  }
  const bindings = readLocation(deployment.dataDir).get(`${user.name}@${DOMAIN}`) ?? [];
  assert.deepEqual(bindings.map((b) => b.source.port).sort(), [answerer.sip, ringer.sip].sort(), JSON.stringify(bindings));

  const a = sipp(t, { scenario: scenario('call-uas.xml'), localPort: answerer.sip, mediaPort: answerer.media, calls: 1, pauseMs: ANSWER_DELAY_MS, timeoutS: 60 });
  const b = sipp(t, { scenario: scenario('call-uas-cancel.xml'), localPort: ringer.sip, mediaPort: ringer.media, calls: 1, timeoutS: 60 });
  assert.ok((await a.waitListening()) && (await b.waitListening()), 'a SIPp UAS did not bind its port');
  const started = Date.now();
  const uac = await sipp(t, {
    scenario: scenario('call-uac.xml'),
    target: server.sip,
    localPort: caller.sip,
    mediaPort: caller.media,
    calls: 1,
    pauseMs: 200,
    injection: [user.name],
    keys: { domain: DOMAIN },
    timeoutS: 30,
  }).finished;
  const elapsed = Date.now() - started;
  const [ra, rb] = await Promise.all([finish(a, 5000), finish(b, 5000)]);
  console.log(`${summary('uac', uac)} (call ${elapsed} ms)`);
  console.log(summary('uas answering', ra));
  console.log(summary('uas ringing', rb));
  const context = traces(server, { uac, 'uas answering': ra, 'uas ringing': rb });

  assertCallsSucceeded(uac, 1, context);
  assertCallsSucceeded(ra, 1, context);
  assertCallsSucceeded(rb, 1, context);

  // §16.6: both branches got the INVITE of the one call, each with the proxy's Via on top.
  const callId = callIdOf(requests(uac.messageLog, 'INVITE', 'sent')[0]);
  for (const r of [ra, rb]) {
    const invites = requests(r.messageLog, 'INVITE', 'received');
    assert.equal(invites.length, 1, context);
    assert.equal(callIdOf(invites[0]), callId, context);
    assert.equal(viaSentBys(invites[0])[0], `127.0.0.1:${server.port}`, context);
  }

  // Exactly one dialog reached the caller: every 200 for the INVITE bears the answerer's tag.
  const oks = responses(uac.messageLog, 'INVITE', 'received', 200);
  const answeredTag = toTag(responses(ra.messageLog, 'INVITE', 'sent', 200)[0]);
  assert.ok(answeredTag !== undefined, context);
  assert.ok(oks.length >= 1, context);
  assert.deepEqual([...new Set(oks.map(toTag))], [answeredTag], context);
  // The cancelled branch's 487 stays at the proxy (§16.7 step 5: a final response after a 2xx
  // is not forwarded, only further 2xx are).
  assert.deepEqual(responses(uac.messageLog, 'INVITE', 'received', 487), [], context);

  // The ringing branch was cancelled by the proxy, answered the CANCEL and the INVITE (487),
  // and got the ACK for the 487 from the proxy's client transaction.
  assert.equal(requests(rb.messageLog, 'CANCEL', 'received').length, 1, context);
  assert.equal(responses(rb.messageLog, 'INVITE', 'sent', 487).length >= 1, true, context);
  assert.equal(requests(rb.messageLog, 'ACK', 'received').length, 1, context);
  // The answering branch carried the dialog: ACK and BYE through the proxy.
  for (const method of ['ACK', 'BYE']) {
    const got = requests(ra.messageLog, method, 'received');
    assert.equal(got.length, 1, `${method}\n${context}`);
    assert.equal(viaSentBys(got[0])[0], `127.0.0.1:${server.port}`, context);
  }
  assert.equal(server.alive, true, context);
});
