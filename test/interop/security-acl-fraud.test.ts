/**
 * Per-user ACLs and toll-fraud limits in the real server process, driven by UDP SIP peers on
 * distinct loopback addresses (test/support/sip-peer.ts):
 *  - alice has an ACL allowing only 127.0.0.2/32: from 127.0.0.3 her right password gets 403
 *    (logged as an `acl-denied` security event naming her and the source), a wrong one gets
 *    exactly the challenge an unknown user gets (nothing tells the attacker the account
 *    exists), and from 127.0.0.2 she registers (200);
 *  - the fraud limits (1 concurrent call, 2 calls per minute, 00 blocked, 1900 needs the
 *    `premium` permission, which dave has and bob has not): each breach by bob is refused with
 *    403 and logged as a `fraud-limit` event.
 * The callee carol is registered from 127.0.0.4; readiness probes come from 127.0.0.9.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DOMAIN, SecurityDeployment, eventually, securityConfig, securityEvents } from '../support/security-deployment.js';
import type { ServerProcess } from '../support/server-process.js';
import { type PeerMessage, SipPeer, UacCall, hdr, responseShape, scriptUas } from '../support/sip-peer.js';

const ALICE = { name: 'alice', password: 'Alice-pw-4Tq' };
const BOB = { name: 'bob', password: 'Bob-pw-9Zk' };
const CAROL = { name: 'carol', password: 'Carol-pw-2Mx' };
const DAVE = { name: 'dave', password: 'Dave-pw-7Rn' };

const SECURITY = `  bans:
    max_tries: 50
  acl:
    - user: alice
      allow: [127.0.0.2/32]
  fraud:
    max_concurrent_calls: 1
    max_calls_per_minute: 2
    blocked_prefixes: ['00']
    restricted_prefixes:
      - { prefix: '1900', permission: premium }
    permissions: { dave: [premium] }
`;

async function deploy(t: TestContext): Promise<ServerProcess> {
  const d = SecurityDeployment.create(t, securityConfig({ security: SECURITY }));
  await d.importUsers([ALICE, BOB, CAROL, DAVE]);
  return d.start();
}

async function peer(t: TestContext, host: string): Promise<SipPeer> {
  const p = await SipPeer.open(host);
  t.after(() => p.close());
  return p;
}

type Event = ReturnType<typeof securityEvents>[number] & { callId?: string };

/** Waits (bounded) for the security events matching `match` to number `n`; returns them. */
async function events(server: ServerProcess, match: (e: Event) => boolean, n: number): Promise<Event[]> {
  await eventually(() => (securityEvents(server) as Event[]).filter(match).length >= n, 3000);
  return (securityEvents(server) as Event[]).filter(match);
}

test('ACL: alice (allowed 127.0.0.2/32) gets 403 from 127.0.0.3 with her right password, an unknown user\'s challenge with a wrong one, 200 from 127.0.0.2', { timeout: 60_000 }, async (t) => {
  const server = await deploy(t);
  const outside = await peer(t, '127.0.0.3');
  const inside = await peer(t, '127.0.0.2');
  const register = (p: SipPeer, user: string, password: string | undefined) => p.register({ registrar: server.sip, domain: DOMAIN, user, password });

  // Right password from outside her networks: challenged like anyone, then 403.
  const right = await register(outside, ALICE.name, ALICE.password);
  assert.equal(right.challenge.status, 401, right.challenge.raw);
  assert.equal(right.final?.status, 403, `${right.final?.raw}\n${server.outputTail()}`);
  const denied = await events(server, (e) => e.securityEvent === 'acl-denied', 1);
  assert.equal(denied.length, 1, server.outputTail());
  assert.equal(denied[0]!.source, '127.0.0.3');
  assert.match(String(denied[0]!.user), /^alice(@127\.0\.0\.1)?$/);
  assert.match(String(denied[0]!.reason), /REGISTER/);

  // Wrong password from outside: the same answer as for a user that does not exist.
  const wrong = await register(outside, ALICE.name, 'not-her-password');
  const unknown = await register(outside, 'zed', 'whatever');
  assert.equal(responseShape(wrong.challenge), responseShape(unknown.challenge));
  assert.equal(unknown.final?.status, 401, unknown.final?.raw);
  assert.equal(wrong.final?.status, 401, `a wrong password must get the unknown user's challenge, not a refusal that confirms the account:\n${wrong.final?.raw}`);
  assert.equal(responseShape(wrong.final!), responseShape(unknown.final!));
  // Without any credentials too.
  const bare = await register(outside, ALICE.name, undefined);
  const bareUnknown = await register(outside, 'zed', undefined);
  assert.equal(responseShape(bare.challenge), responseShape(bareUnknown.challenge));
  assert.equal((await events(server, (e) => e.securityEvent === 'acl-denied', 2)).length, 1, 'only a verified password is an ACL breach');

  // From inside her network: registered, and the only binding is the inside one.
  const ok = await register(inside, ALICE.name, ALICE.password);
  assert.equal(ok.final?.status, 200, `${ok.final?.raw}\n${server.outputTail()}`);
  const contacts = ok.final!.headers.get('contact') ?? [];
  assert.equal(contacts.length, 1, ok.final!.raw);
  assert.match(contacts[0]!, new RegExp(`^<sip:alice@127\\.0\\.0\\.2:${inside.local.port}>`));

  // Calls are held to the ACL as well: an INVITE from outside with the right password → 403.
  const call = new UacCall(outside, { server: server.sip, ruri: `sip:bob@${DOMAIN}`, from: `sip:alice@${DOMAIN}`, credentials: { user: ALICE.name, password: ALICE.password } });
  const refused = await call.invite();
  assert.equal(call.responses.find((r) => r.status >= 400)?.status, 407, 'first challenged');
  assert.equal(refused.status, 403, refused.raw);
  const deniedCall = await events(server, (e) => e.securityEvent === 'acl-denied' && /INVITE/.test(String(e.reason)), 1);
  assert.equal(deniedCall[0]?.source, '127.0.0.3');
});

