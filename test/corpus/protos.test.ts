/**
 * PROTOS c07-sip robustness suite (4,527 INVITEs, each broken in one field, plus a teardown
 * each): the message core must turn every one into a message or a typed error — never throw —
 * and do so in bounded time. The per-status tally is printed for the record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse, SipRequest, validateRequest } from '../../src/sip/message/index.js';
import { loadProtosCorpus, type ProtosCorpus } from '../support/corpus.js';

const KNOWN_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'INFO', 'UPDATE', 'PRACK', 'PUBLISH'];
/** Generous bound per message: far above the ~10 µs a parse takes, far below a hang. */
const MAX_MS_PER_MESSAGE = 50;

/** parse + validate one message; returns 'ok' or the status it is refused with. */
function outcome(buf: Buffer): { verdict: string; ms: number } {
  const t0 = performance.now();
  const r = parse(buf);
  let verdict: string;
  if (!r.ok) verdict = String(r.error.status);
  else if (r.message instanceof SipRequest) {
    const e = validateRequest(r.message, { knownMethods: KNOWN_METHODS });
    verdict = e === undefined ? 'ok' : String(e.status);
  } else verdict = 'response';
  return { verdict, ms: performance.now() - t0 };
}

describe('PROTOS c07-sip', () => {
  let corpus: ProtosCorpus;

  before(async () => {
    corpus = await loadProtosCorpus();
  });

  after(async () => {
    await corpus?.cleanup();
  });

  it('has 4,527 cases in id order, placeholders all substituted', () => {
    assert.equal(corpus.cases.length, 4527);
    corpus.cases.forEach((c, i) => assert.equal(c.id, i));
    for (const c of corpus.cases) {
      const text = c.invite.toString('latin1') + c.teardown.toString('latin1');
      assert.doesNotMatch(text, /<(To|From|From-Address|From-IP|Local-Port|Branch-ID|Call-ID|CSeq|Content-Length|Teardown-Method)>/, `case ${c.id}`);
    }
  });

  it('case 0 is a valid INVITE and its CANCEL is valid too', () => {
    const [c0] = corpus.cases;
    const inv = parse(c0.invite);
    assert.ok(inv.ok && inv.message instanceof SipRequest);
    assert.equal(inv.message.method, 'INVITE');
    assert.equal(validateRequest(inv.message, { knownMethods: KNOWN_METHODS }), undefined);
    assert.equal(inv.message.body.length, inv.message.contentLength, 'Content-Length = real body length');
    assert.ok(inv.message.body.length > 0);
    assert.equal(inv.message.topVia.branch, 'z9hG4bK000000000000');
    assert.equal(inv.message.callId, 'protos-0@127.0.0.1');
    const cancel = parse(c0.teardown);
    assert.ok(cancel.ok && cancel.message instanceof SipRequest);
    assert.equal(cancel.message.method, 'CANCEL');
    assert.equal(cancel.message.cseq.method, 'CANCEL');
    assert.equal(validateRequest(cancel.message, { knownMethods: KNOWN_METHODS }), undefined);
  });

  it('every case parses to a message or an error, never throws, each in bounded time', () => {
    const tally = new Map<string, number>();
    let slowest = { id: -1, ms: 0 };
    for (const c of corpus.cases) {
      for (const buf of [c.invite, c.teardown]) {
        let result: { verdict: string; ms: number };
        try {
          result = outcome(buf);
        } catch (e) {
          assert.fail(`case ${c.id} threw: ${(e as Error).stack}`);
        }
        if (result.ms > slowest.ms) slowest = { id: c.id, ms: result.ms };
        if (buf === c.invite) tally.set(result.verdict, (tally.get(result.verdict) ?? 0) + 1);
      }
    }
    const summary = [...tally].sort().map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(`PROTOS INVITEs — ${summary}; slowest case ${slowest.id} ${slowest.ms.toFixed(2)} ms`);
    assert.ok(slowest.ms < MAX_MS_PER_MESSAGE, `case ${slowest.id} took ${slowest.ms} ms`);
    const total = [...tally.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, 4527);
    assert.ok((tally.get('ok') ?? 0) > 0 && (tally.get('400') ?? 0) > 0, 'some accepted, some refused');
  });
});
