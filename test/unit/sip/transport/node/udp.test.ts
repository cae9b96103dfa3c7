import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { TransportManager, type UdpEngine, loadSipUdpAddon, nodeDriver } from '../../../../../src/sip/transport/index.js';
import { RecordingUser, ipv6LoopbackAvailable, openClient, rawOptions, waitFor } from '../../../../support/net.js';

const HOST = '127.0.0.1';
const addon = loadSipUdpAddon();
const driverOptions = (udpEngine: UdpEngine, udpReusePort = false) => ({ recvBufferSize: 1 << 20, maxMessageSize: 65536, connectTimeoutMs: 1000, udpEngine, udpReusePort });

// The same contract on both engines: node:dgram, and the native socket (sip-udp.c) that
// `auto` picks when it is built (CI builds it; without it, these say why they skip).
for (const engine of ['dgram', 'native'] as const) {
  const skip = engine === 'native' && !addon.ok ? addon.reason : false;
  const udp = { udpEngine: engine };

  describe(`UDP listener (${engine})`, { skip }, () => {
    it('asks for the configured receive buffer and reports what the kernel granted, and the engine', async () => {
      const manager = new TransportManager({ listeners: [{ transport: 'udp', host: HOST, port: 0 }], user: new RecordingUser(), udpRecvBufferSize: 256 * 1024, udp });
      assert.ok((await manager.start()).ok);
      try {
        const [sock] = manager.udpSockets();
        assert.equal(sock.local.transport, 'udp');
        assert.equal(sock.engine, engine);
        // Linux doubles the value asked for and clamps it to net.core.rmem_max.
        assert.ok(sock.size === undefined || sock.size > 0);
      } finally {
        await manager.stop();
      }
    });

    it('drops CRLF and STUN keep-alives silently, and reports an oversize datagram as invalid', async () => {
      const user = new RecordingUser();
      const manager = new TransportManager({ listeners: [{ transport: 'udp', host: HOST, port: 0 }], user, maxMessageSize: 1024, udp });
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
        assert.deepEqual([user.messages[0].source.host, user.messages[0].source.port], [HOST, client.localPort]);
      } finally {
        await client.close();
        await manager.stop();
      }
    });

    it('delivers a burst larger than one receive batch whole, in order, each with its own source and length', async () => {
      const got: { text: string; host: string; port: number }[] = [];
      const opened = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port: 0 }, driverOptions(engine), (data, host, port) => got.push({ text: data.toString(), host, port }));
      assert.ok(opened.ok);
      const a = await openClient('udp', HOST, opened.value.local.port);
      const b = await openClient('udp', HOST, opened.value.local.port);
      try {
        // 120 datagrams of different sizes from two sources, sent in one turn: the socket
        // holds them all at once (several recvmmsg batches of 32 on the native engine).
        for (let i = 0; i < 60; i++) {
          a.send(`a${i}:${'x'.repeat(i * 7)}`);
          b.send(`b${i}:${'y'.repeat(700 - i * 7)}`);
        }
        await waitFor(() => got.length === 120, 3000, 'the 120 datagrams');
        const from = (port: number) => got.filter((g) => g.port === port);
        assert.deepEqual(
          from(a.localPort).map((g) => g.text),
          Array.from({ length: 60 }, (_, i) => `a${i}:${'x'.repeat(i * 7)}`),
        );
        assert.deepEqual(
          from(b.localPort).map((g) => g.text),
          Array.from({ length: 60 }, (_, i) => `b${i}:${'y'.repeat(700 - i * 7)}`),
        );
        assert.ok(got.every((g) => g.host === HOST));
      } finally {
        await a.close();
        await b.close();
        await opened.value.close();
      }
    });

    it('sends the datagrams of one turn in order, those sent just before close() still go out, later ones fail', async () => {
      const opened = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port: 0 }, driverOptions(engine), () => undefined);
      assert.ok(opened.ok);
      const endpoint = opened.value;
      const client = await openClient('udp', HOST, 1);
      try {
        const send = (text: string) => new Promise<unknown>((resolve) => endpoint.send(Buffer.from(text), HOST, client.localPort, resolve));
        const results = Array.from({ length: 20 }, (_, i) => send(`datagram ${i}`));
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

    it('reports a send it cannot make (port 0, an IPv6 destination from an IPv4 socket) as a failure', async () => {
      const opened = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port: 0 }, driverOptions(engine), () => undefined);
      assert.ok(opened.ok);
      try {
        const send = (host: string, port: number) => new Promise<{ code: string } | undefined>((resolve) => opened.value.send(Buffer.from('x'), host, port, resolve as never));
        assert.equal((await send(HOST, 0))?.code, 'SIP_TRANSPORT_SEND');
        assert.equal((await send('::1', 5060))?.code, 'SIP_TRANSPORT_SEND');
      } finally {
        await opened.value.close();
      }
    });

    it('names the address when the port is taken', async () => {
      const holder = createSocket('udp4');
      await new Promise<void>((r) => holder.bind(0, HOST, () => r()));
      try {
        const port = holder.address().port;
        const opened = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port }, driverOptions(engine), () => undefined);
        assert.equal(opened.ok, false);
        if (!opened.ok) assert.match(opened.error.message, new RegExp(`cannot listen on udp ${HOST}:${port}: address already in use`));
      } finally {
        holder.close();
      }
    });

    it('receives and answers over IPv6 loopback with the source in canonical form', async (t) => {
      if (!(await ipv6LoopbackAvailable())) {
        t.skip('no IPv6 loopback here');
        return;
      }
      const got: { host: string; port: number }[] = [];
      const opened = await nodeDriver.openDatagram({ transport: 'udp', host: '::1', port: 0 }, driverOptions(engine), (_d, host, port) => got.push({ host, port }));
      assert.ok(opened.ok);
      const client = await openClient('udp', '::1', opened.value.local.port);
      try {
        client.send('hello');
        await waitFor(() => got.length === 1, 3000, 'the datagram');
        assert.deepEqual(got[0], { host: '::1', port: client.localPort });
        await new Promise((resolve) => opened.value.send(Buffer.from('back'), '::1', client.localPort, resolve));
        assert.equal((await client.nextMessage(0)).toString(), 'back');
      } finally {
        await client.close();
        await opened.value.close();
      }
    });
  });
}

