/**
 * The PROTOS c07-sip run over UDP, as a standalone script meant to run INSIDE a loopback-only
 * network namespace (test/support/netns.ts): the corpus names foreign hosts in Via/Contact, so
 * the server's responses to them must have nowhere to go. protos-udp.test.ts starts it.
 *
 * Steps: start the server; warm it up with valid OPTIONS; read its RSS; then twice: send every
 * case's INVITE (ACKing final error responses, RFC 3261 §17.1.1.3) and then its teardown, in
 * paced batches; probe it with OPTIONS; let it settle; read its RSS. Finally stop it. The
 * result is printed as one JSON line on stdout (progress goes to stderr).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, loadProtosCases, type ProtosCase } from '../support/corpus.js';
import { inspectorUrl, liveHeapBytes } from '../support/live-heap.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { buildOptions, header, topViaBranch, udpOptions, UdpSipClient, type ReceivedResponse, type Target } from '../support/sip-client.js';
import { tallyGroups, type CaseOutcome, type PassResult, type ProtosRunResult } from './protos-tally.js';

const WARMUP_OPTIONS = 300;
const BATCH = 25;
/** Per batch: how long to wait for the INVITEs' final responses before moving on. */
const BATCH_WAIT_MS = 250;
/** The whole send phase stops here even if cases remain (reported as incomplete). */
const SEND_BUDGET_MS = 180_000;
const DRAIN_MS = 2000;
const PROBES = 5;
/** After each pass: past Timer J (64*T1 = 32 s, RFC 3261 §17.2.2), the longest a server
 *  transaction of this run lives (non-INVITE over UDP, and INVITE Timer H likewise 64*T1). */
const SETTLE_MS = 34_000;
/** The corpus runs twice: growth from pass 1 to pass 2 is what a leak looks like; see the test. */
const PASSES = 2;
/** The largest UDP payload over IPv4 (65,535 − 20 IP − 8 UDP). Larger cases are truncated. */
const MAX_UDP_PAYLOAD = 65_507;
const TEARDOWN_METHOD = 'CANCEL';

