import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type SipRequest, Via, createRequest, createResponse, parse, parseNameAddr, parseUri } from '../../../../src/sip/message/index.js';
import { type ListenerSpec, TransportManager, UDP_SIZE_THRESHOLD, ensureSelfSignedCertificate } from '../../../../src/sip/transport/index.js';
import { RecordingUser, openClient, rawOptions } from '../../../support/net.js';

const HOST = '127.0.0.1';

/** A request from `manager` to `port`, with a Via naming the manager's sent-by. */
function request(manager: TransportManager, transport: 'udp' | 'tcp' | 'tls', port: number, bodySize = 0): SipRequest {
  const sentBy = manager.localAddressFor({ transport, host: HOST, port });
  assert.ok(sentBy !== undefined);
  return requestVia(transport, sentBy.host, sentBy.port, port, bodySize);
}

function requestVia(transport: string, viaHost: string, viaPort: number, port: number, bodySize = 0): SipRequest {
  return createRequest({
    method: 'MESSAGE',
    uri: parseUri(`sip:bob@${HOST}:${port}`)!,
    via: new Via({ transport: transport.toUpperCase(), host: viaHost, port: viaPort, params: [{ name: 'branch', value: 'z9hG4bK' + Math.random().toString(36).slice(2) }] }),
    from: parseNameAddr('<sip:alice@example.com>;tag=a1')!,
    to: parseNameAddr('<sip:bob@example.com>')!,
    callId: 'call-' + Math.random().toString(36).slice(2),
    cseq: 1,
    body: 'x'.repeat(bodySize),
    contentType: 'text/plain',
  });
}

async function started(listeners: ListenerSpec[], user = new RecordingUser(), extra: { tlsClient?: { ca: string[] } } = {}) {
  const manager = new TransportManager({ listeners, user, ...extra });
  const r = await manager.start();
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return { manager, user, ports: r.value.map((a) => a.port) };
}