describe('UDP listener (native only)', { skip: addon.ok ? false : addon.reason }, () => {
  it('binds one port from several sockets only with SO_REUSEPORT (a worker group), and each one receives', async () => {
    const seen = [0, 0];
    const first = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port: 0 }, driverOptions('native', true), () => seen[0]++);
    assert.ok(first.ok);
    const port = first.value.local.port;
    const second = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port }, driverOptions('native', true), () => seen[1]++);
    const plain = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port }, driverOptions('native', false), () => undefined);
    assert.ok(second.ok);
    assert.equal(plain.ok, false);
    // The kernel spreads flows (source address and port) over the group's sockets.
    const clients = await Promise.all(Array.from({ length: 16 }, () => openClient('udp', HOST, port)));
    try {
      for (const c of clients) c.send('ping');
      await waitFor(() => seen[0] + seen[1] === 16, 3000, 'the 16 datagrams');
      assert.ok(seen[0] > 0 && seen[1] > 0, `both sockets receive (${seen.join(' / ')})`);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await first.value.close();
      await second.value.close();
    }
  });

  it('an IPv4 peer of a dual-stack socket is reported as its IPv4 address', async (t) => {
    if (!(await ipv6LoopbackAvailable())) {
      t.skip('no IPv6 here');
      return;
    }
    const got: string[] = [];
    const opened = await nodeDriver.openDatagram({ transport: 'udp', host: '::', port: 0 }, driverOptions('native'), (_d, host) => got.push(host));
    assert.ok(opened.ok);
    const client = await openClient('udp', HOST, opened.value.local.port);
    try {
      client.send('hello');
      await waitFor(() => got.length === 1, 3000, 'the datagram');
      assert.equal(got[0], HOST);
      // And it is answered at that IPv4 address (sent as ::ffff:127.0.0.1).
      await new Promise((resolve) => opened.value.send(Buffer.from('back'), HOST, client.localPort, resolve));
      assert.equal((await client.nextMessage(0)).toString(), 'back');
    } finally {
      await client.close();
      await opened.value.close();
    }
  });

  it('udp_engine native says why it cannot start when the addon does not load; auto falls back to node:dgram', () => {
    const index = new URL('../../../../../src/sip/transport/index.js', import.meta.url).href;
    const script = `
      const { nodeDriver } = await import(${JSON.stringify(index)});
      const options = (udpEngine) => ({ recvBufferSize: 65536, maxMessageSize: 65536, connectTimeoutMs: 1000, udpEngine });
      const out = [];
      for (const engine of ['native', 'auto']) {
        const r = await nodeDriver.openDatagram({ transport: 'udp', host: '127.0.0.1', port: 0 }, options(engine), () => undefined);
        out.push(r.ok ? r.value.engine : r.error.message);
        if (r.ok) await r.value.close();
      }
      console.log(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, SWITCHBOARD_SIPUDP_ADDON: '/nonexistent/switchboard_sipudp.node' },
    });
    assert.equal(run.status, 0, run.stderr);
    const [native, auto] = JSON.parse(run.stdout) as string[];
    assert.match(native, /^cannot listen on udp 127\.0\.0\.1:0: native SIP UDP socket failed to load from \/nonexistent\/switchboard_sipudp\.node/);
    assert.equal(auto, 'dgram');
  });
});
