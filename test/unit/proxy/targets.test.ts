import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Binding } from '../../../src/location/index.js';
import { forkingGroups, targetFromBinding } from '../../../src/proxy/index.js';

const base: Binding = {
  contact: 'sip:bob@10.0.0.20:5060',
  q: 1,
  expiresAt: 1,
  callId: 'c',
  cseq: 1,
  source: { transport: 'udp', host: '203.0.113.20', port: 40000 },
  registeredAt: 0,
};

describe('targets from bindings (RFC 3261 §16.5, NAT)', () => {
  it('a UA behind NAT is reached at its pinhole (the REGISTER source)', () => {
    assert.deepEqual(targetFromBinding({ ...base, nat: true }, 'n1')?.destination, { transport: 'udp', host: '203.0.113.20', port: 40000 });
  });

  it('a UA not behind NAT is reached at its Contact (next hop resolved from the URI)', () => {
    const t = targetFromBinding({ ...base, contact: 'sip:bob@127.0.0.1:5090', source: { transport: 'udp', host: '127.0.0.1', port: 5092 } }, 'n1');
    assert.equal(t?.destination, undefined);
    assert.equal(t?.uri.toString(), 'sip:bob@127.0.0.1:5090');
  });

  it('a stream binding uses its connection on the node that holds it, and WebSocket always its source', () => {
    const tcp: Binding = { ...base, source: { transport: 'tcp', host: '203.0.113.20', port: 40001 }, connectionId: 'c9', node: 'n1' };
    assert.equal(targetFromBinding(tcp, 'n1')?.destination?.connectionId, 'c9');
    assert.equal(targetFromBinding(tcp, 'n2')?.destination, undefined, 'another node cannot use that connection');
    const ws: Binding = { ...base, contact: 'sip:x@df7jal23ls0d.invalid;transport=ws', source: { transport: 'ws', host: '203.0.113.20', port: 40002 } };
    assert.deepEqual(targetFromBinding(ws, 'n2')?.destination, { transport: 'ws', host: '203.0.113.20', port: 40002 });
  });

  it('groups by q, highest first', () => {
    const t = (q: number) => targetFromBinding({ ...base, q, nat: true }, 'n')!;
    assert.deepEqual(forkingGroups([t(0.5), t(1), t(0.5)]).map((g) => g.map((x) => x.q)), [[1], [0.5, 0.5]]);
  });
});
