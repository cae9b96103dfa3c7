/**
 * Interop with SIPp (Debian sip-tester): a stock SIP load generator talking to the real server
 * process over UDP and TCP on loopback.
 *  (a) test/interop/sipp/options.xml: OPTIONS to the server itself, 200 expected (RFC 3261 §11.2).
 *  (b) the built-in `uac` scenario: its INVITE comes From sipp@127.0.0.1 — a user of the
 *      served domain — without credentials, so the proxy challenges it with a final 407
 *      (RFC 3261 §22.3; the server is no open relay); SIPp must get that final response, and
 *      ACK it, not time out.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, repoRoot, startServer } from '../support/server-process.js';
import { udpOptions } from '../support/sip-client.js';
import { requirePeer, SIPP, describeRun } from './peer-tools.js';
import { runSipp, stat, unexpectedStatuses, SIPP_EXIT, type SippRun } from './sipp-runner.js';

const OPTIONS_SCENARIO = join(repoRoot(), 'test/interop/sipp/options.xml');
const OPTIONS_CALLS = 50;
const UAC_CALLS = 3;
/** The final response to an unauthenticated INVITE from a user of our domain (§22.3). */
const INVITE_REJECTION = 407;

function explain(r: SippRun): string {
  return describeRun('sipp', r.run, `--- stats ---\n${JSON.stringify(r.stats)}\n--- error log (head) ---\n${r.errorLog.slice(0, 3000)}`);
}

for (const [transport, name] of [['u1', 'UDP'], ['t1', 'TCP']] as const) {
  test(`SIPp options.xml over ${name}: all ${OPTIONS_CALLS} OPTIONS get 200`, { timeout: 60_000 }, async (t) => {
    if (!requirePeer(t, SIPP)) return;
    const server = await startServer(t);
    const r = await runSipp({
      scenario: { file: OPTIONS_SCENARIO },
      transport,
      target: server.sip,
      localPort: await freePort([server.ports.sip, server.ports.tls]),
      calls: OPTIONS_CALLS,
      rate: 50,
      timeoutS: 20,
    });
    console.log(`# sipp options ${name}: exit ${r.run.code}, successful ${r.stats['SuccessfulCall(C)']}, failed ${r.stats['FailedCall(C)']}, ${r.run.elapsedMs} ms`);
    assert.equal(r.run.timedOut, false, explain(r));
    assert.equal(r.run.code, SIPP_EXIT.allCallsSucceeded, explain(r));
    assert.equal(stat(r, 'SuccessfulCall(C)'), OPTIONS_CALLS, explain(r));
    assert.equal(stat(r, 'FailedCall(C)'), 0, explain(r));
    assert.equal(server.alive, true, server.outputTail());
  });

  test(`SIPp built-in uac over ${name}: INVITE gets a final ${INVITE_REJECTION}, then OPTIONS still works`, { timeout: 60_000 }, async (t) => {
    if (!requirePeer(t, SIPP)) return;
    const server = await startServer(t);
    const r = await runSipp({
      scenario: { builtin: 'uac' },
      transport,
      target: server.sip,
      localPort: await freePort([server.ports.sip, server.ports.tls]),
      calls: UAC_CALLS,
      rate: 10,
      timeoutS: 20,
    });
    const statuses = unexpectedStatuses(r.errorLog);
    console.log(`# sipp uac ${name}: exit ${r.run.code}, final responses seen as unexpected: ${JSON.stringify(statuses)}`);
    assert.equal(r.run.timedOut, false, explain(r));
    // Every call ends on the server's final response: SIPp's uac expects 100/180/200, so each
    // one is an "unexpected message" failure — and none may be a timeout or a retransmission give-up.
    assert.equal(r.run.code, SIPP_EXIT.someCallFailed, explain(r));
    assert.deepEqual(statuses, Array(UAC_CALLS).fill(INVITE_REJECTION), explain(r));
    assert.equal(stat(r, 'FailedUnexpectedMessage(C)'), UAC_CALLS, explain(r));
    assert.equal(stat(r, 'FailedTimeoutOnRecv(C)'), 0, explain(r));
    assert.equal(stat(r, 'FailedMaxUDPRetrans(C)'), 0, explain(r));
    assert.equal((r.messageLog.match(new RegExp(`^SIP/2\\.0 ${INVITE_REJECTION} `, 'gm')) ?? []).length >= UAC_CALLS, true, explain(r));
    // RFC 3261 §17.1.1.3: the client transaction ACKs a non-2xx final response; SIPp does so on abort.
    assert.ok((r.messageLog.match(/^ACK sip:/gm) ?? []).length >= UAC_CALLS, explain(r));

    const after = await udpOptions(server.sip, 2000);
    assert.equal(after.responses.find((x) => x.status >= 200)?.status, 200, `OPTIONS after the uac run\n${server.outputTail()}`);
    assert.equal(server.alive, true, server.outputTail());
  });
}
