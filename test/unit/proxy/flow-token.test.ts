/**
 * Flow tokens in Record-Route (RFC 5626 §5.3): tamper-proof tokens, and in-dialog requests
 * sent over the flow of a UA whose Contact does not reach it (behind NAT here).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowTokens, cameOn } from '../../../src/proxy/flow-token.js';
import { createResponse } from '../../../src/sip/message/index.js';
import type { NetAddress } from '../../../src/sip/transport/index.js';
import { BOB_NAT, PROXY, phone, setup } from './proxy-harness.js';

const ALICE_PRIVATE: NetAddress = { transport: 'udp', host: '192.168.1.10', port: 5060 };
const ALICE_NAT: NetAddress = { transport: 'udp', host: '198.51.100.99', port: 61000 };

describe('FlowTokens', () => {
  const tokens = new FlowTokens(Buffer.alloc(32, 7));

  it('round-trips a flow, with and without a connection, in characters a URI user part allows', () => {
    for (const flow of [
      { transport: 'udp' as const, host: '203.0.113.5', port: 40000 },
      { transport: 'ws' as const, host: '2001:db8::1', port: 51234, connectionId: 'c42' },
    ]) {
      const t = tokens.encode(flow);
      assert.match(t, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      assert.deepEqual(tokens.decode(t), flow);
    }
  });

  it('refuses a changed payload or MAC, another key, and junk', () => {
    const t = tokens.encode({ transport: 'udp', host: '203.0.113.5', port: 40000 });
    const [payload, mac] = t.split('.');
    const forged = Buffer.from('udp 192.0.2.66 5060 ', 'utf8').toString('base64url');
    assert.equal(tokens.decode(`${forged}.${mac}`), undefined);
    assert.equal(tokens.decode(`${payload}.${mac.slice(0, -2)}AA`), undefined);
    assert.equal(new FlowTokens(Buffer.alloc(32, 8)).decode(t), undefined);
    for (const junk of ['', 'alice', '.', 'a.b', `${payload}.`, `.${mac}`]) assert.equal(tokens.decode(junk), undefined, junk);
  });

  it('tells whether a request came on a flow: by connection for streams, by address for UDP', () => {
    const src = { transport: 'udp', host: '203.0.113.5', port: 40000 };
    assert.equal(cameOn({ transport: 'udp', host: '203.0.113.5', port: 40000 }, src, undefined), true);
    assert.equal(cameOn({ transport: 'udp', host: '203.0.113.5', port: 40001 }, src, undefined), false);
    assert.equal(cameOn({ transport: 'ws', host: '203.0.113.5', port: 40000, connectionId: 'c1' }, { ...src, transport: 'ws' }, 'c1'), true);
    assert.equal(cameOn({ transport: 'ws', host: '203.0.113.5', port: 40000, connectionId: 'c1' }, { ...src, transport: 'ws' }, 'c2'), false);
  });
});

describe('in-dialog requests over the flow of a UA behind NAT (RFC 5626 §5.3)', () => {
  it("the callee's BYE reaches the NATed caller at its public address, not its private Contact", async () => {
    const s = await setup({ trusted: true });
    const alice = phone(s.net, ALICE_PRIVATE, ALICE_NAT);
    const invite = [
      'INVITE sip:bob@example.com SIP/2.0',
      `Via: SIP/2.0/UDP ${ALICE_PRIVATE.host}:${ALICE_PRIVATE.port};branch=z9hG4bK-nat1;rport`,
      'Max-Forwards: 70',
      'From: <sip:alice@example.com>;tag=alice9',
      'To: <sip:bob@example.com>',
      'Call-ID: nat-call@alice',
      'CSeq: 1 INVITE',
      `Contact: <sip:alice@${ALICE_PRIVATE.host}:${ALICE_PRIVATE.port}>`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    await s.send(ALICE_NAT, invite);
    const inv = s.bob.requests('INVITE')[0];
    assert.ok(inv, 'bob got the INVITE');
    // Both sides are reached over flows: two entries, bob's (outbound) first, then alice's.
    const rr = inv.headerValues('record-route') ?? [];
    assert.equal(rr.length, 2, rr.join(' | '));
    for (const v of rr) assert.match(v, /^<sip:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+@192\.0\.2\.1:5060;lr;ob>$/);
    assert.notEqual(rr[0], rr[1]);
    await s.bob.t.send(createResponse(inv, 200, { toTag: 'bob9', headers: [['Record-Route', rr.join(', ')], ['Contact', '<sip:bob@10.0.0.20:5060>']] }), PROXY);
    await s.flush();
    assert.equal(alice.responses(200).length, 1, 'the 200 reached alice through her NAT');

    // Bob's BYE: Request-URI = alice's private Contact, Route = the record-route set in order.
    const bye = [
      `BYE sip:alice@${ALICE_PRIVATE.host}:${ALICE_PRIVATE.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${BOB_NAT.host}:${BOB_NAT.port};branch=z9hG4bK-bye9;rport`,
      'Max-Forwards: 70',
      `Route: ${rr.join(', ')}`,
      'From: <sip:bob@example.com>;tag=bob9',
      'To: <sip:alice@example.com>;tag=alice9',
      'Call-ID: nat-call@alice',
      'CSeq: 1 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    await s.send(BOB_NAT, bye);
    const sent = s.net.log.filter((e) => e.message?.kind === 'request' && e.message.method === 'BYE' && e.from.host === PROXY.host);
    assert.deepEqual(sent.map((e) => `${e.to.host}:${e.to.port}`), [`${ALICE_NAT.host}:${ALICE_NAT.port}`]);
    assert.equal(alice.requests('BYE').length, 1);
    assert.equal(alice.requests('BYE')[0].header('route'), undefined, 'both entries of ours were removed');
  });

  it('a forged token is ignored: the request goes to its Request-URI', async () => {
    const s = await setup({ trusted: true });
    const forged = `${Buffer.from(`udp 192.0.2.66 5060 `).toString('base64url')}.AAAAAAAAAAAAAAAA`;
    const bye = [
      'BYE sip:bob@10.0.0.20:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK-forged;rport',
      'Max-Forwards: 70',
      `Route: <sip:${forged}@192.0.2.1:5060;lr;ob>`,
      'From: <sip:alice@example.com>;tag=a',
      'To: <sip:bob@example.com>;tag=b',
      'Call-ID: forged@alice',
      'CSeq: 1 BYE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    await s.send({ transport: 'udp', host: '198.51.100.10', port: 5060 }, bye);
    const sent = s.net.log.filter((e) => e.message?.kind === 'request' && e.message.method === 'BYE' && e.from.host === PROXY.host);
    assert.deepEqual(sent.map((e) => `${e.to.host}:${e.to.port}`), ['10.0.0.20:5060']);
  });
});
