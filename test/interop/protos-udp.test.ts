/**
 * PROTOS c07-sip over UDP against the real server, inside a loopback-only network namespace
 * (the corpus names foreign hosts; see test/support/netns.ts). The suite's own criterion
 * (../shared/corpus/protos-c07-sip/README.md): the server stays up, stays responsive, and does
 * not leak. The work happens in protos-udp-run.ts; this test checks and prints its result.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { isolatedNetnsUnavailable, lastJsonLine, runInIsolatedNetns } from '../support/netns.js';
import { decodeOutcome, formatTallies, type ProtosRunResult } from './protos-tally.js';

const SCRIPT = fileURLToPath(new URL('./protos-udp-run.js', import.meta.url));
const RUN_BUDGET_MS = 300_000;
/** "answered within 100 ms" for a valid OPTIONS after the run (median of the probes). */
const PROBE_LIMIT_MS = 100;
/** RSS after the run (and a settle) within 10 % of RSS before. */
const RSS_TOLERANCE = 0.1;

test('PROTOS c07-sip over UDP: the server stays up, responsive and does not leak', { timeout: RUN_BUDGET_MS + 30_000 }, async (t) => {
  const reason = isolatedNetnsUnavailable();
  if (reason !== undefined) {
    console.log(`# SKIP: ${reason}`);
    t.skip(reason);
    return;
  }
  const run = await runInIsolatedNetns(SCRIPT, [], RUN_BUDGET_MS);
  const r = lastJsonLine<ProtosRunResult>(run);
  const report = formatTallies(r);
  console.log(report.split('\n').map((l) => `# ${l}`).join('\n'));
  const why = `${report}\n--- runner stderr (tail) ---\n${run.stderr.slice(-3000)}\n--- server stderr (tail) ---\n${r.server.stderrTail.join('\n')}`;

  assert.equal(r.send.completed, true, `not every case was sent within the budget\n${why}`);
  assert.equal(r.send.total, 4527, why);
  assert.equal(r.server.aliveAfterSend, true, `the server died during the run\n${why}`);
  assert.equal(r.server.aliveAtEnd, true, `the server died after the run\n${why}`);
  assert.equal(r.warmup.answered, r.warmup.sent, `warm-up OPTIONS not all answered\n${why}`);

  // Case 0 is the suite's one valid INVITE: it must get a final response.
  const valid = decodeOutcome(r.outcomes.find((row) => row[0] === 0)!);
  assert.notEqual(valid.inviteFinal, undefined, `the valid case 0 got no final response\n${why}`);

  assert.equal(r.probesMs.length > 0 && r.probesMs.every((ms) => ms !== null), true, `OPTIONS after the run not answered\n${why}`);
  const sorted = (r.probesMs as number[]).slice().sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  assert.ok(median <= PROBE_LIMIT_MS, `OPTIONS after the run answered in ${median} ms (median), over ${PROBE_LIMIT_MS} ms\n${why}`);

  assert.ok(
    r.server.rssAfter <= r.server.rssBefore * (1 + RSS_TOLERANCE),
    `RSS grew from ${r.server.rssBefore} to ${r.server.rssAfter} bytes (more than ${RSS_TOLERANCE * 100} %)\n${why}`,
  );
});
