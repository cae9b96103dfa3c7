import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransportManager, nodeDriver } from '../../../../../src/sip/transport/index.js';
import { RecordingUser, openClient, rawOptions, waitFor } from '../../../../support/net.js';

const HOST = '127.0.0.1';

describe('UDP listener', () => {
  it('asks for the configured receive buffer and reports what the kernel granted', async () => {
    const manager = new TransportManager({ listeners: [{ transport: 'udp', host: HOST, port: 0 }], user: new RecordingUser(), udpRecvBufferSize: 256 * 1024 });
    assert.ok((await manager.start()).ok);
    try {
      const [buf] = manager.udpReceiveBuffers();
      assert.equal(buf.local.transport, 'udp');
      // Linux doubles the value asked for and clamps it to net.core.rmem_max.
      assert.ok(buf.size === undefined || buf.size > 0);
    } finally {
      await manager.stop();
    }
  });

  it('drops CRLF and STUN keep-alives silently, and reports an oversize datagram as invalid', async () => {
    const user = new RecordingUser();
    const manager = new TransportManager({ listeners: [{ transport: 'udp', host: HOST, port: 0 }], user, maxMessageSize: 1024 });
    const r = await manager.start();
    assert.ok(r.ok);
    const client = await openClient('udp', HOST, r.value[0].port);
    try {
      client.send('\r\n\r\n');
      const stun = Buffer.alloc(20);
      stun.writeUInt16BE(0x0001, 0); // Binding request
      stun.writeUInt32BE(0x2112a442, 4);
      client.send(stun);
      client.send(rawOptions({ transport: 'UDP', host: HOST, port: client.localPort, body: 'z'.repeat(2000) }));
      client.send(rawOptions({ transport: 'UDP', host: HOST, port: client.localPort }));
      await user.nextMessage(0);
      await waitFor(() => user.invalid.length === 1, 3000, 'the oversize datagram');
      assert.equal(user.invalid[0].error.status, 513);
      assert.equal(user.messages.length, 1);
    } finally {
      await client.close();
      await manager.stop();
    }
  });

  it('sends the datagrams of one turn in order, and those sent just before close() still go out', async () => {
    const opened = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port: 0 }, { recvBufferSize: 65536, maxMessageSize: 65536, connectTimeoutMs: 1000 }, () => undefined);
    assert.ok(opened.ok);
    const endpoint = opened.value;
    const client = await openClient('udp', HOST, 1);
    try {
      const send = (text: string) => new Promise<unknown>((resolve) => endpoint.send(Buffer.from(text), HOST, client.localPort, resolve));
      const results = Array.from({ length: 20 }, (_, i) => send(`datagram ${i}`));
      // Queued until the end of this turn: nothing has reached the kernel yet, and close()
      // hands the queue over before the socket goes.
      await endpoint.close();
      assert.deepEqual(await Promise.all(results), Array(20).fill(undefined));
      await waitFor(() => client.messages.length === 20, 3000, 'the 20 datagrams');
      assert.deepEqual(
        client.messages.map((m) => m.toString()),
        Array.from({ length: 20 }, (_, i) => `datagram ${i}`),
      );
      const late = (await send('after close')) as { code: string } | undefined;
      assert.equal(late?.code, 'SIP_TRANSPORT_CLOSED');
    } finally {
      await client.close();
    }
  });
});
