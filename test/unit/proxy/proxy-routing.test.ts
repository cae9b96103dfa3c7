/**
 * The routing policy in the proxy: route list (reject, redirect, forward, trunk, failure
 * route), hooks (onRequest, onBranch, onReply, onFailure), reload, guest calls, the call
 * policy and the call list — in process, over the loop transport.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CallAttempt, type CallEvent, CALL_CHANNEL, type RoutingPolicy, Router, type RouteRule, type Trunk } from '../../../src/proxy/index.js';
import { createResponse } from '../../../src/sip/message/index.js';
import type { NetAddress } from '../../../src/sip/transport/index.js';
import diagnostics from 'node:diagnostics_channel';
import { ALICE, PROXY, inDialog, phone, setup } from './proxy-harness.js';

const VM: NetAddress = { transport: 'udp', host: '192.0.2.50', port: 5080 };
const TRUNK: NetAddress = { transport: 'udp', host: '198.51.100.77', port: 5060 };
const CARRIER_SIDE: NetAddress = { transport: 'udp', host: '198.51.100.78', port: 5060 };

const rule = (name: string, action: RouteRule['action'], match: RouteRule['match'] = {}, onFailure?: RouteRule['onFailure']): RouteRule => ({
  name,
  match,
  action,
  ...(onFailure === undefined ? {} : { onFailure }),
});
const carrier: Trunk = { name: 'carrier', uri: `sip:${TRUNK.host}:${TRUNK.port}`, strip: 1, prefix: '00', isSource: (ip) => ip === CARRIER_SIDE.host };
const policy = (p: Partial<RoutingPolicy>): RoutingPolicy => ({ rules: [], trunks: [carrier], hooks: {}, ...p });

function finals(s: Awaited<ReturnType<typeof setup>>): number[] {
  return s.alice.responses().filter((r) => r.status >= 200 && r.cseq.method === 'INVITE').map((r) => r.status);
}

describe('proxy routing: the declarative route list', () => {
  it('reject: a matching rule answers with its code and reason', async () => {
    const s = await setup({ trusted: true, router: new Router(policy({ rules: [rule('premium', { kind: 'reject', status: 403, reason: 'Premium Blocked' }, { ruriUser: /^0900/ })] })) });
    await s.send(ALICE, s.invite('sip:0900123@example.com'));
    const r = s.alice.responses(403)[0];
    assert.ok(r);
    assert.equal(r.reason, 'Premium Blocked');
    assert.equal(s.bob.got.length, 0);
  });

  it('redirect: 302 with the registered contacts (redirect mode)', async () => {
    const s = await setup({ trusted: true, router: new Router(policy({ rules: [rule('redir', { kind: 'redirect' }, { methods: ['INVITE'] })] })) });
    await s.send(ALICE, s.invite());
    const r = s.alice.responses(302)[0];
    assert.ok(r, '302 Moved Temporarily');
    assert.equal(r.header('contact'), '<sip:bob@10.0.0.20:5060>;q=1');
    assert.equal(s.bob.got.length, 0, 'nothing forwarded');
  });

  it('forward: the Request-URI becomes the fixed URI and the request goes there', async () => {
    const s = await setup({ trusted: true, router: new Router(policy({ rules: [rule('vm', { kind: 'forward', uri: 'sip:vm@192.0.2.50:5080' }, { ruriUser: /^\*97$/ })] })) });
    const vm = phone(s.net, VM);
    await s.send(ALICE, s.invite('sip:*97@example.com'));
    const inv = vm.requests('INVITE')[0];
    assert.ok(inv);
    assert.equal(inv.uri.toString(), 'sip:vm@192.0.2.50:5080');
  });

  it('trunk: a foreign number goes to the trunk with strip/prefix; the trunk\'s calls need no authentication', async () => {
    const s = await setup({ router: new Router(policy({ rules: [rule('pstn', { kind: 'trunk', trunk: 'carrier' }, { ruriUser: /^\+[0-9]+$/ })] })) });
    const gw = phone(s.net, TRUNK);
    // Without a route for it a foreign domain is refused; with one it goes to the trunk.
    await s.send(ALICE, s.invite('sip:+4930123@pstn.invalid'));
    assert.deepEqual(finals(s), [407], 'alice must authenticate for an outgoing call');
    // An inbound call from the carrier's network (foreign From) to a registered user: trusted.
    const carrierPhone = phone(s.net, CARRIER_SIDE);
    await s.send(
      CARRIER_SIDE,
      s
        .invite('sip:bob@example.com')
        .replace(`${ALICE.host}:${ALICE.port}`, `${CARRIER_SIDE.host}:${CARRIER_SIDE.port}`)
        .replace('<sip:alice@example.com>', '<sip:+4930999@carrier.example>'),
    );
    assert.equal(s.bob.requests('INVITE').length, 1, 'the carrier\'s call reached bob without a challenge');
    assert.equal(carrierPhone.responses(407).length, 0);
    // A trusted caller dialling +49…: R-URI rewritten for the trunk.
    const s2 = await setup({ trusted: true, router: new Router(policy({ rules: [rule('pstn', { kind: 'trunk', trunk: 'carrier' }, { ruriUser: /^\+[0-9]+$/ })] })) });
    const gw2 = phone(s2.net, TRUNK);
    await s2.send(ALICE, s2.invite('sip:+4930123@pstn.invalid'));
    const inv = gw2.requests('INVITE')[0];
    assert.ok(inv, 'the trunk got the INVITE');
    assert.equal(inv.uri.toString(), `sip:004930123@${TRUNK.host}:${TRUNK.port}`, 'strip 1 (+), prefix 00');
    assert.equal(gw.got.length, 0);
  });

  it('trunk by SRV name: a server answering 503 or timing out is replaced by the next one of its SRV set (RFC 3263 §4.3)', async () => {
    const srvTrunk: Trunk = { name: 'srv', uri: 'sip:carrier.example;transport=udp', strip: 0, prefix: '', isSource: () => false };
    const servers: Record<string, NetAddress> = {
      'sbc1.carrier.example': { transport: 'udp', host: '198.51.100.91', port: 5060 },
      'sbc2.carrier.example': { transport: 'udp', host: '198.51.100.92', port: 5060 },
      'sbc3.carrier.example': { transport: 'udp', host: '198.51.100.93', port: 5060 },
    };
    const dns = {
      addresses: async (name: string) => (servers[name] === undefined ? Promise.reject(new Error(`ENOTFOUND ${name}`)) : [servers[name].host]),
      srv: async (name: string) => {
        if (name !== '_sip._udp.carrier.example') throw new Error(`ENODATA ${name}`);
        return Object.keys(servers).map((n, i) => ({ name: n, port: 5060, priority: i, weight: 1 }));
      },
      naptr: async (name: string) => Promise.reject(new Error(`ENODATA ${name}`)),
      random: () => 0,
    };
    const s = await setup({ trusted: true, dns, router: new Router(policy({ rules: [rule('pstn', { kind: 'trunk', trunk: 'srv' }, { ruriUser: /^\+[0-9]+$/ })], trunks: [srvTrunk] })) });
    const [sbc1, sbc2, sbc3] = Object.values(servers).map((a) => phone(s.net, a));
    await s.send(ALICE, s.invite('sip:+15551234567@example.com'));
    const first = sbc1.requests('INVITE')[0];
    assert.ok(first, 'the first server of the SRV set got the INVITE');
    await sbc1.t.send(createResponse(first, 503, { toTag: 'x1' }), PROXY);
    await s.flush();
    const second = sbc2.requests('INVITE')[0];
    assert.ok(second, 'after its 503, the same request went to the second server');
    assert.equal(second.uri.toString(), first.uri.toString());
    assert.notEqual(second.topVia?.branch, first.topVia?.branch, 'a new transaction: another Via branch');
    assert.equal(finals(s).length, 0, 'the 503 was not forwarded to the caller');
    // The second server never answers: Timer B (64·T1) fails it over to the third.
    s.clock.advance(32_000);
    await s.flush();
    const third = sbc3.requests('INVITE')[0];
    assert.ok(third, 'after the timeout, the third server');
    await sbc3.t.send(createResponse(third, 200, { toTag: 'c3', headers: [['Contact', '<sip:gw@198.51.100.93>']] }), PROXY);
    await s.flush();
    assert.deepEqual(finals(s), [200]);
  });

  it('failure route: on 486 the call continues to voicemail; the caller sees voicemail\'s answer', async () => {
    const r = rule('users', { kind: 'location' }, {}, { codes: [486, 408], action: { kind: 'forward', uri: 'sip:vm@192.0.2.50:5080' } });
    const s = await setup({ trusted: true, router: new Router(policy({ rules: [r] })) });
    const vm = phone(s.net, VM);
    await s.send(ALICE, s.invite());
    const inv = s.bob.requests('INVITE')[0];
    await s.bob.t.send(createResponse(inv, 486, { toTag: 'bob1' }), PROXY);
    await s.flush();
    const vmInv = vm.requests('INVITE')[0];
    assert.ok(vmInv, 'voicemail got the INVITE after the 486');
    assert.equal(finals(s).length, 0, 'the 486 was not forwarded');
    await vm.t.send(createResponse(vmInv, 200, { toTag: 'vm1', headers: [['Contact', '<sip:vm@192.0.2.50:5080>']] }), PROXY);
    await s.flush();
    assert.deepEqual(finals(s), [200]);
  });

  it('no rule and no route: the registered user (default); a foreign domain is refused', async () => {
    const s = await setup({ trusted: true, router: new Router(policy({ rules: [rule('only-900', { kind: 'reject', status: 403 }, { ruriUser: /^900$/ })] })) });
    await s.send(ALICE, s.invite());
    assert.equal(s.bob.requests('INVITE').length, 1);
    await s.send(ALICE, s.invite('sip:x@elsewhere.example.org'));
    assert.ok(finals(s).includes(403));
  });
});

describe('proxy routing: hooks and reload', () => {
  it('onRequest decides before the list; onBranch adds headers; onReply sees every response', async () => {
    const replies: number[] = [];
    const router = new Router(
      policy({
        rules: [rule('all', { kind: 'reject', status: 480 })],
        hooks: {
          onRequest: async (req) => (req.ruriUser === 'bob' ? { kind: 'location' } : undefined),
          onBranch: () => ({ headers: { 'X-Routed-By': 'hook' } }),
          onReply: (_req, reply) => void replies.push(reply.status),
        },
      }),
    );
    const s = await setup({ trusted: true, router });
    await s.send(ALICE, s.invite());
    const inv = s.bob.requests('INVITE')[0];
    assert.ok(inv, 'the hook routed bob to his registration, not the list\'s 480');
    assert.equal(inv.header('x-routed-by'), 'hook');
    await s.bob.t.send(createResponse(inv, 180, { toTag: 'b' }), PROXY);
    await s.bob.t.send(createResponse(inv, 603, { toTag: 'b' }), PROXY);
    await s.flush();
    assert.deepEqual(replies, [180, 603]);
    await s.send(ALICE, s.invite('sip:carol@example.com', [], 'z9hG4bK-carol').replace('call-1@alice', 'call-2@alice'));
    assert.ok(finals(s).includes(480), 'others fell to the route list');
  });

  it('onFailure hook can reject in place of the best response; a throwing hook is ignored', async () => {
    const router = new Router(
      policy({
        hooks: {
          onRequest: () => {
            throw new Error('broken hook');
          },
          onFailure: (_req, final) => (final.status === 486 ? { kind: 'reject', status: 600, reason: 'Busy Everywhere' } : undefined),
        },
      }),
    );
    const s = await setup({ trusted: true, router });
    await s.send(ALICE, s.invite());
    const inv = s.bob.requests('INVITE')[0];
    assert.ok(inv, 'routing went on despite the throwing onRequest');
    await s.bob.t.send(createResponse(inv, 486, { toTag: 'b' }), PROXY);
    await s.flush();
    assert.deepEqual(finals(s), [600]);
    assert.equal(s.alice.responses(600)[0].reason, 'Busy Everywhere');
  });

  it('replace(): new requests follow the new policy', async () => {
    const router = new Router(policy({}));
    const s = await setup({ trusted: true, router });
    await s.send(ALICE, s.invite());
    assert.equal(s.bob.requests('INVITE').length, 1);
    router.replace(policy({ rules: [rule('closed', { kind: 'reject', status: 503, reason: 'Closed' })] }));
    await s.send(ALICE, s.invite('sip:bob@example.com', [], 'z9hG4bK-second').replace('call-1@alice', 'call-2@alice'));
    assert.deepEqual(finals(s), [503]);
  });
});

describe('proxy: guest calls, call policy and the call list', () => {
  it('refuses an unauthenticated call from a foreign domain and an untrusted network (no guest calls)', async () => {
    const s = await setup();
    await s.send(ALICE, s.invite().replace('<sip:alice@example.com>', '<sip:mallory@evil.example>'));
    const r = s.alice.responses(403)[0];
    assert.ok(r);
    assert.equal(r.reason, 'Guest Calls Not Allowed');
    assert.equal(s.bob.got.length, 0);
    const open = await setup({ guestCalls: true });
    await open.send(ALICE, open.invite().replace('<sip:alice@example.com>', '<sip:guest@friendly.example>'));
    assert.equal(open.bob.requests('INVITE').length, 1, 'allowed when guest_calls is on');
  });

  it('asks the call policy; a refusal is answered; ended() follows the end of an admitted call', async () => {
    const asked: CallAttempt[] = [];
    const ended: string[] = [];
    const callPolicy = {
      admit: (c: CallAttempt) => (asked.push(c), c.dialled.startsWith('00') ? { ok: false as const, status: 403, reason: 'International Calls Not Permitted' } : { ok: true as const }),
      ended: (id: string) => void ended.push(id),
    };
    const s = await setup({ trusted: true, callPolicy });
    await s.send(ALICE, s.invite('sip:0044123@example.com', [], 'z9hG4bK-intl').replace('call-1@alice', 'call-intl'));
    assert.equal(s.alice.responses(403)[0]?.reason, 'International Calls Not Permitted');
    await s.send(ALICE, s.invite());
    assert.equal(asked.length, 2);
    assert.equal(asked[1].dialled, 'bob');
    assert.deepEqual(asked[1].source, { ...ALICE });
    const inv = s.bob.requests('INVITE')[0];
    await s.bob.t.send(createResponse(inv, 486, { toTag: 'b' }), PROXY);
    await s.flush();
    assert.deepEqual(ended, ['call-1@alice'], 'the admitted call ended with its failure; the refused one was never admitted');
  });

  it('lists calls in progress and publishes their life on the call channel', async () => {
    const events: CallEvent[] = [];
    const listener = (e: unknown): void => void events.push(e as CallEvent);
    diagnostics.subscribe(CALL_CHANNEL, listener);
    try {
      const s = await setup({ trusted: true });
      await s.send(ALICE, s.invite());
      assert.equal(s.proxy.calls.list()[0]?.state, 'setup');
      const inv = s.bob.requests('INVITE')[0];
      await s.bob.t.send(createResponse(inv, 180, { toTag: 'b' }), PROXY);
      await s.flush();
      assert.equal(s.proxy.calls.list()[0]?.state, 'ringing');
      s.clock.advance(1500);
      await s.bob.t.send(createResponse(inv, 200, { toTag: 'b', headers: [['Contact', '<sip:bob@10.0.0.20:5060>']] }), PROXY);
      await s.flush();
      assert.equal(s.proxy.calls.list()[0]?.state, 'up');
      const bye = inDialog('BYE', 2, 'z9hG4bK-bye').replace('tag=bob1', 'tag=b');
      await s.send(ALICE, bye);
      assert.equal(s.proxy.calls.list().length, 0, 'gone after BYE');
      assert.deepEqual(events.map((e) => e.kind), ['started', 'ringing', 'answered', 'ended']);
      const answered = events[2];
      assert.ok(answered.kind === 'answered' && answered.setupMs === 1500);
    } finally {
      diagnostics.unsubscribe(CALL_CHANNEL, listener);
    }
  });
});
