/**
 * NAT keep-alive: OPTIONS to bindings behind a NAT through their pinhole; an answer keeps a
 * contact, silence until Timer F removes it (unless it registered again meanwhile).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { type Binding, MemoryLocationStore } from '../../../src/location/index.js';
import { NatKeepalive } from '../../../src/registrar/index.js';
import { Endpoint, LocalIdentity } from '../../../src/sip/endpoint/index.js';
import { type SipRequest, createResponse } from '../../../src/sip/message/index.js';
import { LoopNetwork, type NetAddress } from '../../../src/sip/transport/index.js';

const SERVER: NetAddress = { transport: 'udp', host: '192.0.2.1', port: 5060 };
const PHONE_A: NetAddress = { transport: 'udp', host: '203.0.113.5', port: 40001 };
const PHONE_B: NetAddress = { transport: 'udp', host: '203.0.113.6', port: 40002 };
const PUBLIC_C: NetAddress = { transport: 'udp', host: '198.51.100.7', port: 5060 };

function binding(contact: string, source: NetAddress, now: number, nat: boolean, callId = 'reg-1'): Binding {
  return { contact, q: 1, expiresAt: now + 3_600_000, callId, cseq: 1, source: { transport: 'udp', host: source.host, port: source.port }, nat, registeredAt: now };
}

async function setup() {
  const clock = new ManualClock(0, Date.UTC(2026, 10, 21));
  const net = new LoopNetwork(clock);
  const t = net.endpoint(SERVER);
  const endpoint = new Endpoint({ transport: t, clock, identity: new LocalIdentity(['example.com'], [SERVER]) });
  t.attach(endpoint.transportUser);
  const location = new MemoryLocationStore();
  const now = clock.wallNow();
  const put = (aor: string, bs: Binding[]) => location.modify(aor, now, () => ({ bindings: bs, result: undefined }));
  await put('alice@example.com', [binding('sip:alice@10.0.0.5:5060', PHONE_A, now, true)]);
  await put('bob@example.com', [binding('sip:bob@10.0.0.6:5060', PHONE_B, now, true)]);
  await put('carol@example.com', [binding('sip:carol@198.51.100.7:5060', PUBLIC_C, now, false)]);
  const dead: string[] = [];
  const ka = new NatKeepalive({ endpoint, location, clock, intervalMs: 30_000, fromHost: 'example.com', onDead: (aor) => void dead.push(aor) });
  const got = new Map<string, SipRequest[]>();
  for (const addr of [PHONE_A, PHONE_B, PUBLIC_C]) {
    const phone = net.endpoint(addr);
    const list: SipRequest[] = [];
    got.set(addr.host, list);
    phone.attach({
      onMessage: (rx) => {
        if (rx.message.kind !== 'request') return;
        list.push(rx.message);
        // alice answers her pings (405 is an answer too); bob is gone.
        if (addr === PHONE_A) void phone.send(createResponse(rx.message, 405), SERVER);
      },
      onInvalid: () => assert.fail('unparseable'),
    });
  }
  const flush = async () => {
    for (let i = 0; i < 5; i++) {
      clock.advance(0);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { clock, location, ka, got, dead, flush, put, now };
}

describe('NAT keep-alive (nathelper-style OPTIONS pings)', () => {
  it('pings only NATed contacts, through the address their REGISTER came from', async () => {
    const s = await setup();
    const r = await s.ka.round();
    await s.flush();
    assert.equal(r.pinged, 2);
    const ping = s.got.get(PHONE_A.host)?.[0];
    assert.ok(ping);
    assert.equal(ping.method, 'OPTIONS');
    assert.equal(ping.uri.toString(), 'sip:alice@10.0.0.5:5060');
    assert.equal(s.got.get(PUBLIC_C.host)?.length, 0, 'a contact not behind NAT is not pinged');
  });

  it('walks the store in pages: every NATed binding of more AORs than a page is pinged once', async () => {
    const s = await setup();
    const n = 1234;
    for (let i = 0; i < n; i++) {
      const host = `203.0.113.${(i % 200) + 10}`;
      await s.put(`u${String(i).padStart(5, '0')}@example.com`, [binding(`sip:u${i}@10.0.0.9:5060`, { transport: 'udp', host, port: 41000 + i }, s.now, true)]);
    }
    const listed: Array<string | undefined> = [];
    const list = s.location.list.bind(s.location);
    s.location.list = (now, options) => {
      listed.push(options?.after);
      return list(now, options);
    };
    const r = await s.ka.round();
    // alice, bob (NATed) and the n users; carol is not behind a NAT.
    assert.equal(r.pinged, n + 2);
    assert.deepEqual(listed, [undefined, 'u00496@example.com', 'u00996@example.com']);
  });

  it('removes a contact that does not answer by Timer F; keeps the one that answered', async () => {
    const s = await setup();
    await s.ka.round();
    await s.flush();
    for (let i = 0; i < 70; i++) {
      s.clock.advance(500);
      await s.flush();
    }
    assert.deepEqual(s.dead, ['bob@example.com']);
    assert.equal((await s.location.lookup('bob@example.com', s.now)).length, 0);
    assert.equal((await s.location.lookup('alice@example.com', s.now)).length, 1);
  });

  it('keeps a contact registered again while its ping was unanswered', async () => {
    const s = await setup();
    await s.ka.round();
    await s.flush();
    await s.put('bob@example.com', [binding('sip:bob@10.0.0.6:5060', PHONE_B, s.now, true, 'reg-2')]);
    for (let i = 0; i < 70; i++) {
      s.clock.advance(500);
      await s.flush();
    }
    assert.deepEqual(s.dead, []);
    assert.equal((await s.location.lookup('bob@example.com', s.now)).length, 1);
  });

  it('runs rounds on its interval once started, and no more after stop()', async () => {
    const s = await setup();
    s.ka.start();
    s.clock.advance(30_000);
    await s.flush();
    assert.equal(s.got.get(PHONE_A.host)?.length, 1);
    s.clock.advance(30_000);
    await s.flush();
    assert.equal(s.got.get(PHONE_A.host)?.length, 2);
    s.ka.stop();
    s.clock.advance(60_000);
    await s.flush();
    assert.equal(s.got.get(PHONE_A.host)?.length, 2);
  });
});
