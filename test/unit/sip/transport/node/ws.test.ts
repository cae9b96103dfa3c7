import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TransportEvent, TransportManager } from '../../../../../src/sip/transport/index.js';
import { RecordingUser, openClient, rawOptions, waitFor } from '../../../../support/net.js';

const HOST = '127.0.0.1';

async function wsManager(maxMessageSize?: number) {
  const user = new RecordingUser();
  const events: TransportEvent[] = [];
  const manager = new TransportManager({ listeners: [{ transport: 'ws', host: HOST, port: 0 }], user, maxMessageSize, onEvent: (e) => events.push(e) });
  const r = await manager.start();
  assert.ok(r.ok);
  return { manager, user, events, port: r.value[0].port };
}

describe('WebSocket listener (RFC 7118)', () => {
  for (const protocols of [[], ['foo'], ['sipfoo', 'chat']]) {
    it(`refuses a handshake offering [${protocols.join(', ')}] instead of "sip"`, async () => {
      const { manager, port } = await wsManager();
      try {
        await assert.rejects(openClient('ws', HOST, port, { protocols }), /Unexpected server response: 400/);
        assert.equal(manager.connections().length, 0);
      } finally {
        await manager.stop();
      }
    });
  }

  it('answers the handshake with Sec-WebSocket-Protocol: sip when it is among the offered', async () => {
    const { manager, port } = await wsManager();
    const client = await openClient('ws', HOST, port, { protocols: ['chat', 'sip'] });
    try {
      await waitFor(() => manager.connections().length === 1, 3000, 'the connection');
      assert.equal(manager.connections()[0].transport, 'ws');
    } finally {
      await client.close();
      await manager.stop();
    }
  });

  it('parses a message without Content-Length, one SIP message per WebSocket message', async () => {
    const { manager, user, port } = await wsManager();
    const client = await openClient('ws', HOST, port);
    try {
      client.send(rawOptions({ transport: 'WS', host: 'df7jal23ls0d.invalid', port: 0, omitContentLength: true, branch: 'one' }));
      client.send(Buffer.from(rawOptions({ transport: 'WS', host: 'df7jal23ls0d.invalid', port: 0, body: 'binary frame', branch: 'two' })));
      const first = await user.nextMessage(0);
      const second = await user.nextMessage(1);
      assert.equal(first.message.topVia.branch, 'z9hG4bKone');
      assert.equal(second.message.body.toString(), 'binary frame');
      // §18.2.1: a domain name in sent-by gets a received parameter.
      assert.equal(first.message.topVia.received, HOST);
    } finally {
      await client.close();
      await manager.stop();
    }
  });

  it('answers a CRLF CRLF keep-alive message with CRLF and delivers nothing', async () => {
    const { manager, user, port } = await wsManager();
    const client = await openClient('ws', HOST, port);
    try {
      client.send('\r\n\r\n');
      const pong = await client.nextMessage(0);
      assert.equal(pong.toString(), '\r\n');
      assert.equal(user.messages.length + user.invalid.length, 0);
    } finally {
      await client.close();
      await manager.stop();
    }
  });

  it('closes a connection that sends a message above the maximum size', async () => {
    const { manager, user, port } = await wsManager(2048);
    const client = await openClient('ws', HOST, port);
    try {
      client.send(rawOptions({ transport: 'WS', host: 'x.invalid', port: 0, body: 'y'.repeat(4096) }));
      await waitFor(() => client.closed(), 3000, 'the connection to be closed');
      await waitFor(() => manager.connections().length === 0, 3000, 'the connection to be forgotten');
      assert.equal(user.messages.length, 0);
    } finally {
      await client.close();
      await manager.stop();
    }
  });
});
