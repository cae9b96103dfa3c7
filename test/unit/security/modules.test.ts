import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { AclTable, OverloadDetector, aclAuthorizer, createAclModule, createOverloadModule, createScannerModule } from '../../../src/security/index.js';
import type { EndpointModule, IncomingRequest } from '../../../src/sip/endpoint/index.js';
import { type SipRequest, parse } from '../../../src/sip/message/index.js';

function request(method: string, o: { from?: string; to?: string; toTag?: string; ua?: string; auth?: string; proxyAuth?: string } = {}): SipRequest {
  const lines = [
    `${method} sip:${method === 'REGISTER' ? '' : 'bob@'}example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    `To: <sip:${o.to ?? 'bob'}@example.com>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
    `From: <sip:${o.from ?? 'alice'}@example.com>;tag=1928301774`,
    'Call-ID: a84b4c76e66710@pc33.example.com',
    `CSeq: 1 ${method}`,
    ...(o.ua === undefined ? [] : [`User-Agent: ${o.ua}`]),
    ...(o.auth === undefined ? [] : [`Authorization: Digest username="${o.auth}", realm="example.com", nonce="n", uri="sip:example.com", response="00000000000000000000000000000000"`]),
    ...(o.proxyAuth === undefined ? [] : [`Proxy-Authorization: Digest username="${o.proxyAuth}", realm="example.com", nonce="n", uri="sip:bob@example.com", response="00000000000000000000000000000000"`]),
    'Content-Length: 0',
    '',
    '',
  ];
  const r = parse(Buffer.from(lines.join('\r\n')));
  assert.ok(r.ok && r.message.kind === 'request', 'test request parses');
  return r.message as SipRequest;
}

interface Answer {
  status: number;
  reason?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
}

function run(m: EndpointModule, req: SipRequest, host = '192.0.2.50'): { handled: boolean; answers: Answer[] } {
  const answers: Answer[] = [];
  const incoming: IncomingRequest = {
    request: req,
    rx: { source: { transport: 'udp', host, port: 5060 }, local: { transport: 'udp', host: '192.0.2.1', port: 5060 }, receivedAt: 0 },
    isLocal: true,
    answered: false,
    respond: (status, opts) => answers.push({ status, ...(opts?.reason === undefined ? {} : { reason: opts.reason }), ...(opts?.headers === undefined ? {} : { headers: opts.headers as Answer['headers'] }) }),
    send: () => assert.fail('no module here relays'),
  };
  const handled = m.onRequest!(incoming);
  assert.equal(typeof handled, 'boolean');
  return { handled: handled as boolean, answers };
}

describe('scanner module', () => {
  it('refuses a blocked User-Agent (any case, substring) with 403 and reports the source; others pass', () => {
    const seen: string[] = [];
    const m = createScannerModule({ userAgents: ['friendly-scanner', 'sipcli'], onScanner: (s, ua) => seen.push(`${s} ${ua}`) });
    assert.equal(m.priority, 'security');
    assert.deepEqual(run(m, request('REGISTER', { ua: 'friendly-scanner' })), { handled: true, answers: [{ status: 403 }] });
    assert.deepEqual(run(m, request('OPTIONS', { ua: 'SIPCLI/v1.63' })), { handled: true, answers: [{ status: 403 }] });
    assert.deepEqual(run(m, request('ACK', { ua: 'friendly-scanner' })), { handled: true, answers: [] }, 'an ACK is absorbed, never answered');
    assert.deepEqual(run(m, request('INVITE', { ua: 'Linphone/5.2' })), { handled: false, answers: [] });
    assert.deepEqual(run(m, request('INVITE')), { handled: false, answers: [] });
    assert.deepEqual(seen, ['192.0.2.50 friendly-scanner', '192.0.2.50 SIPCLI/v1.63', '192.0.2.50 friendly-scanner']);
  });

  it('with an empty list blocks nothing', () => {
    const m = createScannerModule({ userAgents: [], onScanner: () => assert.fail('nothing is blocked') });
    assert.equal(run(m, request('REGISTER', { ua: 'friendly-scanner' })).handled, false);
  });
});

