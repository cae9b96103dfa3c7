import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from '../../../../src/sip/message/index.js';
import { type FramerEvent, StreamFramer } from '../../../../src/sip/transport/index.js';
import { rawOptions } from '../../../support/net.js';

const withBody = Buffer.from(rawOptions({ transport: 'TCP', host: '127.0.0.1', port: 5060, body: 'hello\r\n\r\nworld' }));
const noBody = Buffer.from(rawOptions({ transport: 'TCP', host: '127.0.0.1', port: 5060, branch: 'second' }));

function messages(events: FramerEvent[]): Buffer[] {
  return events.flatMap((e) => (e.kind === 'message' ? [e.bytes] : []));
}

function feed(framer: StreamFramer, chunks: Buffer[]): FramerEvent[] {
  return chunks.flatMap((c) => framer.push(c));
}

describe('StreamFramer', () => {
  it('frames a message split at every byte boundary', () => {
    const stream = Buffer.concat([withBody, noBody]);
    for (let i = 0; i <= stream.length; i++) {
      const framer = new StreamFramer();
      const out = messages(feed(framer, [stream.subarray(0, i), stream.subarray(i)]));
      assert.equal(out.length, 2, `split at ${i}`);
      assert.deepEqual(out[0], withBody, `split at ${i}`);
      assert.deepEqual(out[1], noBody, `split at ${i}`);
      assert.equal(framer.pendingBytes, 0);
    }
  });

  it('frames a stream fed one byte at a time', () => {
    const stream = Buffer.concat([withBody, noBody, withBody]);
    const framer = new StreamFramer();
    const chunks = [...stream].map((b) => Buffer.from([b]));
    const out = messages(feed(framer, chunks));
    assert.deepEqual(out, [withBody, noBody, withBody]);
  });

  it('yields two messages from one chunk, each parseable as a stream message', () => {
    const framer = new StreamFramer();
    const out = messages(framer.push(Buffer.concat([withBody, noBody])));
    assert.equal(out.length, 2);
    const first = parse(out[0], { datagram: false });
    assert.ok(first.ok);
    assert.equal(first.message.body.toString(), 'hello\r\n\r\nworld');
    const second = parse(out[1], { datagram: false });
    assert.ok(second.ok);
    assert.equal(second.message.topVia.branch, 'z9hG4bKsecond');
  });

  it('waits for a body that arrives in pieces', () => {
    const framer = new StreamFramer();
    const headEnd = withBody.indexOf('\r\n\r\n') + 4;
    assert.deepEqual(framer.push(withBody.subarray(0, headEnd)), []);
    assert.deepEqual(framer.push(withBody.subarray(headEnd, headEnd + 3)), []);
    assert.equal(framer.pendingBytes, headEnd + 3);
    const out = messages(framer.push(withBody.subarray(headEnd + 3)));
    assert.deepEqual(out, [withBody]);
  });

  it('answers a CRLF CRLF keep-alive ping and skips single CRLFs between messages', () => {
    const framer = new StreamFramer();
    assert.deepEqual(framer.push(Buffer.from('\r\n\r\n')), [{ kind: 'ping' }]);
    assert.deepEqual(framer.push(Buffer.from('\r')), []);
    assert.deepEqual(framer.push(Buffer.from('\n\r\n')), [{ kind: 'ping' }]);
    const events = framer.push(Buffer.concat([Buffer.from('\r\n'), noBody, Buffer.from('\r\n\r\n'), withBody]));
    assert.deepEqual(
      events.map((e) => e.kind),
      ['message', 'ping', 'message'],
    );
    assert.deepEqual(messages(events), [noBody, withBody]);
  });

  it('takes a missing Content-Length as 0 and accepts the compact form l', () => {
    const framer = new StreamFramer();
    const noLength = Buffer.from(rawOptions({ transport: 'TCP', host: '127.0.0.1', port: 5060, omitContentLength: true }));
    const compact = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabc');
    const out = messages(framer.push(Buffer.concat([noLength, compact])));
    assert.deepEqual(out, [noLength, compact]);
  });

  it('accepts a repeated equal Content-Length and a folded one', () => {
    const framer = new StreamFramer();
    const twice = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2\r\nContent-Length:2\r\n\r\nab');
    const folded = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n 1\r\n\r\nx');
    assert.deepEqual(messages(framer.push(Buffer.concat([twice, folded]))), [twice, folded]);
  });

  for (const [name, header] of [
    ['conflicting', 'Content-Length: 2\r\nl: 3'],
    ['negative', 'Content-Length: -1'],
    ['non-numeric', 'Content-Length: ten'],
    ['list-valued', 'Content-Length: 1, 1'],
  ] as const) {
    it(`fails on a ${name} Content-Length and frames nothing more`, () => {
      const framer = new StreamFramer();
      const events = framer.push(Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\n${header}\r\n\r\nabc`));
      assert.equal(events.length, 1);
      assert.equal(events[0].kind, 'error');
      assert.ok(framer.failed);
      assert.deepEqual(framer.push(noBody), []);
      assert.equal(framer.pendingBytes, 0);
    });
  }

  it('fails when the header section is not terminated within the maximum size', () => {
    const framer = new StreamFramer({ maxMessageSize: 1024 });
    const line = Buffer.from('X-Filler: ' + 'a'.repeat(90) + '\r\n');
    let events: FramerEvent[] = framer.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n'));
    for (let i = 0; i < 20 && events.length === 0; i++) events = framer.push(line);
    assert.equal(events.length, 1);
    assert.equal(events[0].kind, 'error');
    assert.match((events[0] as { reason: string }).reason, /not terminated/);
  });

  it('fails when the Content-Length exceeds the maximum size, before the body arrives', () => {
    const framer = new StreamFramer({ maxMessageSize: 1024 });
    const events = framer.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2000\r\n\r\n'));
    assert.deepEqual(
      events.map((e) => e.kind),
      ['error'],
    );
    assert.match((events[0] as { reason: string }).reason, /Content-Length exceeds/);
  });

  it('accepts a message of exactly the maximum size', () => {
    const framer = new StreamFramer({ maxMessageSize: withBody.length });
    assert.deepEqual(messages(framer.push(withBody)), [withBody]);
  });

  it('holds garbage without an empty line as pending bytes until the connection closes', () => {
    const framer = new StreamFramer();
    const garbage = Buffer.from('\x16\x03\x01 garbage without any line end');
    assert.deepEqual(framer.push(garbage), []);
    assert.equal(framer.pendingBytes, garbage.length);
    assert.ok(!framer.failed);
  });

  it('frames garbage that has an empty line; parsing it then fails', () => {
    const framer = new StreamFramer();
    const out = messages(framer.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
    assert.equal(out.length, 1);
    assert.equal(parse(out[0], { datagram: false }).ok, false);
  });

  it('frames any chunking of a message stream the same way (property)', () => {
    const stream = Buffer.concat([withBody, Buffer.from('\r\n'), noBody, withBody]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
        const chunks = points.slice(1).map((p, i) => stream.subarray(points[i], p));
        const out = messages(feed(new StreamFramer(), chunks));
        assert.deepEqual(out, [withBody, noBody, withBody]);
      }),
      { numRuns: 200 },
    );
  });
});
