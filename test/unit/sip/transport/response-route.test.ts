import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, parseVia, type SipRequest } from '../../../../src/sip/message/index.js';
import { type NetAddress, type ReceivedContext, responseDestination, stampReceived } from '../../../../src/sip/transport/index.js';

function ctx(source: NetAddress, connectionId?: string): ReceivedContext {
  const local = { transport: source.transport, host: '127.0.0.2', port: 5060 };
  return connectionId === undefined ? { source, local, receivedAt: 0 } : { source, local, connectionId, receivedAt: 0 };
}

function via(text: string) {
  const v = parseVia(text);
  assert.ok(v !== undefined);
  return v;
}

function request(viaLines: string): SipRequest {
  const r = parse(Buffer.from(`OPTIONS sip:b@127.0.0.2 SIP/2.0\r\n${viaLines}From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`));
  assert.ok(r.ok && r.message.kind === 'request');
  return r.message;
}

const udp = (host: string, port: number): NetAddress => ({ transport: 'udp', host, port });
// RFC 3581 §4: datagram responses leave from the listener the request arrived on.
const fromListener = (d: NetAddress) => ({ ...d, local: { transport: 'udp', host: '127.0.0.2', port: 5060 } });

describe('responseDestination (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  it('reliable: the same connection, else received + sent-by port', () => {
    const src: NetAddress = { transport: 'tcp', host: '127.0.0.9', port: 49152 };
    assert.deepEqual(responseDestination(via('SIP/2.0/TCP client.example.com:5070;branch=z9hG4bK1;received=127.0.0.9'), ctx(src, 'c1')), {
      transport: 'tcp', host: '127.0.0.9', port: 5070, connectionId: 'c1',
    });
    assert.deepEqual(responseDestination(via('SIP/2.0/TLS client.example.com;branch=z9hG4bK1;received=127.0.0.9'), ctx({ ...src, transport: 'tls' })), {
      transport: 'tls', host: '127.0.0.9', port: 5061,
    });
  });

  it('maddr wins on unreliable transports', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 127.0.0.1:5062;maddr=239.1.1.1;branch=z9hG4bK1'), ctx(udp('127.0.0.1', 5062))), fromListener(udp('239.1.1.1', 5062)));
  });

  it('rport: the source address and port', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1'), ctx(udp('127.0.0.50', 40000))), fromListener(udp('127.0.0.50', 40000)));
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5060;rport=40000;received=127.0.0.50;branch=z9hG4bK1'), ctx(udp('127.0.0.50', 40000))), fromListener(udp('127.0.0.50', 40000)));
  });

  it('received with the sent-by port, else the sent-by itself, default 5060', () => {
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 10.0.0.1:5070;received=127.0.0.50;branch=z9hG4bK1'), ctx(udp('127.0.0.50', 40000))), fromListener(udp('127.0.0.50', 5070)));
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1'), ctx(udp('127.0.0.1', 5060))), fromListener(udp('127.0.0.1', 5060)));
    assert.deepEqual(responseDestination(via('SIP/2.0/UDP [::1]:5080;branch=z9hG4bK1'), ctx(udp('::1', 5080))), fromListener(udp('::1', 5080)));
  });
});

describe('stampReceived (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('adds received when the sent-by host differs from the source', () => {
    const req = request('Via: SIP/2.0/UDP client.example.com:5060;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP 127.0.0.7;branch=z9hG4bK0\r\n');
    assert.equal(stampReceived(req, udp('127.0.0.9', 5060)), true);
    assert.equal(req.topVia.received, '127.0.0.9');
    assert.equal(req.vias.length, 2);
    assert.equal(req.vias[1].toString(), 'SIP/2.0/UDP 127.0.0.7;branch=z9hG4bK0', 'the second Via is untouched');
    assert.equal(req.headers[0].key, 'via', 'the top Via stays in place');
    assert.equal(stampReceived(req, udp('127.0.0.9', 5060)), false, 'idempotent');
  });

  it('leaves the Via alone when the sent-by is the source IP (IPv6 compared canonically)', () => {
    const req = request('Via: SIP/2.0/UDP [0:0:0:0:0:0:0:1]:5060;branch=z9hG4bK1\r\n');
    assert.equal(stampReceived(req, udp('::1', 5060)), false);
    assert.equal(req.topVia.received, undefined);
  });

  it('fills rport and always adds received when rport is requested', () => {
    const req = request('Via: SIP/2.0/UDP 127.0.0.1:5060;rport;branch=z9hG4bK1, SIP/2.0/UDP 127.0.0.3;branch=z9hG4bK0\r\n');
    assert.equal(stampReceived(req, udp('127.0.0.1', 40001)), true);
    assert.equal(req.topVia.rport, 40001);
    assert.equal(req.topVia.received, '127.0.0.1');
    assert.equal(req.vias[1].branch, 'z9hG4bK0', 'a combined Via field keeps its other values');
    assert.equal(stampReceived(req, udp('127.0.0.1', 40001)), false);
  });
});
