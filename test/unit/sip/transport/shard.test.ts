/**
 * Call affinity in a worker group (shard.ts): the Call-ID is found in raw datagrams however
 * it is spelled, every message of a call maps to one worker, forwarded frames carry the
 * source address and are refused without the group's key, and the TransportManager hands a
 * datagram it does not own to the owner, which sees it as if it had read it itself.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { restrictCallIds, newCallId } from '../../../../src/lib/index.js';
import {
  SHARD_KEY_BYTES,
  ShardRouter,
  TransportManager,
  decodeForward,
  encodeForward,
  findCallId,
  ownerOf,
  shardOfCallId,
} from '../../../../src/sip/transport/index.js';
import { RecordingUser } from '../../../support/net.js';

const KEY = randomBytes(SHARD_KEY_BYTES);

function message(startLine: string, headers: string[], body = ''): Buffer {
  return Buffer.from(`${startLine}\r\n${headers.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 'latin1');
}

function callIdText(data: Buffer): string | undefined {
  const at = findCallId(data);
  return at === undefined ? undefined : data.toString('latin1', at.start, at.end);
}

describe('findCallId', () => {
  const via = 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1';
  it('reads the long form in any case, with whitespace around the colon and the value', () => {
    assert.equal(callIdText(message('INVITE sip:b@x SIP/2.0', [via, 'Call-ID: abc@192.0.2.1'])), 'abc@192.0.2.1');
    assert.equal(callIdText(message('INVITE sip:b@x SIP/2.0', [via, 'call-id:abc'])), 'abc');
    assert.equal(callIdText(message('INVITE sip:b@x SIP/2.0', [via, 'CALL-ID \t:  abc  '])), 'abc');
  });
  it('reads the compact form i (RFC 3261 §7.3.3)', () => {
    assert.equal(callIdText(message('BYE sip:b@x SIP/2.0', ['v: SIP/2.0/UDP h', 'i: xyz'])), 'xyz');
    assert.equal(callIdText(message('BYE sip:b@x SIP/2.0', ['v: SIP/2.0/UDP h', 'I :xyz'])), 'xyz');
  });
  it('is not fooled by Call-Info, by a start line or by a Call-ID in the body', () => {
    assert.equal(callIdText(message('INVITE sip:b@x SIP/2.0', [via, 'Call-Info: <http://x>', 'Call-ID: real'])), 'real');
    assert.equal(callIdText(message('MESSAGE sip:b@x SIP/2.0', [via], 'Call-ID: in-body\r\n')), undefined);
    assert.equal(callIdText(Buffer.from('Call-ID: first-line\r\n\r\n')), undefined);
  });
  it('answers undefined for keep-alives, garbage and an empty value', () => {
    assert.equal(findCallId(Buffer.from('\r\n\r\n')), undefined);
    assert.equal(findCallId(randomBytes(300).fill(0x41)), undefined);
    assert.equal(findCallId(message('INVITE sip:b@x SIP/2.0', [via, 'Call-ID:   '])), undefined);
    assert.equal(findCallId(Buffer.alloc(0)), undefined);
  });
});

describe('ownerOf', () => {
  it('maps every message of a call to one worker: INVITE, retransmission, CANCEL, ACK, responses, BYE', () => {
    for (let n = 0; n < 50; n++) {
      const id = `call-${n}@198.51.100.7`;
      const owners = new Set([
        ownerOf(message('INVITE sip:b@x SIP/2.0', ['Via: SIP/2.0/UDP a;branch=z9hG4bK1', `Call-ID: ${id}`]), 4),
        ownerOf(message('CANCEL sip:b@x SIP/2.0', ['Via: SIP/2.0/UDP a;branch=z9hG4bK1', `call-id: ${id}`]), 4),
        ownerOf(message('SIP/2.0 180 Ringing', ['Via: SIP/2.0/UDP p;branch=z9hG4bKp', 'Via: SIP/2.0/UDP a;branch=z9hG4bK1', `Call-ID:${id}`]), 4),
        ownerOf(message('ACK sip:b@x SIP/2.0', ['v: SIP/2.0/UDP a;branch=z9hG4bK2', `i: ${id}`]), 4),
        ownerOf(message('BYE sip:a@y SIP/2.0', ['Via: SIP/2.0/UDP b;branch=z9hG4bK3', `CALL-ID: ${id}`]), 4),
      ]);
      assert.equal(owners.size, 1, id);
      assert.equal([...owners][0], shardOfCallId(id, 4));
    }
  });
  it('spreads calls evenly over the workers', () => {
    const counts = [0, 0, 0, 0];
    for (let n = 0; n < 8000; n++) counts[shardOfCallId(`${n}-4242@127.0.0.1`, 4)]++;
    for (const c of counts) assert.ok(c > 1600 && c < 2400, JSON.stringify(counts));
  });
});

describe('forward frames', () => {
  const data = message('OPTIONS sip:x SIP/2.0', ['Call-ID: f']);
  it('carry the listener, the source address and the datagram unchanged', () => {
    for (const host of ['192.0.2.9', '2001:db8::1']) {
      const f = decodeForward(KEY, encodeForward(KEY, { listener: 3, host, port: 50999, data }));
      assert.deepEqual(f && { ...f, data: Buffer.from(f.data) }, { listener: 3, host, port: 50999, data });
    }
  });
  it('are refused without the group key, truncated, or not frames at all', () => {
    const frame = encodeForward(KEY, { listener: 0, host: '192.0.2.9', port: 5060, data });
    assert.equal(decodeForward(randomBytes(SHARD_KEY_BYTES), frame), undefined);
    assert.equal(decodeForward(KEY, frame.subarray(0, 20)), undefined);
    assert.equal(decodeForward(KEY, data), undefined);
    const badHost = Buffer.from(frame);
    badHost[4 + SHARD_KEY_BYTES + 3] = 250; // host length beyond the frame
    assert.equal(decodeForward(KEY, badHost.subarray(0, 4 + SHARD_KEY_BYTES + 4 + 5)), undefined);
  });
});

describe('ShardRouter', () => {
  /** Two routers wired to each other in memory; `down` makes worker 1 unreachable. */
  function pair(o: { down?: boolean; otherKey?: boolean } = {}) {
    const got: { worker: number; host: string; port: number; text: string }[] = [];
    const routers: ShardRouter[] = [];
    for (const index of [0, 1]) {
      const key = o.otherKey === true && index === 1 ? randomBytes(SHARD_KEY_BYTES) : KEY;
      const r = new ShardRouter({ index, count: 2, key, send: (to, frame) => (o.down === true && to === 1 ? false : (routers[to].onFrame(frame), true)) });
      r.setReceiver((f) => got.push({ worker: index, host: f.host, port: f.port, text: f.data.toString('latin1') }));
      routers.push(r);
    }
    return { routers, got };
  }
  const owned = (worker: number): string => {
    for (let n = 0; ; n++) if (shardOfCallId(`c${n}`, 2) === worker) return `c${n}`;
  };

  it('keeps what it owns or cannot attribute, and hands the rest to its owner with the source', () => {
    const { routers, got } = pair();
    assert.equal(routers[0].forward(0, message('INVITE sip:b@x SIP/2.0', [`Call-ID: ${owned(0)}`]), '192.0.2.1', 5060), false);
    assert.equal(routers[0].forward(0, Buffer.from('garbage'), '192.0.2.1', 5060), false);
    const theirs = message('INVITE sip:b@x SIP/2.0', [`Call-ID: ${owned(1)}`]);
    assert.equal(routers[0].forward(0, theirs, '192.0.2.1', 5062), true);
    assert.deepEqual(got, [{ worker: 1, host: '192.0.2.1', port: 5062, text: theirs.toString('latin1') }]);
    assert.deepEqual(routers[0].stats(), { forwarded: 1, unreachable: 0, received: 0, refused: 0 });
    assert.deepEqual(routers[1].stats(), { forwarded: 0, unreachable: 0, received: 1, refused: 0 });
  });
  it('drops what belongs to an unreachable worker (UDP peers retransmit) and refuses foreign frames', () => {
    const down = pair({ down: true });
    assert.equal(down.routers[0].forward(0, message('BYE sip:b@x SIP/2.0', [`Call-ID: ${owned(1)}`]), '192.0.2.1', 5060), true);
    assert.deepEqual(down.got, []);
    assert.equal(down.routers[0].stats().unreachable, 1);
    const foreign = pair({ otherKey: true });
    assert.equal(foreign.routers[0].forward(0, message('BYE sip:b@x SIP/2.0', [`Call-ID: ${owned(1)}`]), '192.0.2.1', 5060), true);
    assert.deepEqual(foreign.got, []);
    assert.equal(foreign.routers[1].stats().refused, 1);
  });
});

