import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { type BranchEvents, ResponseContext, type Target } from '../../../src/proxy/index.js';
import { type SipRequest, type SipResponse, createResponse, parse, parseUri } from '../../../src/sip/message/index.js';

function invite(method = 'INVITE'): SipRequest {
  const r = parse(
    Buffer.from(
      `${method} sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-up\r\nFrom: <sip:alice@example.com>;tag=a\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
    ),
  );
  assert.ok(r.ok);
  return r.message as SipRequest;
}

const target = (n: number, q = 1): Target => ({ uri: parseUri(`sip:bob@10.0.0.${n}`)!, q, destination: { transport: 'udp', host: `10.0.0.${n}`, port: 5060 } });

function harness(groups: Target[][], method = 'INVITE', timerCMs = 181_000) {
  const clock = new ManualClock();
  const request = invite(method);
  const upstream: SipResponse[] = [];
  const branches: { target: Target; events: BranchEvents; cancelled: number }[] = [];
  let finished = 0;
  const ctx = new ResponseContext(request, groups, {
    clock,
    timerCMs,
    finished: () => void finished++,
    respond: (r) => upstream.push(r),
    startBranch: (t, events) => {
      const b = { target: t, events, cancelled: 0 };
      branches.push(b);
      return { cancel: () => void b.cancelled++ };
    },
  });
  ctx.start();
  const reply = (i: number, status: number, extra: Array<[string, string]> = []) =>
    branches[i].events.response(createResponse(request, status, { toTag: `t${i}`, headers: extra }));
  return { ctx, clock, upstream, branches, reply, finished: () => finished };
}

describe('ResponseContext (RFC 3261 §16.7)', () => {
  it('forks a q group in parallel, forwards provisionals at once, and the 2xx; CANCELs the rest', () => {
    const h = harness([[target(1), target(2)]]);
    assert.equal(h.branches.length, 2);
    h.reply(0, 100);
    h.reply(0, 180);
    h.reply(1, 183);
    assert.deepEqual(h.upstream.map((r) => r.status), [180, 183], '100 is not forwarded (step 5)');
    h.reply(1, 200);
    assert.deepEqual(h.upstream.map((r) => r.status), [180, 183, 200]);
    assert.equal(h.branches[0].cancelled, 1, 'the ringing branch is cancelled after the 2xx');
    h.reply(0, 487);
    assert.equal(h.upstream.length, 3, 'nothing more goes upstream');
    assert.equal(h.ctx.done, true);
  });

  it('forwards every 2xx of a forked INVITE', () => {
    const h = harness([[target(1), target(2)]]);
    h.reply(0, 200);
    h.reply(1, 200);
    assert.deepEqual(h.upstream.map((r) => r.status), [200, 200]);
  });

  it('tries q groups in sequence: the next group only when the first failed', () => {
    const h = harness([[target(1, 1)], [target(2, 0.5)]]);
    assert.equal(h.branches.length, 1);
    h.reply(0, 486);
    assert.equal(h.branches.length, 2, 'second group started');
    assert.equal(h.upstream.length, 0);
    h.reply(1, 404);
    // Step 6: lowest class wins; 404 and 486 are both 4xx, the first received is kept.
    assert.deepEqual(h.upstream.map((r) => r.status), [486]);
  });

  it('a 6xx stops everything: pending branches cancelled, no new group, the 6xx wins', () => {
    const h = harness([[target(1), target(2)], [target(3)]]);
    h.reply(1, 180);
    h.reply(0, 603);
    assert.equal(h.branches[1].cancelled, 1);
    assert.equal(h.upstream.length, 1, 'only the 180 so far: a 6xx is not forwarded at once');
    h.reply(1, 487);
    assert.equal(h.branches.length, 2, 'no new branches after a 6xx');
    assert.equal(h.upstream.at(-1)?.status, 603);
  });

  it('best response: 3xx over 4xx over 5xx, 401/407 preferred and their challenges merged, 503 becomes 500', () => {
    const a = harness([[target(1), target(2), target(3)]]);
    a.reply(0, 500);
    a.reply(1, 404);
    a.reply(2, 302);
    assert.equal(a.upstream[0].status, 302);
    const b = harness([[target(1), target(2), target(3)]]);
    b.reply(0, 404);
    b.reply(1, 407, [['Proxy-Authenticate', 'Digest realm="one"']]);
    b.reply(2, 401, [['WWW-Authenticate', 'Digest realm="two"']]);
    assert.equal(b.upstream[0].status, 407);
    assert.deepEqual(b.upstream[0].fields('proxy-authenticate').map((f) => f.value), ['Digest realm="one"']);
    assert.deepEqual(b.upstream[0].fields('www-authenticate').map((f) => f.value), ['Digest realm="two"']);
    const c = harness([[target(1)]]);
    c.reply(0, 503);
    assert.equal(c.upstream[0].status, 500);
  });

  it('timeouts and transport errors count as 408 and 503 (→ 500) from that branch', () => {
    const h = harness([[target(1), target(2)]]);
    h.branches[0].events.timeout();
    h.branches[1].events.transportError();
    assert.equal(h.upstream[0].status, 408);
  });

  it('Timer C: a ringing branch is CANCELled, a silent one is treated as 408; provisionals restart it', () => {
    const h = harness([[target(1), target(2)]], 'INVITE', 181_000);
    h.reply(0, 180);
    h.clock.advance(180_000);
    h.reply(0, 180);
    h.clock.advance(180_000);
    assert.equal(h.branches[0].cancelled, 0, 'restarted by the second 180');
    h.clock.advance(1_000);
    assert.equal(h.branches[0].cancelled, 1, 'cancelled after 181 s without news');
    // Branch 2 never rang: at its Timer C it counted as a 408. With branch 1's 487 both are
    // 4xx, and the best response is the first branch's.
    h.reply(0, 487);
    assert.deepEqual(h.upstream.map((r) => r.status), [180, 180, 487]);
  });

  it('CANCEL from upstream: ringing branches get CANCEL, others only once they ring (§9.1)', () => {
    const h = harness([[target(1), target(2)]]);
    h.reply(0, 180);
    h.ctx.cancel();
    assert.equal(h.branches[0].cancelled, 1);
    assert.equal(h.branches[1].cancelled, 0, 'no provisional yet: CANCEL must wait');
    h.reply(1, 180);
    assert.equal(h.branches[1].cancelled, 1);
    h.reply(0, 487);
    h.reply(1, 487);
    assert.equal(h.upstream.at(-1)?.status, 487);
  });

  it('reports itself finished once: final response sent and every branch done', () => {
    const h = harness([[target(1), target(2)]]);
    h.reply(0, 200);
    assert.equal(h.finished(), 0, 'branch 2 is still pending');
    h.reply(1, 487);
    assert.equal(h.finished(), 1);
    h.reply(1, 487);
    assert.equal(h.finished(), 1, 'only once');
  });

  it('answers 480 when there was nobody to try', () => {
    const h = harness([]);
    assert.equal(h.upstream[0]?.status, 480);
  });
});

describe('ResponseContext failover to the next SRV server (RFC 3263 §4.3)', () => {
  const dest = (n: number) => ({ transport: 'udp' as const, host: `10.0.1.${n}`, port: 5060 });
  const srvTarget = (...servers: number[]): Target => ({ ...target(9), destination: dest(servers[0]), alternates: servers.slice(1).map(dest) });
  const hosts = (h: ReturnType<typeof harness>) => h.branches.map((b) => b.target.destination?.host);

  it('a timeout without any response, a transport failure and a 503 each move to the next server', () => {
    const h = harness([[srvTarget(1, 2, 3, 4)]]);
    h.branches[0].events.timeout();
    assert.deepEqual(hosts(h), ['10.0.1.1', '10.0.1.2'], 'Timer B fired: the same request to the next server');
    h.branches[1].events.transportError();
    assert.deepEqual(hosts(h), ['10.0.1.1', '10.0.1.2', '10.0.1.3']);
    h.reply(2, 503);
    assert.deepEqual(hosts(h), ['10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.4']);
    assert.deepEqual(h.branches[3].target.alternates, [], 'the last server has none left');
    assert.equal(h.upstream.length, 0, 'nothing went upstream while servers were left');
    h.reply(3, 200);
    assert.deepEqual(h.upstream.map((r) => r.status), [200]);
    assert.equal(h.ctx.done, true);
  });

  it('the answer of the last server is the one chosen: a 486 is not hidden by the failures before it', () => {
    const h = harness([[srvTarget(1, 2)]]);
    h.reply(0, 503);
    h.reply(1, 486);
    assert.deepEqual(h.upstream.map((r) => r.status), [486]);
  });

  it('when every server failed, the caller gets the final failure (a 503 becomes 500, §16.7 step 6)', () => {
    const h = harness([[srvTarget(1, 2)]]);
    h.branches[0].events.timeout();
    h.reply(1, 503);
    assert.equal(h.branches.length, 2);
    assert.deepEqual(h.upstream.map((r) => r.status), [500]);
  });

  it('no failover after a provisional response, for other failures, or once the caller cancelled', () => {
    const ringing = harness([[srvTarget(1, 2)]]);
    ringing.reply(0, 100);
    ringing.branches[0].events.timeout();
    assert.equal(ringing.branches.length, 1, 'the server answered: a timeout now is not a dead server');
    assert.deepEqual(ringing.upstream.map((r) => r.status), [408]);

    const busy = harness([[srvTarget(1, 2)]]);
    busy.reply(0, 486);
    assert.equal(busy.branches.length, 1, 'a 486 is the callee talking, not a failed server');

    const cancelled = harness([[srvTarget(1, 2)]]);
    cancelled.ctx.cancel();
    cancelled.branches[0].events.transportError();
    assert.equal(cancelled.branches.length, 1, 'CANCEL: no new branches (§16.10)');
  });

  it('a server that cannot even be started (no transport) is skipped at once', () => {
    const clock = new ManualClock();
    const request = invite();
    const started: string[] = [];
    const upstream: SipResponse[] = [];
    const ctx = new ResponseContext(request, [[srvTarget(1, 2, 3)]], {
      clock,
      timerCMs: 181_000,
      respond: (r) => upstream.push(r),
      startBranch: (t) => {
        started.push(t.destination?.host ?? '');
        return t.destination?.host === '10.0.1.3' ? { cancel() {} } : { failed: 503, reason: 'No Transport To Target' };
      },
    });
    ctx.start();
    assert.deepEqual(started, ['10.0.1.1', '10.0.1.2', '10.0.1.3']);
    assert.equal(upstream.length, 0, 'the third server is pending');
  });
});
