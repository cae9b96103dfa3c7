/**
 * The per-user ACL against user enumeration, through the real wiring (src/app/wiring security
 * and registration: registrar, proxy, security modules, one logger) on the loop transport:
 * from outside alice's networks, a request without credentials or with a wrong password gets
 * exactly what a request for an unknown user gets; only alice's right password is refused
 * with 403 (and logged as acl-denied). Also: one failed proxy authentication is one
 * security line, not two.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../../src/app/config/index.js';
import { createLogger } from '../../../src/app/log.js';
import { createRegistration } from '../../../src/app/wiring/registration.js';
import { createSecurity } from '../../../src/app/wiring/security.js';
import { answerChallenge } from '../../../src/auth/index.js';
import { ManualClock } from '../../../src/lib/index.js';
import { SECURITY_CHANNEL, type SecurityEvent } from '../../../src/security/index.js';
import { Endpoint, LocalIdentity } from '../../../src/sip/endpoint/index.js';
import { type SipResponse, serialize } from '../../../src/sip/message/index.js';
import { LoopNetwork, type NetAddress } from '../../../src/sip/transport/index.js';

const SERVER: NetAddress = { transport: 'udp', host: '192.0.2.1', port: 5060 };
const OUTSIDE = '203.0.113.9';
const INSIDE = '192.0.2.10';

const CONFIG = `
domains: [example.com]
location: { backend: memory }
users:
  - { name: alice, password: a-pw }
  - { name: bob, password: b-pw }
security:
  acl:
    - { user: alice, allow: [192.0.2.0/24] }
  bans: { max_tries: 100 }
`;

type LogLine = Record<string, unknown>;

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'sb-acl-enum-'));
  const parsed = parseConfig(CONFIG, 'test', { overrides: { dataDir: dir } });
  assert.ok(parsed.ok, JSON.stringify(parsed.ok ? undefined : parsed.error));
  const config = parsed.value;
  const lines: LogLine[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) } });
  const clock = new ManualClock(0, Date.UTC(2026, 10, 21));
  const security = createSecurity(config, logger, clock);
  const registration = createRegistration(config, logger, clock, { callPolicy: security.callPolicy, onAuthEvent: security.onAuthEvent });
  await security.start();
  await registration.start();
  const net = new LoopNetwork(clock);
  const serverT = net.endpoint(SERVER);
  const endpoint = new Endpoint({ transport: serverT, clock, identity: new LocalIdentity(['example.com'], [SERVER]) });
  for (const factory of [...security.modules, registration.registrarModule, registration.proxyModule]) endpoint.use(factory(endpoint));
  serverT.attach(endpoint.transportUser);

  const received = new Map<string, SipResponse[]>();
  for (const host of [OUTSIDE, INSIDE]) {
    const got: SipResponse[] = [];
    received.set(host, got);
    net.endpoint({ transport: 'udp', host, port: 5060 }).attach({ onMessage: (rx) => void (rx.message.kind === 'response' && got.push(rx.message)), onInvalid: () => undefined });
  }
  let n = 0;
  /** Sends one request from `host` as `user` and returns the final response to it. */
  const send = async (host: string, method: string, user: string, credentials?: { header: string; value: string }): Promise<SipResponse> => {
    const i = ++n;
    const uri = method === 'REGISTER' ? 'sip:example.com' : 'sip:bob@example.com';
    const text = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bK-${i};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@example.com>;tag=f${i}`,
      `To: <sip:${method === 'REGISTER' ? user : 'bob'}@example.com>`,
      `Call-ID: call-${i}@test`,
      `CSeq: 1 ${method}`,
      `Contact: <sip:${user}@${host}:5060>`,
      ...(method === 'SUBSCRIBE' ? ['Event: presence', 'Expires: 600'] : []),
      ...(credentials === undefined ? [] : [`${credentials.header}: ${credentials.value}`]),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    const got = received.get(host)!;
    const before = got.length;
    net.inject({ transport: 'udp', host, port: 5060 }, SERVER, text);
    for (let k = 0; k < 20 && !got.slice(before).some((r) => r.status >= 200); k++) {
      clock.advance(0);
      await new Promise((r) => setImmediate(r));
    }
    const final = got.slice(before).find((r) => r.status >= 200);
    assert.ok(final !== undefined, `${method} from ${host} as ${user} was answered`);
    return final;
  };
  /** The request without credentials, then answered with `password`: both responses. */
  const attempt = async (host: string, method: string, user: string, password: string): Promise<[SipResponse, SipResponse | undefined]> => {
    const first = await send(host, method, user);
    if (first.status !== 401 && first.status !== 407) return [first, undefined];
    const header = first.status === 401 ? 'www-authenticate' : 'proxy-authenticate';
    const challenge = first.fields(header)[0]!.value;
    const answer = answerChallenge(challenge, { username: user, password, method, uri: method === 'REGISTER' ? 'sip:example.com' : 'sip:bob@example.com' });
    assert.ok(answer.ok);
    return [first, await send(host, method, user, { header: first.status === 401 ? 'Authorization' : 'Proxy-Authorization', value: answer.value })];
  };
  const close = async () => {
    await registration.stop();
    await security.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  return { attempt, lines, close };
}

/** The response as bytes, with what differs by request (user name, tags, Call-ID, branch, nonce) masked. */
function shape(r: SipResponse, user: string): string {
  return serialize(r)
    .toString('latin1')
    .replaceAll(user, 'USER')
    .replace(/tag=[^;>\s,]+/g, 'tag=*')
    .replace(/branch=[^;>\s,]+/g, 'branch=*')
    .replace(/call-\d+@test/g, 'CALL-ID')
    .replace(/nonce="[^"]*"/g, 'nonce="*"');
}

const securityLines = (lines: LogLine[], kind: string): LogLine[] => lines.filter((l) => l['securityEvent'] === kind);

describe('ACL and user enumeration (registrar, proxy and security wired together)', () => {
  it('from outside the ACL: no credentials and a wrong password are answered as for an unknown user; the right password → 403', async () => {
    const s = await setup();
    try {
      for (const method of ['REGISTER', 'INVITE', 'SUBSCRIBE', 'OPTIONS']) {
        const [aliceFirst, aliceWrong] = await s.attempt(OUTSIDE, method, 'alice', 'not-her-password');
        const [nobodyFirst, nobodyWrong] = await s.attempt(OUTSIDE, method, 'nobody', 'not-her-password');
        assert.equal(shape(aliceFirst, 'alice'), shape(nobodyFirst, 'nobody'), `${method} without credentials`);
        assert.equal(serialize(aliceFirst).toString('latin1').split('\r\n')[0], serialize(nobodyFirst).toString('latin1').split('\r\n')[0]);
        if (method === 'OPTIONS') continue; // answered by the server itself (200), for anyone
        assert.ok(aliceFirst.status === 401 || aliceFirst.status === 407, `${method} is challenged (${aliceFirst.status})`);
        assert.ok(aliceWrong !== undefined && nobodyWrong !== undefined);
        assert.equal(shape(aliceWrong, 'alice'), shape(nobodyWrong, 'nobody'), `${method} with a wrong password`);
        assert.equal(aliceWrong.status, aliceFirst.status, 'a wrong password is challenged again');
      }
      // Each wrong password is one auth failure (toward a ban), alice's as anyone's; no ACL line yet.
      const failed = securityLines(s.lines, 'auth-failed');
      assert.equal(failed.length, 6, JSON.stringify(failed));
      assert.equal(failed.filter((l) => String(l['user']).includes('alice')).length, 3);
      assert.equal(securityLines(s.lines, 'acl-denied').length, 0);

      for (const method of ['REGISTER', 'INVITE', 'SUBSCRIBE']) {
        const [, right] = await s.attempt(OUTSIDE, method, 'alice', 'a-pw');
        assert.equal(right?.status, 403, `${method} with alice's password from outside`);
      }
      const denied = securityLines(s.lines, 'acl-denied');
      assert.deepEqual(
        denied.map((l) => [l['source'], l['user']]),
        Array(3).fill([OUTSIDE, 'alice@example.com']),
      );
      assert.match(String(denied[0]!['reason']), /REGISTER with valid credentials from a network outside the user's ACL/);

      const [, inside] = await s.attempt(INSIDE, 'REGISTER', 'alice', 'a-pw');
      assert.equal(inside?.status, 200, 'from her own network alice registers');
      assert.equal(securityLines(s.lines, 'acl-denied').length, 3);
    } finally {
      await s.close();
    }
  });

  it('one INVITE with a wrong password is one auth-failed line and one event (the proxy leaves the line to the security sink)', async () => {
    const s = await setup();
    const events: SecurityEvent[] = [];
    const listener = (m: unknown): void => void events.push(m as SecurityEvent);
    subscribe(SECURITY_CHANNEL, listener);
    try {
      const [challenge, wrong] = await s.attempt(OUTSIDE, 'INVITE', 'bob', 'wrong');
      assert.equal(challenge.status, 407);
      assert.equal(wrong?.status, 407);
      const failed = securityLines(s.lines, 'auth-failed');
      assert.equal(failed.length, 1, JSON.stringify(failed));
      assert.equal(failed[0]!['source'], OUTSIDE, 'the source as a string, as the SIEM expects');
      assert.deepEqual(
        events.filter((e) => e.kind === 'auth-failed').map((e) => [e.source, e.user]),
        [[OUTSIDE, 'bob']],
      );
    } finally {
      unsubscribe(SECURITY_CHANNEL, listener);
      await s.close();
    }
  });
});