const log = (m: string): void => void process.stderr.write(`[protos-udp] ${m}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function warmUp(server: ServerProcess): Promise<{ sent: number; answered: number }> {
  const client = await UdpSipClient.open();
  try {
    let answered = 0;
    for (let i = 0; i < WARMUP_OPTIONS; i += 20) {
      const before = client.responses.length;
      const n = Math.min(20, WARMUP_OPTIONS - i);
      for (let k = 0; k < n; k++) await client.send(buildOptions({ target: server.sip, transport: 'UDP', local: client.local }), server.sip);
      await client.waitFor((rs) => rs.slice(before).filter((r) => r.status >= 200).length >= n, 1000);
      answered += client.responses.slice(before).filter((r) => r.status === 200).length;
    }
    return { sent: WARMUP_OPTIONS, answered };
  } finally {
    await client.close();
  }
}

/**
 * Which case a response belongs to: by our Call-ID (`protos-<id>@host`), else by the branch,
 * which the templates build as z9hG4bK0000 + their case number + our 7-digit <Branch-ID>.
 */
function caseOf(r: ReceivedResponse): number | undefined {
  const cid = /^protos-(\d+)(?:@|$)/.exec(header(r, 'call-id') ?? '');
  if (cid) return Number(cid[1]);
  const br = /^z9hG4bK0000\d+(\d{7})$/.exec(topViaBranch(r) ?? '');
  return br ? Number(br[1]) : undefined;
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx final response copies Call-ID, From, the top Via
 *  and the CSeq number, takes To from the response, and carries the method ACK. */
function buildAck(r: ReceivedResponse, requestUri: string, id: number): string {
  const cseq = /^\s*(\d+)/.exec(header(r, 'cseq') ?? '')?.[1] ?? String(id + 1);
  return [
    `ACK ${requestUri} SIP/2.0`,
    `Via: ${header(r, 'via') ?? ''}`,
    'Max-Forwards: 70',
    `From: ${header(r, 'from') ?? ''}`,
    `To: ${header(r, 'to') ?? ''}`,
    `Call-ID: ${header(r, 'call-id') ?? ''}`,
    `CSeq: ${cseq} ACK`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

class Collector {
  readonly outcomes = new Map<number, CaseOutcome>();
  unattributed = 0;
  acksSent = 0;
  /** Responses of earlier passes (the client's list before this pass) are skipped. */
  readonly firstResponse: number;
  /** Index of the first response not yet looked at. */
  private seen: number;

  constructor(private readonly client: UdpSipClient, private readonly server: Target, private readonly requestUri: string) {
    this.firstResponse = client.responses.length;
    this.seen = this.firstResponse;
  }

  outcome(id: number): CaseOutcome {
    let o = this.outcomes.get(id);
    if (o === undefined) {
      o = { id, sent: false, truncated: false, inviteProvisional: false };
      this.outcomes.set(id, o);
    }
    return o;
  }

  /** Attributes the responses received since the last call; ACKs final INVITE errors. */
  async process(): Promise<void> {
    const rs = this.client.responses;
    for (; this.seen < rs.length; this.seen++) {
      const r = rs[this.seen];
      rs[this.seen] = { ...r, raw: Buffer.alloc(0) }; // keep memory flat: the bytes are no longer needed
      const id = caseOf(r);
      if (id === undefined) {
        this.unattributed++;
        continue;
      }
      const o = this.outcome(id);
      // The teardown's CSeq is never broken (it names CANCEL); any other CSeq, even a broken
      // one (the sip-cseq-* groups), is the INVITE's.
      const method = /^\s*\d+\s+(\S+)/.exec(header(r, 'cseq') ?? '')?.[1]?.toUpperCase();
      if (method === 'ACK') {
        this.unattributed++;
      } else if (method !== TEARDOWN_METHOD) {
        if (r.status < 200) o.inviteProvisional = true;
        else if (o.inviteFinal === undefined) {
          o.inviteFinal = r.status;
          if (r.status >= 300) {
            await this.client.send(buildAck(r, this.requestUri, id), this.server);
            this.acksSent++;
          }
        }
      } else if (r.status >= 200 && o.teardownFinal === undefined) {
        o.teardownFinal = r.status;
      }
    }
  }
}

async function sendOne(client: UdpSipClient, msg: Buffer, to: Target): Promise<{ truncated: boolean; error?: string }> {
  const truncated = msg.length > MAX_UDP_PAYLOAD;
  try {
    await client.send(truncated ? msg.subarray(0, MAX_UDP_PAYLOAD) : msg, to);
    return { truncated };
  } catch (e) {
    return { truncated, error: (e as Error).message };
  }
}

async function sendCases(server: ServerProcess, cases: ProtosCase[], client: UdpSipClient, c: Collector): Promise<{ completed: boolean; sendErrors: number; elapsedMs: number }> {
  const t0 = Date.now();
  let sendErrors = 0;
  for (let i = 0; i < cases.length; i += BATCH) {
    if (Date.now() - t0 > SEND_BUDGET_MS) return { completed: false, sendErrors, elapsedMs: Date.now() - t0 };
    if (!server.alive) return { completed: false, sendErrors, elapsedMs: Date.now() - t0 };
    const batch = cases.slice(i, i + BATCH);
    for (const k of batch) {
      const o = c.outcome(k.id);
      const s = await sendOne(client, k.invite, server.sip);
      o.sent = s.error === undefined;
      o.truncated = s.truncated;
      if (s.error !== undefined) sendErrors++;
    }
    await client.waitFor(() => batch.every((k) => c.outcome(k.id).inviteFinal !== undefined || hasFinalFor(client, k.id)), BATCH_WAIT_MS);
    await c.process();
    for (const k of batch) if ((await sendOne(client, k.teardown, server.sip)).error !== undefined) sendErrors++;
    await c.process();
    if ((i / BATCH) % 20 === 0) log(`sent ${Math.min(i + BATCH, cases.length)}/${cases.length} cases, ${client.responses.length - c.firstResponse} responses`);
  }
  return { completed: true, sendErrors, elapsedMs: Date.now() - t0 };
}

/** Cheap check over responses not yet processed: a final INVITE response for case `id`. */
function hasFinalFor(client: UdpSipClient, id: number): boolean {
  for (let j = client.responses.length - 1, n = 0; j >= 0 && n < 4 * BATCH; j--, n++) {
    const r = client.responses[j];
    if (r.status >= 200 && caseOf(r) === id && !/CANCEL/i.test(header(r, 'cseq') ?? '')) return true;
  }
  return false;
}

async function probe(server: ServerProcess): Promise<Array<number | null>> {
  const out: Array<number | null> = [];
  for (let i = 0; i < PROBES; i++) {
    const r = await udpOptions(server.sip, 1000);
    out.push(r.responses.some((x) => x.status === 200) ? (r.finalAfterMs ?? null) : null);
    await sleep(50);
  }
  return out;
}

/**
 * The memory the server retains: the lowest RSS over `samples` one-second readings. One
 * reading at an arbitrary instant is mostly garbage V8 has not collected yet (it varied by
 * ±20 % between runs); across several seconds of idle time V8's memory reducer runs, and the
 * minimum is what is really kept.
 */
async function retainedRss(server: ServerProcess, samples: number): Promise<number> {
  let min = server.rssBytes();
  for (let i = 1; i < samples; i++) {
    await sleep(1000);
    min = Math.min(min, server.rssBytes());
  }
  return min;
}

/** Waits past Timer J (64*T1 = 32 s for UDP, RFC 3261 §17.2.2) so that every transaction
 *  the pass created has ended, then reads the retained RSS over the last 10 s. */
async function settle(server: ServerProcess): Promise<{ rss: number; heap: number }> {
  await sleep(SETTLE_MS - 10_000);
  const rss = await retainedRss(server, 10);
  return { rss, heap: await liveHeap(server) };
}

async function liveHeap(server: ServerProcess): Promise<number> {
  const url = inspectorUrl(server.stderrLines);
  if (url === undefined) throw new Error(`the server printed no inspector URL on stderr:\n${server.stderrLines.join('\n')}`);
  return liveHeapBytes(url);
}

async function runPass(server: ServerProcess, client: UdpSipClient, cases: ProtosCase[], requestUri: string, n: number): Promise<{ pass: PassResult; outcomes: CaseOutcome[] }> {
  const c = new Collector(client, server.sip, requestUri);
  const send = await sendCases(server, cases, client, c);
  await sleep(DRAIN_MS);
  await c.process();
  const aliveAfterSend = server.alive;
  const probesMs = aliveAfterSend ? await probe(server) : [];
  const t0 = Date.now();
  const { rss: rssAfter, heap: heapAfter } = aliveAfterSend ? await settle(server) : { rss: NaN, heap: NaN };
  const outcomes = [...c.outcomes.values()].sort((a, b) => a.id - b.id);
  log(`pass ${n}: ${send.completed ? 'complete' : 'INCOMPLETE'} in ${send.elapsedMs} ms; RSS after settle ${(rssAfter / 1048576).toFixed(1)} MiB, live heap ${(heapAfter / 1048576).toFixed(1)} MiB`);
  return {
    pass: {
      send: { total: cases.length, ...send, acksSent: c.acksSent, unattributed: c.unattributed },
      aliveAfterSend,
      probesMs,
      rssAfter,
      heapAfter,
      settleMs: Date.now() - t0,
      outcomes: outcomes.map((o) => [o.id, o.sent ? 1 : 0, o.truncated ? 1 : 0, o.inviteProvisional ? 1 : 0, o.inviteFinal ?? 0, o.teardownFinal ?? 0]),
    },
    outcomes,
  };
}

async function main(): Promise<ProtosRunResult> {
  // The inspector (loopback, inside the namespace) is only how the live heap is read.
  const server = await startServer(undefined, { nodeArgs: ['--inspect=127.0.0.1:0'] });
  try {
    log(`server pid ${server.pid} on udp:${server.sip.port}`);
    const warmup = await warmUp(server);
    const rssBefore = await retainedRss(server, 10);
    const heapBefore = await liveHeap(server);
    log(`warm-up ${warmup.answered}/${warmup.sent} answered; RSS ${(rssBefore / 1048576).toFixed(1)} MiB, live heap ${(heapBefore / 1048576).toFixed(1)} MiB`);

    const client = await UdpSipClient.open();
    try {
      const cases = await loadProtosCases({
        to: `receiver@127.0.0.1:${server.sip.port}`,
        localPort: client.local.port,
        teardownMethod: TEARDOWN_METHOD,
      });
      log(`loaded ${cases.length} cases`);
      const requestUri = `sip:receiver@127.0.0.1:${server.sip.port}`;
      const passes: PassResult[] = [];
      let firstOutcomes: CaseOutcome[] = [];
      for (let n = 1; n <= PASSES && server.alive; n++) {
        const r = await runPass(server, client, cases, requestUri, n);
        passes.push(r.pass);
        if (n === 1) firstOutcomes = r.outcomes;
      }
      const aliveAtEnd = server.alive;
      const groups = JSON.parse(readFileSync(join(corpusDir('protos-c07-sip'), 'groups.json'), 'utf8')) as Array<{ group: string; first: number; count: number }>;
      const pid = server.pid;
      const exit = await server.stop();
      return {
        server: { pid, rssBefore, heapBefore, aliveAtEnd, exit, logLines: server.logLines.length, stderrTail: server.stderrLines.slice(-20) },
        warmup,
        passes,
        groups: tallyGroups(groups, firstOutcomes),
      };
    } finally {
      await client.close();
    }
  } finally {
    await server.stop();
  }
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`[protos-udp] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
