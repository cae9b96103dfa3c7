/**
 * An in-process proxy for tests: the real endpoint, proxy, digest authentication and a memory
 * location store on the loop transport; alice (public address) and bob (behind a NAT,
 * registered) as phones.
 */
import assert from 'node:assert/strict';
import { ManualClock } from '../../../src/lib/index.js';
import { ConfigUserDirectory, DigestAuthenticator } from '../../../src/auth/index.js';
import { MemoryLocationStore } from '../../../src/location/index.js';
import { type ProxyOptions, createProxyModule } from '../../../src/proxy/index.js';
import { Endpoint, LocalIdentity } from '../../../src/sip/endpoint/index.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message/index.js';
import { LoopNetwork, type LoopTransport, type NetAddress } from '../../../src/sip/transport/index.js';

export const PROXY: NetAddress = { transport: 'udp', host: '192.0.2.1', port: 5060 };
export const ALICE: NetAddress = { transport: 'udp', host: '198.51.100.10', port: 5060 };
export const BOB_PRIVATE: NetAddress = { transport: 'udp', host: '10.0.0.20', port: 5060 };
export const BOB_NAT: NetAddress = { transport: 'udp', host: '203.0.113.20', port: 40000 };

export interface Phone {
  t: LoopTransport;
  got: SipMessage[];
  requests(method: string): SipRequest[];
  responses(status?: number): SipResponse[];
}

export function phone(net: LoopNetwork, addr: NetAddress, publicAddress?: NetAddress): Phone {
  const t = publicAddress === undefined ? net.endpoint(addr) : net.endpoint(addr, { publicAddress });
  const got: SipMessage[] = [];
  t.attach({ onMessage: (rx) => void got.push(rx.message), onInvalid: () => assert.fail('unparseable message') });
  return {
    t,
    got,
    requests: (m) => got.filter((x): x is SipRequest => x.kind === 'request' && x.method === m),
    responses: (s) => got.filter((x): x is SipResponse => x.kind === 'response' && (s === undefined || x.status === s)),
  };
}

/**
 * Alice's request inside the call's dialog (tags alice1/bob1), sent to bob's contact along the
 * proxy's Record-Route.
 */
export function inDialog(method: string, cseq: number, branch: string, route = `<sip:${PROXY.host}:${PROXY.port};lr>`): string {
  return [
    `${method} sip:bob@10.0.0.20:5060 SIP/2.0`,
    `Via: SIP/2.0/UDP ${ALICE.host}:${ALICE.port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `Route: ${route}`,
    'From: "Alice" <sip:alice@example.com>;tag=alice1',
    'To: <sip:bob@example.com>;tag=bob1',
    'Call-ID: call-1@alice',
    `CSeq: ${cseq} ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

export type HarnessOptions = { trusted?: boolean } & Partial<Pick<ProxyOptions, 'router' | 'callPolicy' | 'onAuthEvent' | 'guestCalls' | 'media' | 'mediaMode' | 'dns'>>;

export async function setup(opts: HarnessOptions = {}) {
  const clock = new ManualClock(0, Date.UTC(2026, 10, 21));
  const net = new LoopNetwork(clock);
  const identity = new LocalIdentity(['example.com'], [PROXY]);
  const proxyT = net.endpoint(PROXY);
  const endpoint = new Endpoint({ transport: proxyT, clock, identity });
  const location = new MemoryLocationStore();
  const users = new ConfigUserDirectory([
    { username: 'alice', realm: 'example.com', password: 'a-pw' },
    { username: 'bob', realm: 'example.com', password: 'b-pw' },
    { username: 'carol', realm: 'example.com', password: 'c-pw' },
  ]);
  const auth = new DigestAuthenticator({ secret: Buffer.alloc(32, 3), users, clock });
  const { trusted, ...extra } = opts;
  const proxy = createProxyModule({ endpoint, location, auth, users, isTrusted: () => trusted === true, clock, timerCMs: 181_000, ...extra });
  endpoint.use(proxy);
  proxyT.attach(endpoint.transportUser);
  const now = clock.wallNow();
  // bob registered from behind a NAT: private contact, public source.
  await location.modify('bob@example.com', now, () => ({
    bindings: [{ contact: 'sip:bob@10.0.0.20:5060', q: 1, expiresAt: now + 3_600_000, callId: 'r', cseq: 1, source: { transport: 'udp', host: BOB_NAT.host, port: BOB_NAT.port }, nat: true, registeredAt: now }],
    result: undefined,
  }));
  const alice = phone(net, ALICE);
  const bob = phone(net, BOB_PRIVATE, BOB_NAT);
  const flush = async () => {
    for (let i = 0; i < 6; i++) {
      clock.advance(0);
      await new Promise((r) => setImmediate(r));
    }
  };
  let n = 0;
  const invite = (to = 'sip:bob@example.com', extra: string[] = [], branch = `z9hG4bK-a${++n}`) =>
    [
      `INVITE ${to} SIP/2.0`,
      `Via: SIP/2.0/UDP ${ALICE.host}:${ALICE.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      'From: "Alice" <sip:alice@example.com>;tag=alice1',
      `To: <${to}>`,
      'Call-ID: call-1@alice',
      'CSeq: 1 INVITE',
      `Contact: <sip:alice@${ALICE.host}:${ALICE.port}>`,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  const send = async (from: NetAddress, text: string) => {
    net.inject(from, PROXY, text);
    await flush();
  };
  return { clock, net, alice, bob, send, invite, flush, proxyT, proxy, location };
}