describe('Call-IDs of a worker', () => {
  it('are only ones it owns while restricted, and any again afterwards', () => {
    restrictCallIds((id) => shardOfCallId(id, 3) === 2);
    try {
      for (let n = 0; n < 200; n++) assert.equal(shardOfCallId(newCallId(), 3), 2);
      for (let n = 0; n < 50; n++) assert.equal(shardOfCallId(newCallId('192.0.2.1'), 3), 2);
    } finally {
      restrictCallIds(undefined);
    }
    const owners = new Set(Array.from({ length: 200 }, () => shardOfCallId(newCallId(), 3)));
    assert.equal(owners.size, 3);
  });
  it('a filter that accepts nothing is a bug, reported instead of looping forever', () => {
    restrictCallIds(() => false);
    try {
      assert.throws(() => newCallId(), /accepted none/);
    } finally {
      restrictCallIds(undefined);
    }
  });
});

describe('TransportManager with a shard', () => {
  it('hands a datagram of another worker\'s call to it, which sees the real source and its own listener', async () => {
    const users = [new RecordingUser(), new RecordingUser()];
    const routers: ShardRouter[] = [];
    for (const index of [0, 1]) routers.push(new ShardRouter({ index, count: 2, key: KEY, send: (to, frame) => (routers[to].onFrame(frame), true) }));
    const managers = [0, 1].map((i) => new TransportManager({ listeners: [{ transport: 'udp', host: '127.0.0.1', port: 0 }], user: users[i], shard: routers[i] }));
    const ports: number[] = [];
    for (const m of managers) {
      const r = await m.start();
      assert.ok(r.ok);
      ports.push(r.value[0].port);
    }
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    try {
      const ids = [0, 1].map((w) => {
        for (let n = 0; ; n++) if (shardOfCallId(`t${n}@h`, 2) === w) return `t${n}@h`;
      });
      // Both datagrams reach worker 0's socket (as the kernel may hand anything to anyone).
      for (const id of ids) {
        client.send(message('OPTIONS sip:x@127.0.0.1 SIP/2.0', [`Via: SIP/2.0/UDP 127.0.0.1:${client.address().port};branch=z9hG4bK${id.length}`, 'From: <sip:a@h>;tag=1', 'To: <sip:x@h>', `Call-ID: ${id}`, 'CSeq: 1 OPTIONS', 'Max-Forwards: 70']), ports[0], '127.0.0.1');
      }
      const mine = await users[0].nextMessage(0);
      const theirs = await users[1].nextMessage(0);
      assert.equal(mine.message.callId, ids[0]);
      assert.equal(theirs.message.callId, ids[1]);
      assert.deepEqual(theirs.source, { transport: 'udp', host: '127.0.0.1', port: client.address().port });
      assert.equal(theirs.local.port, ports[1], 'delivered on the owner\'s listener of the same index');
      assert.equal(users[0].messages.length, 1);
    } finally {
      client.close();
      for (const m of managers) await m.stop();
    }
  });
});
