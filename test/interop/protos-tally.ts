/**
 * Result shapes and tallies of the PROTOS c07-sip UDP run (protos-udp-run.ts produces them in
 * the namespace, protos-udp.test.ts asserts on them and prints them).
 */
import type { ExitInfo } from '../support/server-process.js';

export interface CaseOutcome {
  id: number;
  /** The INVITE left the socket (possibly truncated). */
  sent: boolean;
  /** The INVITE was larger than one UDP datagram and was cut to 65,507 bytes. */
  truncated: boolean;
  inviteProvisional: boolean;
  /** First final status to the INVITE; undefined = none (dropped). */
  inviteFinal?: number;
  /** First final status to the teardown (CANCEL); undefined = none. */
  teardownFinal?: number;
}

/** [id, sent, truncated, provisional, inviteFinal (0 = none), teardownFinal (0 = none)] */
export type OutcomeRow = [number, number, number, number, number, number];

export interface GroupTally {
  group: string;
  first: number;
  count: number;
  answered: number;
  dropped: number;
  /** INVITE final status → number of cases. */
  statuses: Record<string, number>;
}

export interface PassResult {
  send: { total: number; completed: boolean; sendErrors: number; elapsedMs: number; acksSent: number; unattributed: number };
  aliveAfterSend: boolean;
  /** OPTIONS round trips right after the pass, ms; null = no 200 within 1 s. */
  probesMs: Array<number | null>;
  /** RSS after the pass and the settle. */
  rssAfter: number;
  /** Live JS heap after the settle and a forced full GC (test/support/live-heap.ts). */
  heapAfter: number;
  settleMs: number;
  outcomes: OutcomeRow[];
}

export interface ProtosRunResult {
  server: {
    pid: number;
    /** RSS after the OPTIONS warm-up, before any PROTOS case. */
    rssBefore: number;
    /** Live JS heap after the warm-up and a forced full GC. */
    heapBefore: number;
    aliveAtEnd: boolean;
    exit: ExitInfo;
    logLines: number;
    stderrTail: string[];
  };
  warmup: { sent: number; answered: number };
  passes: PassResult[];
  /** Per-group tallies of the first pass. */
  groups: GroupTally[];
}

export function tallyGroups(groups: Array<{ group: string; first: number; count: number }>, outcomes: CaseOutcome[]): GroupTally[] {
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  return groups.map((g) => {
    const t: GroupTally = { group: g.group, first: g.first, count: g.count, answered: 0, dropped: 0, statuses: {} };
    for (let id = g.first; id < g.first + g.count; id++) {
      const final = byId.get(id)?.inviteFinal;
      if (final === undefined) t.dropped++;
      else {
        t.answered++;
        t.statuses[final] = (t.statuses[final] ?? 0) + 1;
      }
    }
    return t;
  });
}

export function decodeOutcome(row: OutcomeRow): CaseOutcome {
  const [id, sent, truncated, provisional, inviteFinal, teardownFinal] = row;
  const o: CaseOutcome = { id, sent: sent === 1, truncated: truncated === 1, inviteProvisional: provisional === 1 };
  if (inviteFinal !== 0) o.inviteFinal = inviteFinal;
  if (teardownFinal !== 0) o.teardownFinal = teardownFinal;
  return o;
}

/** status → count over all cases, with "none" for no final response. */
export function histogram(values: Array<number | undefined>): Record<string, number> {
  const h: Record<string, number> = {};
  for (const v of values) {
    const k = v === undefined ? 'none' : String(v);
    h[k] = (h[k] ?? 0) + 1;
  }
  return h;
}

const mib = (b: number): string => (b / 1048576).toFixed(1) + ' MiB';
const pct = (a: number, b: number): string => `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;

function formatPass(p: PassResult, n: number, before: { rssBefore: number; heapBefore: number }, previous: PassResult | undefined): string[] {
  const outcomes = p.outcomes.map(decodeOutcome);
  return [
    `pass ${n}: cases ${p.send.total}, sent ${outcomes.filter((o) => o.sent).length} (truncated to one datagram: ${outcomes.filter((o) => o.truncated).length}), send errors ${p.send.sendErrors}, ${p.send.completed ? 'complete' : 'INCOMPLETE'} in ${p.send.elapsedMs} ms`,
    `  INVITE finals: ${JSON.stringify(histogram(outcomes.map((o) => o.inviteFinal)))}; provisional seen for ${outcomes.filter((o) => o.inviteProvisional).length}`,
    `  teardown (CANCEL) finals: ${JSON.stringify(histogram(outcomes.map((o) => o.teardownFinal)))}`,
    `  ACKs sent ${p.send.acksSent}, unattributed responses ${p.send.unattributed}`,
    `  OPTIONS probes right after (ms): ${JSON.stringify(p.probesMs)}`,
    `  RSS after ${p.settleMs} ms settle: ${mib(p.rssAfter)} (${pct(p.rssAfter, before.rssBefore)} vs warm-up${previous === undefined ? '' : `, ${pct(p.rssAfter, previous.rssAfter)} vs pass ${n - 1}`})`,
    `  live heap after GC: ${mib(p.heapAfter)} (${pct(p.heapAfter, before.heapBefore)} vs warm-up${previous === undefined ? '' : `, ${pct(p.heapAfter, previous.heapAfter)} vs pass ${n - 1}`})`,
  ];
}

/** A printable summary, one line per fact, for the test log. */
export function formatTallies(r: ProtosRunResult): string {
  const lines = [
    `warm-up OPTIONS answered ${r.warmup.answered}/${r.warmup.sent}; RSS after warm-up ${mib(r.server.rssBefore)}, live heap after GC ${mib(r.server.heapBefore)}`,
    ...r.passes.flatMap((p, i) => formatPass(p, i + 1, r.server, r.passes[i - 1])),
    `server alive at the end: ${r.server.aliveAtEnd}; exit on SIGTERM: ${JSON.stringify(r.server.exit)}; ${r.server.logLines} log lines`,
    'pass 1 per group (answered/dropped, INVITE finals):',
    ...r.groups.map((g) => `  ${g.group.padEnd(32)} ${String(g.answered).padStart(4)}/${String(g.dropped).padEnd(4)} ${JSON.stringify(g.statuses)}`),
  ];
  return lines.join('\n');
}