test('toll fraud: bob\'s calls to a blocked prefix, to a permission prefix, a second concurrent call and calls beyond the per-minute limit get 403 and fraud-limit events', { timeout: 60_000 }, async (t) => {
  const server = await deploy(t);
  const callee = await peer(t, '127.0.0.4');
  const bobPeer = await peer(t, '127.0.0.5');
  const davePeer = await peer(t, '127.0.0.6');
  const reg = await callee.register({ registrar: server.sip, domain: DOMAIN, user: CAROL.name, password: CAROL.password });
  assert.equal(reg.final?.status, 200, `${reg.final?.raw}\n${server.outputTail()}`);
  // carol answers the first call; later ones she rejects with 486 at once.
  let answerCalls = true;
  scriptUas(callee, () => (answerCalls ? [180, 200] : [486]));

  const bobCall = (number: string): UacCall =>
    new UacCall(bobPeer, { server: server.sip, ruri: `sip:${number}@${DOMAIN}`, from: `sip:bob@${DOMAIN}`, credentials: { user: BOB.name, password: BOB.password } });
  const fraud = (n: number) => events(server, (e) => e.securityEvent === 'fraud-limit', n);

  // Blocked prefix.
  const intl = bobCall('0044201234567');
  const r1 = await intl.invite();
  assert.equal(r1.status, 403, `${r1.raw}\n${server.outputTail()}`);
  let ev = await fraud(1);
  assert.equal(ev.length, 1, server.outputTail());
  assert.deepEqual([ev[0]!.source, ev[0]!.user, ev[0]!.callId], ['127.0.0.5', 'bob', intl.callId]);
  assert.match(String(ev[0]!.reason), /prefix 00 is blocked/);
  assert.match(String(ev[0]!.reason), /0044201234567/);

  // A prefix that needs a permission bob has not …
  const premium = bobCall('1900123456');
  const r2 = await premium.invite();
  assert.equal(r2.status, 403, r2.raw);
  ev = await fraud(2);
  assert.equal(ev.length, 2, server.outputTail());
  assert.equal(ev[1]!.callId, premium.callId);
  assert.match(String(ev[1]!.reason), /prefix 1900 needs permission premium/);
  // … and dave has: his call passes the limits (and then finds no such user: 404).
  const daveCall = new UacCall(davePeer, { server: server.sip, ruri: `sip:1900123456@${DOMAIN}`, from: `sip:dave@${DOMAIN}`, credentials: { user: DAVE.name, password: DAVE.password } });
  const r3 = await daveCall.invite();
  assert.equal(r3.status, 404, r3.raw);

  // One call up; a second concurrent one is refused and never reaches the callee.
  const first = bobCall('carol');
  const up = await first.invite();
  assert.equal(up.status, 200, `${up.raw}\n${server.outputTail()}`);
  const second = bobCall('carol');
  const r4 = await second.invite();
  assert.equal(r4.status, 403, r4.raw);
  assert.equal(callee.requests('INVITE', second.callId).length, 0);
  ev = await fraud(3);
  assert.equal(ev.length, 3, server.outputTail());
  assert.equal(ev[2]!.callId, second.callId);
  assert.match(String(ev[2]!.reason), /more than 1 concurrent calls/);
  assert.equal((await first.request('BYE')).status, 200);

  // The per-minute limit (2): calls answered 486 at once (concurrency does not interfere);
  // refused attempts take no slot, so exactly two of bob's calls reach the callee within the
  // minute (the first one and one more) and the next is refused.
  answerCalls = false;
  let refusedPerMinute: { call: UacCall; response: PeerMessage } | undefined;
  for (let i = 0; i < 3 && refusedPerMinute === undefined; i++) {
    const c = bobCall('carol');
    const r = await c.invite();
    if (r.status === 403) refusedPerMinute = { call: c, response: r };
    else assert.equal(r.status, 486, r.raw);
  }
  assert.ok(refusedPerMinute !== undefined, `no call refused within the minute\n${server.outputTail()}`);
  const reached = new Set(callee.requests('INVITE').filter((m) => hdr(m, 'from')?.includes('sip:bob@')).map((m) => hdr(m, 'call-id')));
  assert.equal(reached.size, 2, `${reached.size} of bob's calls reached the callee within a minute (limit 2)`);
  ev = await fraud(4);
  assert.equal(ev.length, 4, server.outputTail());
  assert.equal(ev[3]!.callId, refusedPerMinute.call.callId);
  assert.match(String(ev[3]!.reason), /more than 2 calls per minute/);
  assert.deepEqual(ev.map((e) => e.user), ['bob', 'bob', 'bob', 'bob'], 'dave never breached');
});
