/**
 * RFC 5626 §4.4.2 STUN keep-alives on the SIP UDP port: a Binding request gets a Binding
 * success response whose XOR-MAPPED-ADDRESS is the address the request came from; admission
 * control applies (a banned source gets nothing); other packets get no STUN answer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { TransportManager } from '../../../../src/sip/transport/index.js';
import { stunBindingResponse } from '../../../../src/sip/transport/stun-keepalive.js';
import { RecordingUser } from '../../../support/net.js';

const COOKIE = 0x2112a442;

function bindingRequest(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt32BE(COOKIE, 4);
  randomBytes(12).copy(b, 8);
  return b;
}

/** Decodes XOR-MAPPED-ADDRESS independently of the encoder (RFC 5389 §15.2). */
function mapped(res: Buffer): { family: number; port: number; address: Buffer } {
  assert.equal(res.readUInt16BE(0), 0x0101, 'Binding success response');
  assert.equal(res.readUInt32BE(4), COOKIE);
  assert.equal(res.readUInt16BE(2), res.length - 20);
  let at = 20;
  while (at < res.length) {
    const type = res.readUInt16BE(at);
    const len = res.readUInt16BE(at + 2);
    if (type === 0x0020) {
      const family = res[at + 5];
      const port = res.readUInt16BE(at + 6) ^ (COOKIE >>> 16);
      const xored = res.subarray(at + 8, at + 8 + len - 4);
      const mask = res.subarray(4, 20);
      return { family, port, address: Buffer.from([...xored].map((x, i) => x ^ mask[i])) };
    }
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  assert.fail('no XOR-MAPPED-ADDRESS');
}

describe('STUN keep-alive responses (RFC 5626 §4.4.2)', () => {
  it('encodes IPv4 and IPv6 mapped addresses and keeps the transaction id', () => {
    const req = bindingRequest();
    const v4 = stunBindingResponse(req, '203.0.113.9', 40123);
    assert.ok(v4);
    assert.deepEqual(v4.subarray(8, 20), req.subarray(8, 20), 'transaction id echoed');
    const m4 = mapped(v4);
    assert.deepEqual({ family: m4.family, port: m4.port, address: [...m4.address].join('.') }, { family: 1, port: 40123, address: '203.0.113.9' });
    const m6 = mapped(stunBindingResponse(req, '2001:db8::7', 5060)!);
    assert.equal(m6.family, 2);
    assert.equal(m6.address.toString('hex'), '20010db8000000000000000000000007');
  });

  it('tells an IPv4 peer seen through a dual-stack socket (::ffff:a.b.c.d) its IPv4 address', () => {
    const m = mapped(stunBindingResponse(bindingRequest(), '::ffff:198.51.100.20', 6000)!);
    assert.deepEqual({ family: m.family, port: m.port, address: [...m.address].join('.') }, { family: 1, port: 6000, address: '198.51.100.20' });
    const hex = mapped(stunBindingResponse(bindingRequest(), '::ffff:c633:6414', 6000)!);
    assert.deepEqual([hex.family, [...hex.address].join('.')], [1, '198.51.100.20']);
    assert.equal(stunBindingResponse(bindingRequest(), 'not-an-address', 1), undefined);
  });

  it('ignores what is not a well-formed Binding request', () => {
    const req = bindingRequest();
    const indication = Buffer.from(req);
    indication.writeUInt16BE(0x0011, 0);
    assert.equal(stunBindingResponse(indication, '192.0.2.1', 1), undefined);
    assert.equal(stunBindingResponse(req.subarray(0, 19), '192.0.2.1', 1), undefined);
    const badLength = Buffer.from(req);
    badLength.writeUInt16BE(4, 2);
    assert.equal(stunBindingResponse(badLength, '192.0.2.1', 1), undefined);
  });

  it('answers on the SIP UDP listener with the real source address, unless the source is not admitted', async () => {
    let admitted = true;
    const manager = new TransportManager({ listeners: [{ transport: 'udp', host: '127.0.0.1', port: 0 }], user: new RecordingUser(), admit: () => admitted });
    const r = await manager.start();
    assert.ok(r.ok);
    const sock = createSocket('udp4');
    try {
      sock.bind(0, '127.0.0.1');
      await once(sock, 'listening');
      const got = once(sock, 'message', { signal: AbortSignal.timeout(5_000) });
      sock.send(bindingRequest(), r.value[0].port, '127.0.0.1');
      const [res] = (await got) as [Buffer];
      const m = mapped(res);
      assert.equal(m.port, sock.address().port);
      assert.equal([...m.address].join('.'), '127.0.0.1');
      admitted = false;
      let answered = false;
      sock.on('message', () => (answered = true));
      sock.send(bindingRequest(), r.value[0].port, '127.0.0.1');
      await new Promise((res2) => setTimeout(res2, 200));
      assert.equal(answered, false, 'a source refused by admission control gets no answer');
    } finally {
      sock.close();
      await manager.stop();
    }
  });
});
