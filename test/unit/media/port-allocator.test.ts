import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, it } from 'node:test';
import { MediaRelay, PortPairPool, allocatePortPair, engines, err, ok } from './helpers.js';

describe('PortPairPool', () => {
  it('hands out even RTP ports whose RTCP port stays in range, each once', () => {
    const pool = new PortPairPool({ min: 10001, max: 10010 });
    // even ports 10002..10008 (10010 would need RTCP 10011 > max)
    assert.equal(pool.size, 4);
    const got = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const p = pool.take();
      assert.ok(p !== undefined && p % 2 === 0 && p >= 10002 && p + 1 <= 10010);
      got.add(p);
    }
    assert.equal(got.size, 4);
    assert.equal(pool.take(), undefined);
  });

  it('returns released pairs and ignores foreign or double releases', () => {
    const pool = new PortPairPool({ min: 20000, max: 20003 });
    const a = pool.take()!;
    const b = pool.take()!;
    assert.equal(pool.freeCount, 0);
    pool.giveBack(a);
    pool.giveBack(a);
    pool.giveBack(12345);
    assert.equal(pool.freeCount, 1);
    assert.equal(pool.take(), a);
    pool.giveBack(b);
    assert.equal(pool.take(), b);
  });

  it('picks pairs at random', () => {
    const first = new PortPairPool({ min: 30000, max: 30999 }, () => 0.999).take();
    const other = new PortPairPool({ min: 30000, max: 30999 }, () => 0).take();
    assert.notEqual(first, other);
  });
});

describe('allocatePortPair', () => {
  it('skips pairs answered "address in use" and returns them to the pool afterwards', async () => {
    const pool = new PortPairPool({ min: 40000, max: 40005 }, () => 0);
    const tried: number[] = [];
    const r = await allocatePortPair(pool, async (rtp) => {
      tried.push(rtp);
      return tried.length < 3 ? err({ code: 'address-in-use' as const, message: 'busy' }) : ok(rtp);
    });
    assert.ok(r.ok);
    assert.equal(tried.length, 3);
    assert.equal(new Set(tried).size, 3);
    assert.equal(pool.freeCount, 2); // the two busy pairs came back
  });

  it('reports exhaustion as a typed result', async () => {
    const pool = new PortPairPool({ min: 40000, max: 40003 });
    const r = await allocatePortPair(pool, async () => err({ code: 'address-in-use' as const, message: 'busy' }));
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'ports-exhausted');
    assert.equal(pool.freeCount, 2);
  });
});

for (const { engine, skip } of engines()) {
describe(`MediaRelay port allocation with real sockets (${engine} engine)`, { skip }, () => {
  const bindAt = (port: number): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve(s));
    });

  it('allocates even/odd pairs, skips a pair held by another socket, exhausts, and frees on release', async () => {
    // A range of 3 pairs; find a base whose ports are free right now.
    const base = 41000 + 2 * Math.floor(Math.random() * 2000);
    const squatter = await bindAt(base + 2); // holds the RTP port of the middle pair
    const relay = MediaRelay.create({ engine, bindAddress: '127.0.0.1', portRange: { min: base, max: base + 5 } });
    try {
      const s1 = await relay.allocateSession('s1');
      assert.ok(s1.ok, !s1.ok ? s1.error.message : '');
      const p = s1.value.ports;
      for (const leg of [p.a, p.b]) {
        assert.equal(leg.rtp % 2, 0);
        assert.equal(leg.rtcp, leg.rtp + 1);
        assert.notEqual(leg.rtp, base + 2);
      }
      assert.deepEqual(new Set([p.a.rtp, p.b.rtp]), new Set([base, base + 4]));
      const s2 = await relay.allocateSession('s2');
      assert.equal(!s2.ok && s2.error.code, 'ports-exhausted');
      const dup = await relay.allocateSession('s1');
      assert.equal(!dup.ok && dup.error.code, 'duplicate-id');
      await new Promise<void>((r) => squatter.close(() => r()));
      assert.equal(await relay.release('s1'), true);
      assert.equal(await relay.release('s1'), false);
      assert.equal(relay.sessions().length, 0);
      // The released ports can be bound again by anyone: the relay closed its sockets.
      const again = await bindAt(p.a.rtcp!);
      await new Promise<void>((r) => again.close(() => r()));
      const s3 = await relay.allocateSession('s3');
      assert.ok(s3.ok);
    } finally {
      await relay.close();
      try {
        squatter.close();
      } catch {
        // already closed
      }
    }
  });
});
}
