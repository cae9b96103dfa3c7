/**
 * The ng backend on the real media session controller and relay: driven over UDP by the
 * benchmark's ng client (/work/shared/bench/rtp-relay/ng-setup.js, a child process), plus
 * query/list/delete results, error replies and deletion on media timeout.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock, systemClock } from '../../../src/lib/index.js';
import { MediaSessionNgBackend, type NgDeleteRequest, type NgOfferRequest, NgProtocol, NgServer, parseOffer } from '../../../src/ng/index.js';
import { controller, sdp } from '../media-session/helpers.js';

const NG_SETUP = '/work/shared/bench/rtp-relay/ng-setup.js';

function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stderr: String(stderr) });
    });
  });
}

const source = { host: '127.0.0.1', port: 5060 };

function offerRequest(callId: string, fromTag: string, body: string): NgOfferRequest {
  const dict = new Map<string, Buffer>([
    ['call-id', Buffer.from(callId)],
    ['from-tag', Buffer.from(fromTag)],
    ['sdp', Buffer.from(body)],
  ]);
  const r = parseOffer(dict, source);
  assert.ok(r.ok);
  return r.value;
}

const deleteRequest = (callId: string, fromTag?: string): NgDeleteRequest => ({ callId, ...(fromTag === undefined ? {} : { fromTag }), fatal: false, ignored: [], source });

describe('MediaSessionNgBackend over UDP', () => {
  const { relay, sessions } = controller(systemClock, { pairs: 8 });
  const backend = new MediaSessionNgBackend({ sessions });
  const server = new NgServer(new NgProtocol({ backend, clock: systemClock }));
  let port = 0;
  let dir = '';
  const free = relay.freePortPairs;

  before(async () => {
    const r = await server.listen('127.0.0.1', 0);
    assert.ok(r.ok, r.ok ? '' : r.error);
    port = r.value.port;
    dir = mkdtempSync(join(tmpdir(), 'ng-media-test-'));
  });

  after(async () => {
    await server.close();
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets up, queries and deletes the benchmark client calls on relay ports', { skip: !existsSync(NG_SETUP) && `${NG_SETUP} not present` }, async () => {
    const out = join(dir, 'map.txt');
    const setup = await runNode([NG_SETUP, '--ng', `127.0.0.1:${port}`, '--calls', '3', '--eps', '8', '--out', out], 15000);
    assert.equal(setup.code, 0, `ng-setup failed: ${setup.stderr}`);
    assert.equal(relay.freePortPairs, free - 6);

    // Map file: "<port A sends to (answer SDP)> <port B sends to (offer SDP)>" = relay A/B ports.
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3);
    lines.forEach((line, i) => {
      const s = relay.get(`bench-${i}#m0`);
      assert.ok(s, `relay session of bench-${i}`);
      assert.equal(line, `${s.ports.a.rtp} ${s.ports.b.rtp}`);
    });

    const q = await backend.query({ callId: 'bench-1', source });
    assert.equal(q.result, 'ok');
    if (q.result === 'ok') {
      assert.deepEqual(q.value.tags.map((t) => [t.tag, t.inDialogueWith]), [['a1', 'b1'], ['b1', 'a1']]);
      const media = q.value.tags[0].medias[0];
      assert.equal(media.codec, 'PCMU/8000');
      assert.equal(media.streams[0].localPort, relay.get('bench-1#m0')!.ports.a.rtp);
      assert.deepEqual(media.streams[0].advertisedEndpoint, { address: '127.0.0.1', port: 20002 });
      assert.equal(media.streams[1].kind, 'rtcp');
    }
    assert.deepEqual((await backend.list(10)).sort(), ['bench-0', 'bench-1', 'bench-2']);
    assert.deepEqual(await backend.list(1), ['bench-0']);

    const del = await runNode([NG_SETUP, '--ng', `127.0.0.1:${port}`, '--calls', '3', '--delete'], 15000);
    assert.equal(del.code, 0, `ng-setup --delete failed: ${del.stderr}`);
    assert.deepEqual(sessions.list(), []);
    assert.equal(relay.freePortPairs, free);
  });

  it('answers errors as ng errors', async () => {
    const bad = await backend.offer(offerRequest('e1', 'x', 'v=0\r\nm=audio abc RTP/AVP 0\r\n'));
    assert.equal(bad.result, 'error');
    const none = await backend.offer(offerRequest('e2', 'x', sdp({ port: 4000, codecs: ['3 GSM/8000'] })));
    assert.deepEqual(none, { result: 'error', errorReason: 'Incompatible media format' });
    assert.equal((await backend.query({ callId: 'e1', source })).result, 'error');
    assert.equal((await backend.delete(deleteRequest('e1'))).result, 'error');

    const ok = await backend.offer(offerRequest('e3', 'x', sdp({ port: 4000, codecs: ['0 PCMU/8000'] })));
    assert.equal(ok.result, 'ok');
    assert.equal((await backend.delete(deleteRequest('e3', 'other'))).result, 'error', 'a tag not in the call');
    const gone = await backend.delete(deleteRequest('e3', 'x'));
    assert.equal(gone.result, 'ok');
    if (gone.result === 'ok') assert.equal(gone.value.stats?.tags[0].tag, 'x');
    assert.equal(sessions.has('e3'), false);
  });
});

describe('MediaSessionNgBackend timeouts', () => {
  it('deletes a call set up through ng when its media times out', async () => {
    const clock = new ManualClock();
    const { relay, sessions } = controller(clock, { mediaTimeoutMs: 1000 });
    const backend = new MediaSessionNgBackend({ sessions });
    try {
      const r = await backend.offer(offerRequest('t1', 'a', sdp({ port: 4000, codecs: ['0 PCMU/8000'] })));
      assert.equal(r.result, 'ok');
      const direct = await sessions.offer({ callId: 't2', fromTag: 'a', sdp: sdp({ port: 4000, codecs: ['0 PCMU/8000'] }) });
      assert.ok(direct.ok);
      clock.advance(1000);
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 20 && sessions.has('t1'); i++) await new Promise((resolve) => setTimeout(resolve, 5));
      assert.equal(sessions.has('t1'), false, 'the ng call is deleted');
      assert.equal(sessions.has('t2'), true, 'a call of another user of the controller is left to it');
    } finally {
      await relay.close();
    }
  });
});
