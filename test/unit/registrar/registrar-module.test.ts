import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { ConfigUserDirectory, DigestAuthenticator, answerChallenge } from '../../../src/auth/index.js';
import { MemoryLocationStore } from '../../../src/location/index.js';
import { createRegistrarModule, type RegistrarSecurityEvent } from '../../../src/registrar/index.js';
import { Endpoint, LocalIdentity } from '../../../src/sip/endpoint/index.js';
import { type SipResponse } from '../../../src/sip/message/index.js';
import { LoopNetwork, type NetAddress, type ReceivedMessage } from '../../../src/sip/transport/index.js';

const SERVER: NetAddress = { transport: 'udp', host: '192.0.2.10', port: 5060 };
const PHONE_PRIVATE: NetAddress = { transport: 'udp', host: '10.0.0.5', port: 5060 };
const PHONE_NAT: NetAddress = { transport: 'udp', host: '198.51.100.7', port: 40123 };

function setup() {
  const clock = new ManualClock(0, Date.UTC(2026, 10, 21));
  const net = new LoopNetwork(clock);
  const serverTransport = net.endpoint(SERVER);
  const phone = net.endpoint(PHONE_PRIVATE, { publicAddress: PHONE_NAT });
  const responses: SipResponse[] = [];
  phone.attach({
    onMessage: (rx: ReceivedMessage) => void (rx.message.kind === 'response' && responses.push(rx.message)),
    onInvalid: () => undefined,
  });
  const location = new MemoryLocationStore();
  const users = new ConfigUserDirectory([{ username: 'alice', realm: 'example.com', password: 'wonderland' }]);
  const auth = new DigestAuthenticator({ secret: Buffer.alloc(32, 7), users, clock });
  const events: RegistrarSecurityEvent[] = [];
  const identity = new LocalIdentity(['example.com'], [SERVER]);
  const endpoint = new Endpoint({ transport: serverTransport, clock, identity });
  endpoint.use(
    createRegistrarModule({ location, auth, identity, clock, minExpires: 60, maxExpires: 3600, defaultExpires: 1800, maxContacts: 5, onSecurityEvent: (e) => events.push(e) }),
  );
  serverTransport.attach(endpoint.transportUser);
  let branch = 0;
  const register = async (o: { user?: string; contact?: string; expires?: number; cseq: number; callId?: string; authorization?: string; domain?: string; branch?: string; supported?: string }) => {
    const domain = o.domain ?? 'example.com';
    const user = o.user ?? 'alice';
    const text = [
      `REGISTER sip:${domain} SIP/2.0`,
      `Via: SIP/2.0/UDP ${PHONE_PRIVATE.host}:${PHONE_PRIVATE.port};rport;branch=${o.branch ?? `z9hG4bK-r${++branch}`}`,
      `From: <sip:${user}@${domain}>;tag=f1`,
      `To: <sip:${user}@${domain}>`,
      `Call-ID: ${o.callId ?? 'reg-call-1'}`,
      `CSeq: ${o.cseq} REGISTER`,
      'Max-Forwards: 70',
      ...(o.contact === undefined ? [] : [`Contact: ${o.contact}`]),
      ...(o.expires === undefined ? [] : [`Expires: ${o.expires}`]),
      ...(o.authorization === undefined ? [] : [`Authorization: ${o.authorization}`]),
      ...(o.supported === undefined ? [] : [`Supported: ${o.supported}`]),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const before = responses.length;
    net.inject(PHONE_NAT, SERVER, text);
    clock.advance(0);
    for (let i = 0; i < 5 && responses.length === before; i++) await new Promise((r) => setImmediate(r));
    clock.advance(0);
    return responses[responses.length - 1];
  };
  /** REGISTER, answer the 401 with the password, return the final response. */
  const registerWithAuth = async (o: Parameters<typeof register>[0] & { password?: string }) => {
    const challenge = await register(o);
    assert.equal(challenge.status, 401);
    const www = challenge.headerValues('www-authenticate') ?? challenge.fields('www-authenticate').map((f) => f.value);
    const answer = answerChallenge(www[0], {
      username: o.user ?? 'alice',
      password: o.password ?? 'wonderland',
      method: 'REGISTER',
      uri: `sip:${o.domain ?? 'example.com'}`,
    });
    assert.ok(answer.ok);
    return register({ ...o, cseq: o.cseq + 1, authorization: answer.value });
  };
  return { clock, location, events, register, registerWithAuth };
}

describe('registrar module (RFC 3261 §10.3) over the loop transport', () => {
  it('challenges, then binds the contact through the NAT and lists it in the 200', async () => {
    const { clock, location, registerWithAuth } = setup();
    const ok = await registerWithAuth({ contact: '<sip:alice@10.0.0.5:5060>', expires: 600, cseq: 1 });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.fields('contact').map((f) => f.value), ['<sip:alice@10.0.0.5:5060>;expires=600']);
    assert.ok(ok.header('date')?.endsWith('GMT'));
    const [b] = await location.lookup('alice@example.com', clock.wallNow());
    assert.equal(b.contact, 'sip:alice@10.0.0.5:5060');
    assert.deepEqual(b.source, { transport: 'udp', host: PHONE_NAT.host, port: PHONE_NAT.port }, 'the NAT pinhole, not the private address');
    assert.equal(b.nat, true, 'Via sent-by 10.0.0.5:5060 is not the packet source: behind NAT');
  });

  it('RFC 5626 outbound: Require: outbound and Flow-Timer for a reg-id contact; one binding per instance and reg-id', async () => {
    const { clock, location, registerWithAuth } = setup();
    const instance = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    const first = await registerWithAuth({ contact: `<sip:alice@10.0.0.5:5060;ob>;+sip.instance=${instance};reg-id=1`, cseq: 1, supported: 'path, outbound' });
    assert.equal(first.status, 200);
    assert.equal(first.header('require'), 'outbound');
    assert.equal(first.header('flow-timer'), '25');
    // The same instance and reg-id from a new port (NAT rebinding) replaces the binding.
    const again = await registerWithAuth({ contact: `<sip:alice@10.0.0.5:5062;ob>;+sip.instance=${instance};reg-id=1`, cseq: 3, supported: 'outbound' });
    assert.equal(again.status, 200);
    const bindings = await location.lookup('alice@example.com', clock.wallNow());
    assert.deepEqual(bindings.map((b) => b.contact), ['sip:alice@10.0.0.5:5062;ob']);
    // Without Supported: outbound, no Require.
    const plain = await registerWithAuth({ contact: '<sip:alice@10.0.0.5:5070>', cseq: 5 });
    assert.equal(plain.header('require'), undefined);
  });

  it('offers SHA-256 first, then MD5, and both authenticate', async () => {
    const { register } = setup();
    const c = await register({ contact: '<sip:alice@10.0.0.5>', cseq: 1 });
    const offers = c.fields('www-authenticate').map((f) => f.value);
    assert.match(offers[0], /algorithm=SHA-256/);
    assert.match(offers[1], /algorithm=MD5/);
    for (const [i, offer] of offers.entries()) {
      // Both offers share one nonce: the second answer counts on (nc=2), or it is a replay.
      const answer = answerChallenge(offer, { username: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com', nc: i + 1 });
      assert.ok(answer.ok);
      const r = await register({ contact: '<sip:alice@10.0.0.5>', cseq: 10 + i, authorization: answer.value });
      assert.equal(r.status, 200, `algorithm ${i}`);
    }
  });

  it('answers a wrong password and an unknown user the same way (no enumeration)', async () => {
    const { register, registerWithAuth, events } = setup();
    const wrong = await registerWithAuth({ contact: '<sip:alice@10.0.0.5>', cseq: 1, password: 'nope' });
    const unknown = await registerWithAuth({ user: 'mallory', contact: '<sip:mallory@10.0.0.5>', cseq: 1, password: 'nope', callId: 'x2' });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const shape = (r: SipResponse) => [r.status, r.reason, r.headers.map((h) => h.name).join(',')];
    assert.deepEqual(shape(wrong), shape(unknown));
    assert.deepEqual(events.map((e) => e.reason), ['wrong-password', 'unknown-user']);
    void register;
  });

  it('423 with Min-Expires for too short an interval; cut to max_expires when too long', async () => {
    const { registerWithAuth } = setup();
    const brief = await registerWithAuth({ contact: '<sip:alice@10.0.0.5>', expires: 10, cseq: 1 });
    assert.equal(brief.status, 423);
    assert.equal(brief.header('min-expires'), '60');
    const long = await registerWithAuth({ contact: '<sip:alice@10.0.0.5>', expires: 99999, cseq: 3 });
    assert.equal(long.fields('contact')[0].value, '<sip:alice@10.0.0.5>;expires=3600');
  });

  it('removes with Expires: 0, and with the wildcard', async () => {
    const { clock, location, registerWithAuth } = setup();
    await registerWithAuth({ contact: '<sip:alice@10.0.0.5>', cseq: 1 });
    await registerWithAuth({ contact: '<sip:alice@10.0.0.6>', cseq: 3 });
    assert.equal((await location.lookup('alice@example.com', clock.wallNow())).length, 2);
    const one = await registerWithAuth({ contact: '<sip:alice@10.0.0.5>', expires: 0, cseq: 5 });
    assert.equal(one.fields('contact').length, 1);
    const all = await registerWithAuth({ contact: '*', expires: 0, cseq: 7 });
    assert.equal(all.status, 200);
    assert.equal(all.fields('contact').length, 0);
    assert.deepEqual(await location.lookup('alice@example.com', clock.wallNow()), []);
  });

  it('treats sip:alice@example.com:5060 and sip:alice@example.com as one AOR', async () => {
    const { clock, location, registerWithAuth } = setup();
    await registerWithAuth({ contact: '<sip:alice@10.0.0.5>', cseq: 1 });
    const r = await registerWithAuth({ contact: '<sip:alice@10.0.0.6>', cseq: 3, domain: 'example.com:5060' });
    assert.equal(r.status, 200);
    assert.equal((await location.lookup('alice@example.com', clock.wallNow())).length, 2);
  });

  it('refuses a REGISTER for a domain it does not serve with 403, before any challenge', async () => {
    const { register } = setup();
    assert.equal((await register({ contact: '<sip:alice@10.0.0.5>', cseq: 1, domain: 'elsewhere.example.org' })).status, 403);
  });

  it('a binding disappears when it expires', async () => {
    const { clock, location, registerWithAuth } = setup();
    await registerWithAuth({ contact: '<sip:alice@10.0.0.5>', expires: 60, cseq: 1 });
    clock.advance(59_000);
    assert.equal((await location.lookup('alice@example.com', clock.wallNow())).length, 1);
    clock.advance(1_000);
    assert.equal((await location.lookup('alice@example.com', clock.wallNow())).length, 0);
  });

  it('answers a retransmitted REGISTER (same branch) with the same 200, refuses a replayed nonce-count and an older CSeq', async () => {
    const { register } = setup();
    const challenge = await register({ contact: '<sip:alice@10.0.0.5>', cseq: 1 });
    const www = challenge.fields('www-authenticate')[1].value;
    const authorization = answerChallenge(www, { username: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com' });
    assert.ok(authorization.ok);
    const sent = { contact: '<sip:alice@10.0.0.5>', expires: 600, cseq: 2, branch: 'z9hG4bK-same', authorization: authorization.value };
    const first = await register(sent);
    assert.equal(first.status, 200);
    // §8.2.7: the retransmission (same branch) gets the same 200 again, not processed anew.
    const again = await register(sent);
    assert.equal(again.status, 200);
    assert.equal(again.to.tag, first.to.tag);
    // The same credentials in a NEW request (another branch) are a replayed nonce-count:
    // a fresh challenge, never a silent accept. The digest was right, so the challenge says
    // stale=true (RFC 7616 §3.3): a UA whose late retransmission this was retries at once.
    const replay = await register({ ...sent, branch: 'z9hG4bK-other', cseq: 3 });
    assert.equal(replay.status, 401);
    for (const f of replay.fields('www-authenticate')) assert.match(f.value, /stale=true/i);
    // A wrong password is never stale.
    const guess = answerChallenge(www, { username: 'alice', password: 'guess', method: 'REGISTER', uri: 'sip:example.com' });
    assert.ok(guess.ok);
    const wrong = await register({ ...sent, branch: 'z9hG4bK-guess', cseq: 3, authorization: guess.value });
    assert.equal(wrong.status, 401);
    for (const f of wrong.fields('www-authenticate')) assert.doesNotMatch(f.value, /stale/i);
    // An older CSeq from the same Call-ID, properly authenticated, is refused (§10.3 step 7).
    const fresh = answerChallenge(replay.fields('www-authenticate')[1].value, { username: 'alice', password: 'wonderland', method: 'REGISTER', uri: 'sip:example.com' });
    assert.ok(fresh.ok);
    const older = await register({ contact: '<sip:alice@10.0.0.5>', expires: 600, cseq: 1, authorization: fresh.value });
    assert.equal(older.status, 400);
    assert.equal(older.reason, 'Invalid CSeq number');
  });
});
