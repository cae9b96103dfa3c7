/**
 * RFC 4475 torture messages: every one of the 50 messages of the shared corpus. Valid ones
 * must parse and show the values the RFC section describes; invalid ones must be refused with
 * the status the RFC asks for — by parse(), or by validateRequest() when they parse. Responses
 * that fail are dropped (no status is sent back).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse, serialize, SipRequest, splitList, validateRequest, validateResponse } from '../../src/sip/message/index.js';
import { loadRfc4475, type Rfc4475Entry } from '../support/corpus.js';
import { INVALID, VALID } from './rfc4475-expectations.js';

const KNOWN_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'INFO', 'UPDATE', 'PRACK', 'PUBLISH'];

const corpus = loadRfc4475();

/** The status a receiver answers with (undefined = accepted), or 'drop' for a bad response. */
function verdict(buf: Buffer): number | 'drop' | undefined {
  const r = parse(buf);
  if (!r.ok) return buf.toString('latin1').startsWith('SIP/') ? 'drop' : r.error.status;
  if (r.message.kind === 'response') return validateResponse(r.message) === undefined ? undefined : 'drop';
  return validateRequest(r.message, { knownMethods: KNOWN_METHODS })?.status;
}

describe('RFC 4475 torture messages', () => {
  it('has all 50 messages, byte-exact to the index, each with an expectation here', () => {
    assert.equal(corpus.entries.length, 50);
    for (const e of corpus.entries) {
      const buf = corpus.read(e.file);
      assert.equal(buf.length, e.bytes, e.file);
      assert.equal(createHash('sha256').update(buf).digest('hex'), e.sha256, e.file);
      const table = e.valid ? VALID : INVALID;
      assert.ok(e.file in table, `${e.file} (valid=${e.valid}) has no expectation in this test`);
    }
    assert.equal(Object.keys(VALID).length + Object.keys(INVALID).length, 50);
  });

  for (const e of corpus.entries) {
    const title = `${e.section ?? '-'} ${e.file}: ${e.title}`;
    if (e.valid) {
      it(`${title} — parses`, () => checkValid(e));
    } else {
      it(`${title} — refused with ${INVALID[e.file]}`, () => {
        assert.equal(verdict(corpus.read(e.file)), INVALID[e.file]);
      });
    }
  }

  it('a parse failure of a request still yields the fields needed to answer it', () => {
    const r = parse(corpus.read('quotbal.dat'));
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.partial?.kind, 'request');
    assert.ok(r.partial?.headers.some((f) => f.key === 'via'));
    assert.ok(r.partial?.headers.some((f) => f.key === 'call-id'));
  });

  it('a stream transport (datagram: false) refuses clerr.dat and dblreq.dat framing', () => {
    // §18.3: on a stream the framer delivers exactly Content-Length octets; a mismatch is an error.
    const clerr = parse(corpus.read('clerr.dat'), { datagram: false });
    assert.equal(clerr.ok, false);
    const dbl = parse(corpus.read('dblreq.dat'), { datagram: false });
    assert.equal(dbl.ok, false);
  });
});

function checkValid(e: Rfc4475Entry): void {
  const buf = corpus.read(e.file);
  const r = parse(buf);
  assert.ok(r.ok, `${e.file} must parse: ${r.ok ? '' : r.error.reason}`);
  const m = r.message;
  assert.equal(m.kind, e.kind);
  const spec = VALID[e.file];
  spec.check(m);
  if (m instanceof SipRequest) {
    assert.equal(validateRequest(m, { knownMethods: KNOWN_METHODS })?.status, spec.validate);
  }
  // Forwarding a valid message keeps every header line and the body octets.
  const again = parse(serialize(m));
  assert.ok(again.ok, `${e.file} re-parses after serialize`);
  // serialize() adds a Content-Length when the message had none (RFC 2543 peers, inv2543).
  const added = m.contentLength === undefined ? [`Content-Length: ${m.body.length}`] : [];
  assert.deepEqual(
    again.message.headers.map((f) => f.line()),
    [...m.headers.map((f) => f.line()), ...added],
  );
  assert.deepEqual(again.message.body, m.body);
  // Every list value of the essential headers re-splits the same way.
  for (const f of m.fields('via')) assert.ok(splitList(f.value) !== undefined);
  // A transaction keeps a message packed (compact()) and sends it again from that form.
  const wire = serialize(m);
  const values = m.headers.map((f) => [f.key, f.value]);
  m.compact();
  assert.deepEqual(serialize(m), wire, `${e.file} is sent the same from its packed form`);
  assert.deepEqual(m.headers.map((f) => [f.key, f.value]).slice(0, values.length), values, `${e.file} unpacks to the same fields`);
}
