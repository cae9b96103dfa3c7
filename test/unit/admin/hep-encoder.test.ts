/** HEPv3 encoding, read back by a small independent decoder written from the sipcapture spec. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeHep3 } from '../../../src/admin/index.js';
import { sipRequest } from '../../support/admin-wire.js';

/** type → value; also checks the framing (magic, total length, chunk lengths, vendor 0). */
function decodeHep(b: Buffer): Map<number, Buffer> {
  assert.equal(b.subarray(0, 4).toString('latin1'), 'HEP3');
  assert.equal(b.readUInt16BE(4), b.length, 'total length');
  const chunks = new Map<number, Buffer>();
  let off = 6;
  while (off < b.length) {
    assert.ok(off + 6 <= b.length, 'chunk header inside the packet');
    const vendor = b.readUInt16BE(off);
    const type = b.readUInt16BE(off + 2);
    const len = b.readUInt16BE(off + 4);
    assert.equal(vendor, 0);
    assert.ok(len >= 6 && off + len <= b.length, `chunk 0x${type.toString(16)} length ${len}`);
    assert.ok(!chunks.has(type), `chunk 0x${type.toString(16)} appears once`);
    chunks.set(type, b.subarray(off + 6, off + len));
    off += len;
  }
  return chunks;
}

test('an inbound IPv4/UDP SIP message: family, protocol, addresses, ports, time, ids, payload', () => {
  const bytes = sipRequest('INVITE', { callId: 'abc@host' });
  const pkt = encodeHep3(
    { direction: 'in', timestamp: 1_700_000_000_250.5, remote: { transport: 'udp', host: '192.0.2.10', port: 5062 }, local: { transport: 'udp', host: '198.51.100.1', port: 5060 }, bytes },
    { captureId: 2001, correlationId: 'abc@host' },
  );
  assert.ok(pkt !== undefined);
  const c = decodeHep(pkt);
  assert.equal(c.get(0x0001)!.readUInt8(0), 2, 'AF_INET');
  assert.equal(c.get(0x0002)!.readUInt8(0), 17, 'UDP');
  assert.deepEqual([...c.get(0x0003)!], [192, 0, 2, 10], 'source = the remote for an inbound message');
  assert.deepEqual([...c.get(0x0004)!], [198, 51, 100, 1]);
  assert.equal(c.get(0x0007)!.readUInt16BE(0), 5062);
  assert.equal(c.get(0x0008)!.readUInt16BE(0), 5060);
  assert.equal(c.get(0x0009)!.readUInt32BE(0), 1_700_000_000);
  assert.equal(c.get(0x000a)!.readUInt32BE(0), 250_500);
  assert.equal(c.get(0x000b)!.readUInt8(0), 1, 'SIP');
  assert.equal(c.get(0x000c)!.readUInt32BE(0), 2001);
  assert.equal(c.get(0x0011)!.toString('utf8'), 'abc@host');
  assert.deepEqual(c.get(0x000f), bytes);
  assert.equal(c.has(0x0005), false);
});

test('an outbound IPv6/TCP message: source is our listener, chunks 0x0005/0x0006', () => {
  const bytes = sipRequest('BYE');
  const pkt = encodeHep3(
    { direction: 'out', timestamp: 0, remote: { transport: 'tls', host: '2001:db8::2', port: 5061 }, local: { transport: 'tls', host: '2001:db8::1', port: 5061 }, bytes },
    { captureId: 7 },
  );
  const c = decodeHep(pkt!);
  assert.equal(c.get(0x0001)!.readUInt8(0), 10, 'AF_INET6');
  assert.equal(c.get(0x0002)!.readUInt8(0), 6, 'TCP');
  assert.equal(c.get(0x0005)!.toString('hex'), '20010db8000000000000000000000001');
  assert.equal(c.get(0x0006)!.toString('hex'), '20010db8000000000000000000000002');
  assert.equal(c.has(0x0011), false, 'no correlation id when none is given');
  assert.deepEqual(c.get(0x000f), bytes);
});

test('a message that cannot fit in one packet, or a non-IP address, is not encoded', () => {
  const base = { direction: 'in' as const, timestamp: 0, local: { transport: 'tcp', host: '127.0.0.1', port: 5060 } };
  assert.equal(encodeHep3({ ...base, remote: { transport: 'tcp', host: '127.0.0.1', port: 1 }, bytes: Buffer.alloc(70_000, 0x41) }, { captureId: 1 }), undefined);
  assert.equal(encodeHep3({ ...base, remote: { transport: 'tcp', host: 'example.com', port: 1 }, bytes: Buffer.from('x') }, { captureId: 1 }), undefined);
});
