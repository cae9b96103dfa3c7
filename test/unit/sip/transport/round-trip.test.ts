import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type SipRequest, createResponse, parse } from '../../../../src/sip/message/index.js';
import {
  type ListenerSpec,
  type TransportKind,
  TransportManager,
  ensureSelfSignedCertificate,
  viaTransport,
} from '../../../../src/sip/transport/index.js';
import { RecordingUser, ipv6LoopbackAvailable, openClient, rawOptions } from '../../../support/net.js';

const KINDS: TransportKind[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

describe('TransportManager round trips on loopback', () => {
  let dir: string;
  let tls: { certFile: string; keyFile: string };
  let ca: Buffer;
  let v6 = false;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-net-'));
    tls = await ensureSelfSignedCertificate(dir, ['localhost']);
    ca = await readFile(tls.certFile);
    v6 = await ipv6LoopbackAvailable();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const host of ['127.0.0.1', '::1']) {
    for (const kind of KINDS) {
      it(`${kind} request in, response out on ${host}`, async (t) => {
        if (host === '::1' && !v6) {
          t.skip('IPv6 loopback ::1 cannot be bound on this host');
          return;
        }
        const user = new RecordingUser();
        const spec: ListenerSpec = { transport: kind, host, port: 0, ...(kind === 'tls' || kind === 'wss' ? { tls } : {}) };
        const manager = new TransportManager({ listeners: [spec], user });
        const started = await manager.start();
        assert.ok(started.ok, started.ok ? '' : started.error.message);
        const local = started.value[0];
        assert.equal(local.transport, kind);
        assert.ok(local.port > 0);
        const client = await openClient(kind, host, local.port, { ca });
        try {
          client.send(rawOptions({ transport: viaTransport(kind), host, port: client.localPort, rport: true, body: 'ping' }));
          const rx = await user.nextMessage(0);
          assert.equal(rx.source.transport, kind);
          assert.equal(rx.source.host, host);
          assert.equal(rx.source.port, client.localPort);
          assert.equal(rx.local.port, local.port);
          assert.equal(rx.connectionId !== undefined, kind !== 'udp');
          assert.equal(rx.message.body.toString(), 'ping');
          // RFC 3581 §4: rport without a value is filled in with the source port.
          assert.equal(rx.message.topVia.rport, client.localPort);
          assert.equal(rx.message.topVia.received, host);

          const response = createResponse(rx.message as SipRequest, 200);
          const sent = await manager.send(response, { ...rx.source, connectionId: rx.connectionId });
          assert.ok(sent.ok, sent.ok ? '' : sent.error.message);
          assert.equal(sent.local.transport, kind);
          assert.equal(sent.local.port, local.port);
          assert.equal(sent.connectionId, rx.connectionId);

          const bytes = await client.nextMessage(0);
          const parsed = parse(bytes, { datagram: kind === 'udp' || kind === 'ws' || kind === 'wss' });
          assert.ok(parsed.ok);
          assert.equal(parsed.message.callId, 'a84b4c76e66710@client');
          assert.ok(!('method' in parsed.message));
          assert.equal((parsed.message as { status: number }).status, 200);
        } finally {
          await client.close();
          await manager.stop();
        }
      });
    }
  }
});
