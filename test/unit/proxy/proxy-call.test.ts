/**
 * A call through the proxy, in process: two phones on the loop transport, the real endpoint,
 * registrar, proxy, digest authentication and a memory location store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerChallenge } from '../../../src/auth/index.js';
import { obtainFullGc } from '../../../src/lib/index.js';
import { Router } from '../../../src/proxy/index.js';
import { createResponse } from '../../../src/sip/message/index.js';
import { ALICE, BOB_NAT, PROXY, inDialog, setup } from './proxy-harness.js';

/** Our Record-Route with a flow token (RFC 5626 §5.3). */
const FLOW_RR = /^<sip:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+@192\.0\.2\.1:5060;lr;ob>$/;

describe('proxy: a call between registered phones (RFC 3261 §16)', () => {
  it('challenges a domain user with 407, then forwards to the NATed contact with Record-Route', async () => {
    const s = await setup();
    await s.send(ALICE, s.invite());
    const challenge = s.alice.responses(407)[0];
    assert.ok(challenge, 'a 407 with Proxy-Authenticate');
    const offer = challenge.fields('proxy-authenticate')[0].value;
    const creds = answerChallenge(offer, { username: 'alice', password: 'a-pw', method: 'INVITE', uri: 'sip:bob@example.com' });
    assert.ok(creds.ok);
    await s.send(ALICE, s.invite('sip:bob@example.com', [`Proxy-Authorization: ${creds.value}`]));
    const inv = s.bob.requests('INVITE')[0];
    assert.ok(inv, 'bob got the INVITE at the address his REGISTER came from');
    assert.equal(inv.uri.toString(), 'sip:bob@10.0.0.20:5060', 'Request-URI is the registered contact');
    assert.equal(inv.maxForwards, 69);
    assert.equal(inv.vias.length, 2);
    // Bob is reached through his NAT pinhole, not his Contact: our entry carries his flow token.
    assert.match(inv.header('record-route') ?? '', FLOW_RR);
    assert.equal(inv.header('proxy-authorization'), undefined, 'our credentials are consumed');
    // The same credentials in another INVITE replay the nonce-count: challenged again, with
    // stale=true as the digest itself was right (RFC 7616 §3.3), and not forwarded.
    await s.send(ALICE, s.invite('sip:bob@example.com', [`Proxy-Authorization: ${creds.value}`]));
    const again = s.alice.responses(407);
    assert.equal(again.length, 2);
    assert.match(again[1].fields('proxy-authenticate')[0].value, /stale=true/i);
    assert.doesNotMatch(challenge.fields('proxy-authenticate')[0].value, /stale/i);
    assert.equal(s.bob.requests('INVITE').length, 1);
  });

  it('relays 180 and 200 back, then ACK and BYE follow the Route through the proxy', async () => {
    const s = await setup({ trusted: true });
    await s.send(ALICE, s.invite());
    const inv = s.bob.requests('INVITE')[0];
    assert.ok(inv);
    const ringing = createResponse(inv, 180, { toTag: 'bob1', headers: [['Record-Route', inv.header('record-route')!]] });
    await s.bob.t.send(ringing, PROXY);
    await s.flush();
    const ok = createResponse(inv, 200, { toTag: 'bob1', headers: [['Record-Route', inv.header('record-route')!], ['Contact', '<sip:bob@10.0.0.20:5060>']] });
    await s.bob.t.send(ok, PROXY);
    await s.flush();
    assert.deepEqual(s.alice.responses().map((r) => r.status).filter((x) => x !== 100), [180, 200]);
    const got200 = s.alice.responses(200)[0];
    assert.equal(got200.vias.length, 1, 'the proxy removed its Via');
    const rr = got200.header('record-route') ?? '';
    assert.match(rr, FLOW_RR);
    // Alice's ACK and BYE: Request-URI = bob's (private) Contact, Route = the Record-Route.
    await s.send(ALICE, inDialog('ACK', 1, 'z9hG4bK-ack1', rr));
    await s.send(ALICE, inDialog('BYE', 2, 'z9hG4bK-bye1', rr));
    const ack = s.bob.requests('ACK')[0];
    const bye = s.bob.requests('BYE')[0];
    assert.ok(ack, 'ACK reached bob through the proxy');
    assert.ok(bye, 'BYE reached bob through the proxy');
    assert.equal(bye.header('route'), undefined, 'our Route entry was removed (§16.4)');
    // RFC 5626 §5.3: sent over bob's flow (his NAT's public address), not to 10.0.0.20.
    const sentTo = s.net.log.filter((e) => e.message?.kind === 'request' && e.message.method !== 'INVITE' && e.from.host === PROXY.host).map((e) => `${e.message!.kind === 'request' ? e.message!.method : ''} ${e.to.host}:${e.to.port}`);
    assert.deepEqual(sentTo, [`ACK ${BOB_NAT.host}:${BOB_NAT.port}`, `BYE ${BOB_NAT.host}:${BOB_NAT.port}`]);
    await s.bob.t.send(createResponse(bye, 200), PROXY);
    await s.flush();
    assert.equal(s.alice.responses(200).filter((r) => r.cseq.method === 'BYE').length, 1);
  });

  it('once the call is answered, a retransmitted 2xx still reaches the caller, and the lingering client transaction no longer holds the call\'s proxy state', async () => {
    // The routing hook's request view lives in the proxy's per-call state: once nothing holds
    // that state, a collection frees the view.
    let view: WeakRef<object> | undefined;
    const router = new Router({ rules: [], trunks: [], hooks: { onRequest: (req) => ((view ??= new WeakRef(req)), { kind: 'location' }) } });
    const s = await setup({ trusted: true, router });
    await s.send(ALICE, s.invite());
    const inv = s.bob.requests('INVITE')[0];
    assert.ok(inv);
    const ok = createResponse(inv, 200, { toTag: 'bob1', headers: [['Record-Route', inv.header('record-route')!], ['Contact', '<sip:bob@10.0.0.20:5060>']] });
    await s.bob.t.send(ok, PROXY);
    await s.flush();
    // RFC 6026 Timer M has not fired (the clock is manual): bob's client transaction lingers.
    await s.bob.t.send(ok, PROXY);
    await s.flush();
    const twoHundreds = s.alice.responses(200).filter((r) => r.cseq.method === 'INVITE');
    assert.equal(twoHundreds.length, 2, 'the retransmission went on to alice');
    assert.ok(twoHundreds.every((r) => r.vias.length === 1), 'without the proxy\'s Via');
    const gc = obtainFullGc();
    assert.ok(gc && view);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    gc();
    assert.equal(view.deref(), undefined, 'the per-call proxy state was released');
  });

  it('404 for an unknown user, 480 for a known one with no binding, 403 for a foreign domain', async () => {
    const s = await setup({ trusted: true });
    await s.send(ALICE, s.invite('sip:nobody@example.com'));
    await s.send(ALICE, s.invite('sip:carol@example.com'));
    await s.send(ALICE, s.invite('sip:dave@elsewhere.example.org'));
    const finals = s.alice.responses().filter((r) => r.status >= 200).map((r) => r.status);
    assert.deepEqual(finals, [404, 480, 403]);
  });

  it('CANCEL from the caller: 200 to the CANCEL, CANCEL downstream, 487 relayed', async () => {
    const s = await setup({ trusted: true });
    await s.send(ALICE, s.invite('sip:bob@example.com', [], 'z9hG4bK-inv'));
    const inv = s.bob.requests('INVITE')[0];
    await s.bob.t.send(createResponse(inv, 180, { toTag: 'bob1' }), PROXY);
    await s.flush();
    await s.send(
      ALICE,
      [
        'CANCEL sip:bob@example.com SIP/2.0',
        `Via: SIP/2.0/UDP ${ALICE.host}:${ALICE.port};branch=z9hG4bK-inv;rport`,
        'Max-Forwards: 70',
        'From: "Alice" <sip:alice@example.com>;tag=alice1',
        'To: <sip:bob@example.com>',
        'Call-ID: call-1@alice',
        'CSeq: 1 CANCEL',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    assert.equal(s.alice.responses(200).filter((r) => r.cseq.method === 'CANCEL').length, 1);
    const cancel = s.bob.requests('CANCEL')[0];
    assert.ok(cancel, 'the proxy cancelled the branch');
    assert.equal(cancel.topVia.branch, inv.topVia.branch, 'CANCEL matches the forwarded INVITE (§9.1)');
    await s.bob.t.send(createResponse(inv, 487, { toTag: 'bob1' }), PROXY);
    await s.flush();
    assert.equal(s.alice.responses(487).length, 1);
  });

  it('never relays an in-dialog request that has no Route of ours (no open relay)', async () => {
    const s = await setup({ trusted: true });
    await s.send(
      ALICE,
      [
        'MESSAGE sip:victim@198.51.100.99:5060 SIP/2.0',
        `Via: SIP/2.0/UDP ${ALICE.host}:${ALICE.port};branch=z9hG4bK-relay;rport`,
        'Max-Forwards: 70',
        'From: <sip:alice@example.com>;tag=alice1',
        'To: <sip:victim@198.51.100.99>;tag=forged',
        'Call-ID: relay-1',
        'CSeq: 5 MESSAGE',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    assert.equal(s.alice.responses(403).length, 1);
    assert.equal(s.net.sent((e) => e.to.host === '198.51.100.99').length, 0, 'nothing went to the third party');
  });

  it('answers 404 to an in-dialog request for a local AOR that did not come through our Route, and forwards nothing', async () => {
    const s = await setup({ trusted: true });
    const stray = (method: string, n: number) =>
      [
        `${method} sip:bob@example.com SIP/2.0`,
        `Via: SIP/2.0/UDP ${ALICE.host}:${ALICE.port};branch=z9hG4bK-stray${n};rport`,
        'Max-Forwards: 70',
        'From: <sip:mallory@example.net>;tag=m1',
        'To: <sip:bob@example.com>;tag=forged',
        'Call-ID: stray-1',
        `CSeq: ${n} ${method}`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    await s.send(ALICE, stray('MESSAGE', 1));
    await s.send(ALICE, stray('BYE', 2));
    await s.send(ALICE, stray('ACK', 3));
    assert.deepEqual(s.alice.responses().map((r) => `${r.status} ${r.cseq.method}`), ['404 MESSAGE', '404 BYE'], 'the ACK gets no answer');
    assert.equal(s.bob.got.length, 0, "nothing reached bob's phone: in-dialog requests are not challenged");
  });

  it('refuses to forward with Max-Forwards 0 (483)', async () => {
    const s = await setup({ trusted: true });
    await s.send(ALICE, s.invite().replace('Max-Forwards: 70', 'Max-Forwards: 0'));
    assert.equal(s.alice.responses(483).length, 1);
  });
});
