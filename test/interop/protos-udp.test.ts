/**
 * PROTOS c07-sip over UDP against the real server, inside a loopback-only network namespace
 * (the corpus names foreign hosts; see test/support/netns.ts). The suite's own criterion
 * (../shared/corpus/protos-c07-sip/README.md): the server stays up, stays responsive, and does
 * not leak. The work happens in protos-udp-run.ts; this test checks and prints its result.
 *
 * Memory: the corpus runs twice, and the leak check compares the live JS heap after a forced
 * full GC (read through the inspector, test/support/live-heap.ts) after pass 2 with the same
 * after pass 1, each read once every transaction of its pass has ended. RSS is printed but not
 * judged: it keeps the allocator's high-water mark and moved by ±15 % between identical passes
 * (CI saw 99 MiB after pass 1 and 113 MiB after pass 2 with the live heap unchanged), so it
 * failed runs that leaked nothing. Everything a pass creates has ended after the settle, so
 * the live heap after pass 2 must be back where pass 1 left it; a leak grows with every pass.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { isolatedNetnsUnavailable, lastJsonLine, runInIsolatedNetns } from '../support/netns.js';
import { decodeOutcome, formatTallies, type ProtosRunResult } from './protos-tally.js';

const SCRIPT = fileURLToPath(new URL('./protos-udp-run.js', import.meta.url));
const RUN_BUDGET_MS = 420_000;
const CASES = 4527;
/** A valid OPTIONS after a pass is answered within 100 ms (median of the probes). */
const PROBE_LIMIT_MS = 100;
/** Live heap after pass 2 within 1 MiB of the live heap after pass 1 (4,527 cases a pass: a
 *  leak of ~230 bytes a case shows). */
const HEAP_TOLERANCE_BYTES = 1024 * 1024;

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

  assert.equal(r.warmup.answered, r.warmup.sent, `warm-up OPTIONS not all answered\n${why}`);
  assert.equal(r.passes.length, 2, `the server died before the second pass\n${why}`);
  for (const [i, p] of r.passes.entries()) {
    const name = `pass ${i + 1}`;
    assert.equal(p.send.total, CASES, why);
    assert.equal(p.send.completed, true, `${name}: not every case was sent within the budget\n${why}`);
    assert.equal(p.aliveAfterSend, true, `${name}: the server died\n${why}`);
    // Case 0 is the suite's one valid INVITE: it must get a final response.
    const valid = decodeOutcome(p.outcomes.find((row) => row[0] === 0)!);
    assert.notEqual(valid.inviteFinal, undefined, `${name}: the valid case 0 got no final response\n${why}`);
    assert.equal(p.probesMs.length > 0 && p.probesMs.every((ms) => ms !== null), true, `${name}: OPTIONS afterwards not answered\n${why}`);
    const sorted = (p.probesMs as number[]).slice().sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    assert.ok(median <= PROBE_LIMIT_MS, `${name}: OPTIONS afterwards answered in ${median} ms (median), over ${PROBE_LIMIT_MS} ms\n${why}`);
  }
  assert.equal(r.server.aliveAtEnd, true, `the server died after the run\n${why}`);
  const [first, second] = r.passes;
  assert.ok(
    second.heapAfter <= first.heapAfter + HEAP_TOLERANCE_BYTES,
    `the live heap grew from ${first.heapAfter} bytes after pass 1 to ${second.heapAfter} after pass 2 (more than ${HEAP_TOLERANCE_BYTES} bytes)\n${why}`,
  );
});
