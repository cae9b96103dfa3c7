/**
 * The UDP ng server on loopback: driven by the benchmark's real ng client
 * (/work/shared/bench/rtp-relay/ng-setup.js, run as a child process), plus ping and a wire-level
 * retransmission, and listen errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../../src/lib/index.js';
import { NgProtocol, NgServer } from '../../../src/ng/index.js';
import { datagram, plain, readReply } from './ng-test-helpers.js';
import { RecordingNgBackend } from './recording-ng-backend.js';

const NG_SETUP = '/work/shared/bench/rtp-relay/ng-setup.js';

function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

/** Sends one datagram and collects replies for `waitMs` (bounded). */
function exchange(port: number, packets: Buffer[], expect: number, waitMs = 2000): Promise<Buffer[]> {
  const sock: Socket = createSocket('udp4');
  const got: Buffer[] = [];
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      sock.close();
      resolve(got);
    };
    const timer = setTimeout(finish, waitMs);
    sock.on('message', (m) => {
      got.push(m);
      if (got.length >= expect) finish();
    });
    for (const p of packets) sock.send(p, port, '127.0.0.1');
  });
}

describe('ng UDP server', () => {
  const backend = new RecordingNgBackend(41000);
  const server = new NgServer(new NgProtocol({ backend, clock: systemClock }));
  let port = 0;
  let dir = '';

  before(async () => {
    const r = await server.listen('127.0.0.1', 0);
    assert.ok(r.ok, r.ok ? '' : r.error);
    port = r.value.port;
    dir = mkdtempSync(join(tmpdir(), 'ng-server-test-'));
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets up and deletes calls for the benchmark ng client (ng-setup.js)', { skip: !existsSync(NG_SETUP) && `${NG_SETUP} not present` }, async () => {
    const out = join(dir, 'map.txt');
    const setup = await runNode([NG_SETUP, '--ng', `127.0.0.1:${port}`, '--calls', '3', '--eps', '8', '--out', out], 15000);
    assert.equal(setup.code, 0, `ng-setup failed: ${setup.stderr}`);

    // Backend saw one offer and one answer per call, with the client's fields.
    assert.equal(backend.offers.length, 3);
    assert.equal(backend.answers.length, 3);
    for (let i = 0; i < 3; i++) {
      const o = backend.offers.find((x) => x.callId === `bench-${i}`);
      assert.ok(o, `offer for bench-${i}`);
      assert.equal(o.fromTag, `a${i}`);
      assert.deepEqual([...o.replace], ['origin']);
      assert.match(o.sdp, new RegExp(`^m=audio ${20000 + ((2 * i) % 8)} RTP/AVP 0\\r$`, 'm'));
      const a = backend.answers.find((x) => x.callId === `bench-${i}`);
      assert.ok(a);
      assert.equal(a.fromTag, `a${i}`);
      assert.equal(a.toTag, `b${i}`);
      assert.match(a.sdp, new RegExp(`^m=audio ${20000 + ((2 * i + 1) % 8)} `, 'm'));
    }

    // Map file: per call "<port A sends to (answer SDP)> <port B sends to (offer SDP)>".
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    const allocated = new Set(backend.ports);
    lines.forEach((line, i) => {
      const call = backend.calls.get(`bench-${i}`);
      assert.ok(call);
      assert.equal(line, `${call.answerPort} ${call.offerPort}`);
      for (const p of line.split(' ').map(Number)) assert.ok(allocated.has(p), `port ${p} came from the backend`);
    });

    const del = await runNode([NG_SETUP, '--ng', `127.0.0.1:${port}`, '--calls', '3', '--delete'], 15000);
    assert.equal(del.code, 0, `ng-setup --delete failed: ${del.stderr}`);
    assert.deepEqual(backend.deletes.map((d) => d.callId).sort(), ['bench-0', 'bench-1', 'bench-2']);
    for (const d of backend.deletes) assert.equal(d.fromTag, `a${d.callId.slice('bench-'.length)}`);
    assert.equal(backend.calls.size, 0);
  });

  it('answers ping, and a retransmitted request twice with one execution', async () => {
    const [pong] = await exchange(port, [Buffer.from('p1 d7:command4:pinge')], 1);
    assert.equal(pong?.toString(), 'p1 d6:result4:ponge');

    const before = backend.offers.length;
    const offer = datagram('rt-1', { command: 'offer', 'call-id': 'wire-rt', 'from-tag': 'x', sdp: 'v=0\r\nm=audio 9 RTP/AVP 0\r\n' });
    const replies = await exchange(port, [offer, offer], 2);
    assert.equal(replies.length, 2);
    assert.deepEqual(replies[0], replies[1]);
    assert.equal(plain(readReply(replies[0]).dict.get('result')), 'ok');
    assert.equal(backend.offers.length, before + 1);
  });

  it('drops a datagram without a cookie (no reply)', async () => {
    const replies = await exchange(port, [Buffer.from('d7:command4:pinge')], 1, 300);
    assert.equal(replies.length, 0);
  });

  it('reports listen errors as results', async () => {
    const other = new NgServer(new NgProtocol({ backend, clock: systemClock }));
    const bad = await other.listen('not-an-ip', 0);
    assert.equal(bad.ok, false);
    const busy = await other.listen('127.0.0.1', port);
    assert.equal(busy.ok, false);
    if (!busy.ok) assert.match(busy.error, /cannot listen/);
    await other.close();
  });
});
