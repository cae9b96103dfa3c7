import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../../src/lib/index.js';
import { createResponse } from '../../../../src/sip/message/index.js';
import { type TransportEvent, TransportManager, type TransportManagerOptions } from '../../../../src/sip/transport/index.js';
import { RecordingUser, type TestClient, openClient, rawOptions, waitFor } from '../../../support/net.js';

const HOST = '127.0.0.1';

async function tcpManager(options: Partial<TransportManagerOptions> = {}) {
  const user = new RecordingUser();
  const events: TransportEvent[] = [];
  const manager = new TransportManager({
    listeners: [{ transport: 'tcp', host: HOST, port: 0 }],
    user,
    onEvent: (e) => events.push(e),
    ...options,
  });
  const r = await manager.start();
  assert.ok(r.ok);
  return { manager, user, events, port: r.value[0].port };
}

async function closeAll(clients: TestClient[], manager: TransportManager): Promise<void> {
  for (const c of clients) await c.close();
  await manager.stop();
}

describe('TransportManager connection handling', () => {
  it('closes at once the connections from one IP beyond the per-source limit', async () => {
    const { manager, user, events, port } = await tcpManager({ maxConnectionsPerIp: 2 });
    const clients: TestClient[] = [];
    try {
      clients.push(await openClient('tcp', HOST, port), await openClient('tcp', HOST, port));
      await waitFor(() => manager.connections().length === 2, 3000, 'two connections');
      const third = await openClient('tcp', HOST, port);
      clients.push(third);
      await waitFor(() => third.closed(), 3000, 'the third connection to be closed');
      assert.ok(events.some((e) => e.kind === 'connection-refused' && e.reason === 'per-ip-limit'));
      assert.equal(manager.connections().length, 2);
      // The admitted ones still work.
      clients[1].send(rawOptions({ transport: 'TCP', host: HOST, port: 5060 }));
      await user.nextMessage(0);
      assert.ok(!clients[0].closed() && !clients[1].closed());
      // A slot freed by a close is available again.
      await clients[0].close();
      await waitFor(() => manager.connections().length === 1, 3000, 'the close to be seen');
      const fourth = await openClient('tcp', HOST, port);
      clients.push(fourth);
      await waitFor(() => manager.connections().length === 2, 3000, 'the fourth connection');
      assert.ok(!fourth.closed());
    } finally {
      await closeAll(clients, manager);
    }
  });

  it('enforces the total connection limit', async () => {
    const { manager, events, port } = await tcpManager({ maxConnections: 1 });
    const clients: TestClient[] = [];
    try {
      clients.push(await openClient('tcp', HOST, port));
      await waitFor(() => manager.connections().length === 1, 3000, 'one connection');
      const second = await openClient('tcp', HOST, port);
      clients.push(second);
      await waitFor(() => second.closed(), 3000, 'the second connection to be closed');
      assert.ok(events.some((e) => e.kind === 'connection-refused' && e.reason === 'total-limit'));
    } finally {
      await closeAll(clients, manager);
    }
  });

  it('closes a connection idle for the idle timeout; traffic and keep-alives keep it open', async () => {
    const clock = new ManualClock();
    const { manager, events, port } = await tcpManager({ clock, idleTimeoutMs: 1000 });
    const client = await openClient('tcp', HOST, port);
    try {
      await waitFor(() => manager.connections().length === 1, 3000, 'the connection');
      clock.advance(600);
      // RFC 5626 §4.4.1: a CRLF CRLF ping is answered with a CRLF pong, and counts as traffic.
      client.send('\r\n\r\n');
      await waitFor(() => Buffer.concat(client.raw).toString() === '\r\n', 3000, 'the pong');
      assert.equal(manager.connections()[0].lastActivity, 600);
      clock.advance(900); // 1500: 900 ms after the ping
      assert.equal(manager.connections().length, 1);
      assert.ok(!client.closed());
      clock.advance(250); // 1750: the sweep (every idleTimeout / 4) finds it 1150 ms idle
      assert.equal(manager.connections().length, 0);
      await waitFor(() => client.closed(), 3000, 'the idle connection to be closed');
      assert.ok(events.some((e) => e.kind === 'connection-closed' && e.reason === 'idle'));
    } finally {
      await closeAll([client], manager);
    }
  });

  it('closes only the connection whose framing fails', async () => {
    const { manager, user, events, port } = await tcpManager();
    const bad = await openClient('tcp', HOST, port);
    const good = await openClient('tcp', HOST, port);
    try {
      bad.send('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: ten\r\n\r\n');
      await waitFor(() => bad.closed(), 3000, 'the bad connection to be closed');
      assert.ok(events.some((e) => e.kind === 'framing-error'));
      assert.equal(user.invalid.length, 0);
      good.send(rawOptions({ transport: 'TCP', host: HOST, port: 5060 }));
      const rx = await user.nextMessage(0);
      assert.equal(rx.source.port, good.localPort);
      assert.ok(!good.closed());
    } finally {
      await closeAll([bad, good], manager);
    }
  });

  it('closes a connection whose message exceeds the maximum size', async () => {
    const { manager, user, port } = await tcpManager({ maxMessageSize: 2048 });
    const client = await openClient('tcp', HOST, port);
    try {
      client.send(rawOptions({ transport: 'TCP', host: HOST, port: 5060, body: 'x'.repeat(3000) }));
      await waitFor(() => client.closed(), 3000, 'the connection to be closed');
      assert.equal(user.messages.length + user.invalid.length, 0);
    } finally {
      await closeAll([client], manager);
    }
  });

  it('delivers nothing for garbage followed by a close, and forgets the connection', async () => {
    const { manager, user, events, port } = await tcpManager();
    const client = await openClient('tcp', HOST, port);
    try {
      await waitFor(() => manager.connections().length === 1, 3000, 'the connection');
      client.send(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, 0x41, 0x42]));
      await client.close();
      await waitFor(() => manager.connections().length === 0, 3000, 'the connection to be forgotten');
      assert.equal(user.messages.length + user.invalid.length, 0);
      assert.ok(events.some((e) => e.kind === 'connection-closed' && e.reason === 'remote'));
    } finally {
      await closeAll([], manager);
    }
  });

  it('closes every connection on stop()', async () => {
    const { manager, port } = await tcpManager();
    const client = await openClient('tcp', HOST, port);
    await waitFor(() => manager.connections().length === 1, 3000, 'the connection');
    await manager.stop();
    await waitFor(() => client.closed(), 3000, 'the client to see the close');
    assert.deepEqual(manager.connections(), []);
    const sent = await manager.send(createResponse({ headers: [] }, 200), { transport: 'tcp', host: HOST, port });
    assert.ok(!sent.ok);
    assert.equal(sent.error.code, 'SIP_TRANSPORT_CLOSED');
  });
});