describe('ACL module', () => {
  const table = new AclTable([
    { user: 'alice', allow: ['192.0.2.0/24'] },
    { user: 'carol@example.com', allow: ['198.51.100.7'] },
  ]);
  const denied: string[] = [];
  const m = createAclModule({ table, isTrusted: (ip) => ip === '203.0.113.1', onDenied: (s, u) => denied.push(`${s} ${u}`) });

  it('leaves every request from an untrusted source to the registrar / proxy, credentials or not (they challenge it like an unknown user)', () => {
    denied.length = 0;
    // Wrong or right password alike: the module cannot tell, and must not answer differently
    // from an unknown user's; aclAuthorizer refuses the credentials that verify.
    assert.deepEqual(run(m, request('REGISTER', { to: 'alice', from: 'alice', auth: 'alice' }), '203.0.113.9'), { handled: false, answers: [] });
    assert.deepEqual(run(m, request('INVITE', { from: 'alice', proxyAuth: 'alice' }), '203.0.113.9'), { handled: false, answers: [] });
    assert.deepEqual(run(m, request('INVITE', { from: 'mallory', proxyAuth: 'carol' }), '192.0.2.10'), { handled: false, answers: [] });
    assert.equal(run(m, request('REGISTER', { to: 'alice', auth: 'alice' }), '192.0.2.10').handled, false);
    assert.equal(run(m, request('REGISTER', { to: 'dave', auth: 'dave' }), '203.0.113.9').handled, false);
    assert.equal(run(m, request('REGISTER', { to: 'alice' }), '203.0.113.9').handled, false, 'no credentials: same 401 as an unknown user');
    assert.equal(run(m, request('INVITE', { from: 'alice' }), '203.0.113.9').handled, false);
    assert.equal(run(m, request('ACK', { from: 'alice', proxyAuth: 'alice' }), '203.0.113.1').handled, false);
    assert.equal(run(m, request('REGISTER', { to: 'alice' }), '203.0.113.1').handled, false, 'a REGISTER is authenticated even from a trusted source');
    assert.deepEqual(denied, []);
  });

  it('aclAuthorizer: verified credentials from outside the user\'s networks → 403 and reported; inside, or users without an ACL, pass', () => {
    const refused: string[] = [];
    const authorize = aclAuthorizer({ table, onDenied: (s, u, why) => refused.push(`${s} ${u} ${why}`) });
    const src = (host: string) => ({ transport: 'udp' as const, host, port: 5060 });
    assert.deepEqual(authorize({ user: 'alice', realm: 'example.com', method: 'REGISTER', source: src('203.0.113.9') }), { ok: false, status: 403, reason: 'Forbidden' });
    assert.deepEqual(authorize({ user: 'carol', realm: 'example.com', method: 'INVITE', source: src('192.0.2.10') }), { ok: false, status: 403, reason: 'Forbidden' });
    assert.deepEqual(authorize({ user: 'alice', realm: 'example.com', method: 'INVITE', source: src('192.0.2.10') }), { ok: true });
    assert.deepEqual(authorize({ user: 'carol', realm: 'example.com', method: 'INVITE', source: src('198.51.100.7') }), { ok: true });
    assert.deepEqual(authorize({ user: 'carol', realm: 'example.org', method: 'INVITE', source: src('192.0.2.10') }), { ok: true }, 'carol@example.com only');
    assert.deepEqual(authorize({ user: 'dave', realm: 'example.com', method: 'REGISTER', source: src('203.0.113.9') }), { ok: true });
    assert.deepEqual(refused, [
      "203.0.113.9 alice@example.com REGISTER with valid credentials from a network outside the user's ACL",
      "192.0.2.10 carol@example.com INVITE with valid credentials from a network outside the user's ACL",
    ]);
  });

  it('a source that needs no credentials (proxy.trusted) is checked on its From claim', () => {
    denied.length = 0;
    assert.deepEqual(run(m, request('INVITE', { from: 'alice' }), '203.0.113.1'), { handled: true, answers: [{ status: 403 }] });
    assert.deepEqual(denied, ['203.0.113.1 alice@example.com']);
  });

  it('name@domain entries apply to that domain only', () => {
    assert.notEqual(table.networksFor('carol', 'example.com'), undefined);
    assert.equal(table.networksFor('carol', 'example.org'), undefined);
    assert.notEqual(table.networksFor('alice', 'example.org'), undefined);
  });
});

describe('overload guard', () => {
  it('samples delay and in-flight every period with hysteresis, and reports changes', () => {
    const clock = new ManualClock();
    let delay = 0;
    let inFlight = 0;
    const changes: string[] = [];
    const d = new OverloadDetector({ clock, sampleMs: 1000, maxDelayMs: 200, maxInFlight: 100, readDelayMs: () => delay, inFlight: () => inFlight, onChange: (on) => changes.push(on ? 'on' : 'off') });
    d.start();
    delay = 300;
    assert.equal(d.overloaded, false, 'not before a sample');
    clock.advance(1000);
    assert.equal(d.overloaded, true);
    delay = 150; // above half the limit: still overloaded
    clock.advance(1000);
    assert.equal(d.overloaded, true);
    delay = 50;
    clock.advance(1000);
    assert.equal(d.overloaded, false);
    inFlight = 101;
    clock.advance(1000);
    assert.equal(d.overloaded, true);
    inFlight = 10;
    clock.advance(1000);
    assert.equal(d.overloaded, false);
    assert.deepEqual(changes, ['on', 'off', 'on', 'off']);
    d.stop();
    inFlight = 1000;
    clock.advance(5000);
    assert.equal(d.overloaded, false, 'stopped: no more samples');
  });

  it('answers new initial requests 503 + Retry-After while overloaded; in-dialog, ACK, CANCEL and BYE pass', () => {
    let overloaded = true;
    const m = createOverloadModule({ isOverloaded: () => overloaded, retryAfterS: 7 });
    assert.deepEqual(run(m, request('INVITE')), { handled: true, answers: [{ status: 503, reason: 'Overloaded', headers: [['Retry-After', '7']] }] });
    assert.equal(run(m, request('REGISTER')).answers[0]?.status, 503);
    assert.equal(run(m, request('INVITE', { toTag: 'abc' })).handled, false, 're-INVITE in a dialog');
    for (const method of ['ACK', 'CANCEL', 'BYE']) assert.equal(run(m, request(method)).handled, false, method);
    overloaded = false;
    assert.equal(run(m, request('INVITE')).handled, false);
  });
});
