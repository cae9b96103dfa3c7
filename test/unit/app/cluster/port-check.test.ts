import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { udpPortsInUse } from '../../../../src/app/cluster/port-check.js';
import { loadSipUdpAddon, nodeDriver } from '../../../../src/sip/transport/index.js';

const HOST = '127.0.0.1';
const addon = loadSipUdpAddon();

describe('worker group: UDP ports checked free before the workers bind them with SO_REUSEPORT', () => {
  it('a free port passes, and is free again afterwards', async () => {
    const probe = createSocket('udp4');
    await new Promise<void>((r) => probe.bind(0, HOST, () => r()));
    const port = probe.address().port;
    await new Promise<void>((r) => probe.close(() => r()));
    assert.deepEqual(await udpPortsInUse([{ host: HOST, port }]), []);
    assert.deepEqual(await udpPortsInUse([{ host: HOST, port }]), []);
    // Port 0 means a fresh port each time: nothing to check.
    assert.deepEqual(await udpPortsInUse([{ host: HOST, port: 0 }]), []);
  });

  it('a port another process holds is named', async () => {
    const holder = createSocket('udp4');
    await new Promise<void>((r) => holder.bind(0, HOST, () => r()));
    try {
      const port = holder.address().port;
      assert.deepEqual(await udpPortsInUse([{ host: HOST, port }]), [`cannot listen on udp ${HOST}:${port}: address already in use (EADDRINUSE)`]);
    } finally {
      holder.close();
    }
  });

  it('so is a port held with SO_REUSEPORT (another worker group), which the workers could otherwise join', { skip: addon.ok ? false : addon.reason }, async () => {
    const options = { recvBufferSize: 65536, maxMessageSize: 65536, connectTimeoutMs: 1000, udpEngine: 'native' as const, udpReusePort: true };
    const group = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port: 0 }, options, () => undefined);
    assert.ok(group.ok);
    try {
      const port = group.value.local.port;
      // A socket with SO_REUSEPORT would be let in…
      const joiner = await nodeDriver.openDatagram({ transport: 'udp', host: HOST, port }, options, () => undefined);
      assert.ok(joiner.ok);
      await joiner.value.close();
      // …so the supervisor's plain bind is what tells it is taken.
      assert.equal((await udpPortsInUse([{ host: HOST, port }])).length, 1);
    } finally {
      await group.value.close();
    }
  });
});
