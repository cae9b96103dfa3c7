import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Binding } from '../../../src/location/index.js';
import { type RegisterData, type ExpiryPolicy, updateBindings } from '../../../src/registrar/index.js';

const policy: ExpiryPolicy = { minExpires: 60, maxExpires: 3600, defaultExpires: 1800, maxContacts: 3 };
const NOW = 1_800_000_000_000;
const source = { transport: 'udp', host: '198.51.100.7', port: 40123 };

function reg(contacts: RegisterData['contacts'], extra: Partial<RegisterData> = {}): RegisterData {
  return { contacts, callId: 'call-a', cseq: 10, source, ...extra };
}

function apply(current: readonly Binding[], data: RegisterData) {
  return updateBindings(current, data, policy, NOW);
}

function bound(contacts: RegisterData['contacts'], extra: Partial<RegisterData> = {}): Binding[] {
  const r = apply([], reg(contacts, extra));
  assert.ok(r.result.ok);
  return [...r.bindings];
}

describe('updateBindings (RFC 3261 §10.3 steps 6–7)', () => {
  it('adds a binding with the expiry from the contact param, else Expires, else the default', () => {
    const a = bound([{ uri: 'sip:a@198.51.100.7:5060', expires: 120 }]);
    assert.equal(a[0].expiresAt, NOW + 120_000);
    const b = bound([{ uri: 'sip:a@198.51.100.7:5060' }], { expiresHeader: 300 });
    assert.equal(b[0].expiresAt, NOW + 300_000);
    const c = bound([{ uri: 'sip:a@198.51.100.7:5060' }]);
    assert.equal(c[0].expiresAt, NOW + 1_800_000);
  });

  it('records where the REGISTER really came from (NAT) and the Call-ID/CSeq', () => {
    const [b] = bound([{ uri: 'sip:a@10.0.0.5:5060' }], { connectionId: 'c7', node: 'n1', local: 'udp:192.0.2.1:5060' });
    assert.deepEqual(b.source, source);
    assert.equal(b.connectionId, 'c7');
    assert.equal(b.node, 'n1');
    assert.equal(b.callId, 'call-a');
    assert.equal(b.cseq, 10);
    assert.equal(b.registeredAt, NOW);
  });

  it('caps the expiry at the maximum and refuses one below the minimum with 423 + Min-Expires', () => {
    assert.equal(bound([{ uri: 'sip:a@h', expires: 999999 }])[0].expiresAt, NOW + 3_600_000);
    const r = apply([], reg([{ uri: 'sip:a@h', expires: 30 }]));
    assert.deepEqual(r.result, { ok: false, status: 423, reason: 'Interval Too Brief', headers: [['Min-Expires', '60']] });
    assert.deepEqual(r.bindings, [], 'nothing changed');
  });

  it('refreshes a binding matched by URI comparison (§19.1.4), keeping registeredAt', () => {
    const first = bound([{ uri: 'sip:a@H.example.com;transport=udp', expires: 100 }]);
    const r = updateBindings(first, reg([{ uri: 'sip:a@h.example.com;TRANSPORT=UDP', expires: 200 }], { cseq: 11 }), policy, NOW + 5000);
    assert.ok(r.result.ok);
    assert.equal(r.bindings.length, 1);
    assert.equal(r.bindings[0].expiresAt, NOW + 5000 + 200_000);
    assert.equal(r.bindings[0].registeredAt, NOW);
    assert.equal(r.bindings[0].cseq, 11);
  });

  it('removes a binding with expires 0, and ignores expires 0 for an unknown contact', () => {
    const first = bound([{ uri: 'sip:a@h' }, { uri: 'sip:b@h' }]);
    const r = apply(first, reg([{ uri: 'sip:a@h', expires: 0 }, { uri: 'sip:zzz@h', expires: 0 }], { cseq: 11 }));
    assert.ok(r.result.ok);
    assert.deepEqual(r.bindings.map((b) => b.contact), ['sip:b@h']);
  });

  it('aborts an out-of-order REGISTER (same Call-ID, lower CSeq) without touching anything', () => {
    const first = bound([{ uri: 'sip:a@h', expires: 100 }]);
    const r = apply(first, reg([{ uri: 'sip:a@h', expires: 0 }], { cseq: 9 }));
    assert.equal(r.result.ok, false);
    assert.equal(!r.result.ok && r.result.status, 400);
    assert.equal(r.bindings, first);
  });

  it('treats the same Call-ID and CSeq as a retransmission: already applied, same answer', () => {
    const first = bound([{ uri: 'sip:a@h', expires: 100 }]);
    const again = updateBindings(first, reg([{ uri: 'sip:a@h', expires: 100 }]), policy, NOW + 2000);
    assert.ok(again.result.ok);
    assert.deepEqual(again.bindings, first, 'unchanged: the expiry is not pushed forward');
    const removal = apply(first, reg([{ uri: 'sip:a@h', expires: 0 }], { cseq: 11 }));
    const removalAgain = apply(removal.bindings, reg([{ uri: 'sip:a@h', expires: 0 }], { cseq: 11 }));
    assert.ok(removalAgain.result.ok);
    assert.deepEqual(removalAgain.bindings, []);
  });

  it('lets a REGISTER with another Call-ID replace the binding whatever its CSeq (§10.3 step 7)', () => {
    const first = bound([{ uri: 'sip:a@h', expires: 100 }]);
    const r = apply(first, reg([{ uri: 'sip:a@h', expires: 0 }], { callId: 'call-b', cseq: 1 }));
    assert.ok(r.result.ok);
    assert.deepEqual(r.bindings, []);
  });

  it('wildcard removes every binding, unless one has the same Call-ID and a CSeq not lower', () => {
    const mixed = [...bound([{ uri: 'sip:a@h' }]), ...bound([{ uri: 'sip:b@h' }], { callId: 'call-b' })];
    const ok = apply(mixed, reg('*', { cseq: 11, expiresHeader: 0 }));
    assert.ok(ok.result.ok);
    assert.deepEqual(ok.bindings, []);
    const stale = apply(mixed, reg('*', { cseq: 10, expiresHeader: 0 }));
    assert.equal(stale.result.ok, false);
    assert.equal(stale.bindings, mixed);
  });

  it('refuses more contacts than the maximum per AOR with 403', () => {
    const r = apply([], reg([1, 2, 3, 4].map((i) => ({ uri: `sip:${i}@h` }))));
    assert.equal(r.result.ok, false);
    assert.equal(!r.result.ok && r.result.status, 403);
  });

  it('orders bindings by q, highest first', () => {
    const r = bound([
      { uri: 'sip:low@h', q: 0.1 },
      { uri: 'sip:high@h', q: 0.9 },
      { uri: 'sip:mid@h' },
    ]);
    assert.deepEqual(r.map((b) => b.contact), ['sip:mid@h', 'sip:high@h', 'sip:low@h']);
  });

  it('identifies outbound bindings by +sip.instance and reg-id (RFC 5626 §6)', () => {
    const inst = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    const first = bound([{ uri: 'sip:a@10.0.0.1:5060', instanceId: inst, regId: 1 }]);
    const moved = apply(first, reg([{ uri: 'sip:a@10.0.0.9:6000', instanceId: inst, regId: 1 }], { cseq: 11 }));
    assert.ok(moved.result.ok);
    assert.deepEqual(moved.bindings.map((b) => b.contact), ['sip:a@10.0.0.9:6000']);
  });

  it('a query (no Contact) changes nothing and returns the current bindings', () => {
    const first = bound([{ uri: 'sip:a@h' }]);
    const r = apply(first, reg([], { cseq: 11 }));
    assert.ok(r.result.ok);
    assert.deepEqual(r.result.bindings, first);
  });
});