describe('TransportManager', () => {
  let dir: string;
  let tls: { certFile: string; keyFile: string };
  let ca: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-net-'));
    tls = await ensureSelfSignedCertificate(dir, ['localhost']);
    ca = await readFile(tls.certFile, 'utf8');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers on the TCP connection the request came on, even when the sent-by port is not listening', async () => {
    const { manager, user, ports } = await started([{ transport: 'tcp', host: HOST, port: 0 }]);
    const client = await openClient('tcp', HOST, ports[0]);
    try {
      client.send(rawOptions({ transport: 'TCP', host: HOST, port: 9 }));
      const rx = await user.nextMessage(0);
      assert.equal(manager.connections().length, 1);
      const sent = await manager.send(createResponse(rx.message as SipRequest, 200), { transport: 'tcp', host: HOST, port: 9, connectionId: rx.connectionId });
      assert.ok(sent.ok);
      assert.equal(sent.connectionId, rx.connectionId);
      const parsed = parse(await client.nextMessage(0), { datagram: false });
      assert.ok(parsed.ok);
      assert.equal(manager.connections().length, 1);
    } finally {
      await client.close();
      await manager.stop();
    }
  });

  it('delivers a message that does not parse as ReceivedInvalid with the bytes and partial headers', async () => {
    const { manager, user, ports } = await started([
      { transport: 'udp', host: HOST, port: 0 },
      { transport: 'tcp', host: HOST, port: 0 },
    ]);
    const bad = rawOptions({ transport: 'UDP', host: HOST, port: 5060 }).replace('CSeq: 1 OPTIONS', 'CSeq: one OPTIONS');
    const udp = await openClient('udp', HOST, ports[0]);
    const tcp = await openClient('tcp', HOST, ports[1]);
    try {
      udp.send(bad);
      const inv = await user.nextInvalid(0);
      assert.equal(inv.source.transport, 'udp');
      assert.equal(inv.error.status, 400);
      assert.equal(inv.bytes.toString('latin1'), bad);
      assert.ok(inv.partial !== undefined);
      assert.equal(inv.partial.method, 'OPTIONS');
      assert.ok(inv.partial.headers.some((h) => h.key === 'call-id' && h.value === 'a84b4c76e66710@client'));

      // On a stream the framed message is delivered the same way; the connection stays open.
      tcp.send(bad + rawOptions({ transport: 'TCP', host: HOST, port: 5060 }));
      const inv2 = await user.nextInvalid(1);
      assert.equal(inv2.source.transport, 'tcp');
      assert.ok(inv2.connectionId !== undefined);
      const ok = await user.nextMessage(0);
      assert.equal(ok.connectionId, inv2.connectionId);
      assert.ok(!tcp.closed());
    } finally {
      await udp.close();
      await tcp.close();
      await manager.stop();
    }
  });

  for (const transport of ['tcp', 'tls'] as const) {
    it(`opens an outgoing ${transport} connection and reuses it`, async () => {
      const spec = (): ListenerSpec => ({ transport, host: HOST, port: 0, ...(transport === 'tls' ? { tls } : {}) });
      const a = await started([spec()], new RecordingUser(), { tlsClient: { ca: [ca] } });
      const b = await started([spec()]);
      try {
        const sent = await a.manager.send(request(a.manager, transport, b.ports[0]), { transport, host: HOST, port: b.ports[0] });
        assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
        assert.ok(sent.connectionId !== undefined);
        assert.equal(sent.local.port, a.ports[0]);
        const rx = await b.user.nextMessage(0);
        // The peer answers on the connection: the response comes back to the same connection.
        const back = await b.manager.send(createResponse(rx.message as SipRequest, 200), { ...rx.source, connectionId: rx.connectionId });
        assert.ok(back.ok);
        const res = await a.user.nextMessage(0);
        assert.equal(res.connectionId, sent.connectionId);
        const again = await a.manager.send(request(a.manager, transport, b.ports[0]), { transport, host: HOST, port: b.ports[0] });
        assert.ok(again.ok);
        assert.equal(again.connectionId, sent.connectionId);
        await b.user.nextMessage(1);
        assert.equal(a.manager.connections().length, 1);
        assert.equal(a.manager.connections()[0].outgoing, true);
      } finally {
        await a.manager.stop();
        await b.manager.stop();
      }
    });
  }

  it('refuses an outgoing TLS connection to a server whose certificate is not trusted', async () => {
    const a = await started([{ transport: 'tls', host: HOST, port: 0, tls }]);
    const b = await started([{ transport: 'tls', host: HOST, port: 0, tls }]);
    try {
      const sent = await a.manager.send(request(a.manager, 'tls', b.ports[0]), { transport: 'tls', host: HOST, port: b.ports[0] });
      assert.ok(!sent.ok);
      assert.equal(sent.error.code, 'SIP_TRANSPORT_CONNECT');
      assert.equal(b.user.messages.length, 0);
    } finally {
      await a.manager.stop();
      await b.manager.stop();
    }
  });

  it('sends a request larger than 1300 bytes bound for UDP over TCP, changing the top Via (§18.1.1)', async () => {
    // The destination needs TCP and UDP on the same port number.
    const probe = await started([{ transport: 'tcp', host: HOST, port: 0 }]);
    const port = probe.ports[0];
    await probe.manager.stop();
    const b = await started([
      { transport: 'udp', host: HOST, port },
      { transport: 'tcp', host: HOST, port },
    ]);
    const a = await started([
      { transport: 'udp', host: HOST, port: 0 },
      { transport: 'tcp', host: HOST, port: 0 },
    ]);
    try {
      const big = request(a.manager, 'udp', port, UDP_SIZE_THRESHOLD);
      const sent = await a.manager.send(big, { transport: 'udp', host: HOST, port });
      assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
      assert.equal(sent.local.transport, 'tcp');
      assert.equal(sent.local.port, a.ports[1]);
      const rx = await b.user.nextMessage(0);
      assert.equal(rx.source.transport, 'tcp');
      assert.equal(rx.message.topVia.transport, 'TCP');
      assert.equal(rx.message.topVia.port, a.ports[1]);
      assert.equal(rx.message.topVia.branch, big.topVia.branch);
      // The caller's copy is unchanged (it is what gets retransmitted).
      assert.equal(big.topVia.transport, 'UDP');

      const small = await a.manager.send(request(a.manager, 'udp', port), { transport: 'udp', host: HOST, port });
      assert.ok(small.ok);
      assert.equal(small.local.transport, 'udp');
      assert.equal((await b.user.nextMessage(1)).source.transport, 'udp');
    } finally {
      await a.manager.stop();
      await b.manager.stop();
    }
  });

  it('falls back to UDP when the TCP connection for a large request is refused', async () => {
    const b = await started([{ transport: 'udp', host: HOST, port: 0 }]);
    const a = await started([
      { transport: 'udp', host: HOST, port: 0 },
      { transport: 'tcp', host: HOST, port: 0 },
    ]);
    try {
      const sent = await a.manager.send(request(a.manager, 'udp', b.ports[0], 1400), { transport: 'udp', host: HOST, port: b.ports[0] });
      assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
      assert.equal(sent.local.transport, 'udp');
      const rx = await b.user.nextMessage(0);
      assert.equal(rx.message.topVia.transport, 'UDP');
    } finally {
      await a.manager.stop();
      await b.manager.stop();
    }
  });

  it('cannot open a WebSocket connection, and reports the missing listeners', async () => {
    const { manager } = await started([{ transport: 'ws', host: HOST, port: 0 }]);
    try {
      const msg = requestVia('ws', 'example.invalid', 443, 5060);
      const ws = await manager.send(msg, { transport: 'ws', host: HOST, port: 5060 });
      assert.ok(!ws.ok);
      assert.equal(ws.error.code, 'SIP_TRANSPORT_CLOSED');
      const udp = await manager.send(msg, { transport: 'udp', host: HOST, port: 5060 });
      assert.ok(!udp.ok);
      assert.equal(udp.error.code, 'SIP_TRANSPORT_NO_LISTENER');
      assert.equal(manager.localAddressFor({ transport: 'tcp', host: HOST, port: 5060 }), undefined);
      assert.deepEqual(manager.localAddressFor({ transport: 'ws', host: HOST, port: 5060 }), { transport: 'ws', host: HOST, port: manager.boundAddresses()[0].port });
    } finally {
      await manager.stop();
    }
  });

  it('advertises a concrete address for a wildcard listener', async () => {
    const { manager, ports } = await started([{ transport: 'udp', host: '0.0.0.0', port: 0 }]);
    try {
      assert.deepEqual(manager.localAddressFor({ transport: 'udp', host: HOST, port: 5060 }), { transport: 'udp', host: HOST, port: ports[0] });
      const remote = manager.localAddressFor({ transport: 'udp', host: '192.0.2.1', port: 5060 });
      assert.ok(remote !== undefined);
      assert.notEqual(remote.host, '0.0.0.0');
    } finally {
      await manager.stop();
    }
  });

  it('fails to start, clearly, when a port is in use, and closes what it had opened', async () => {
    const first = await started([{ transport: 'tcp', host: HOST, port: 0 }]);
    const user = new RecordingUser();
    const second = new TransportManager({
      listeners: [
        { transport: 'udp', host: HOST, port: 0 },
        { transport: 'tcp', host: HOST, port: first.ports[0] },
      ],
      user,
    });
    try {
      const r = await second.start();
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'SIP_TRANSPORT_LISTEN');
      assert.match(r.error.message, new RegExp(`tcp ${HOST}:${first.ports[0]}: address already in use`));
      assert.deepEqual(second.boundAddresses(), []);
    } finally {
      await first.manager.stop();
    }
  });

  it('fails to start when a TLS listener has no readable certificate', async () => {
    const manager = new TransportManager({
      listeners: [{ transport: 'tls', host: HOST, port: 0, tls: { certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'missing.key') } }],
      user: new RecordingUser(),
    });
    const r = await manager.start();
    assert.ok(!r.ok);
    assert.match(r.error.message, /cannot read certificate/);
  });
});
