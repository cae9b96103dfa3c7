/**
 * Enumeration check from the outside: the same request (REGISTER, INVITE, OPTIONS, SUBSCRIBE)
 * claiming a known and an unknown user, sent from 127.0.0.1 over UDP without credentials;
 * the answers must not differ in status, reason phrase or header names.
 */
import { createSocket } from 'node:dgram';
import { type ReceivedResponse, type Target, newBranch, parseResponse, randomToken } from './sip-client.js';

function request(method: string, user: string, target: Target, localPort: number): string {
  const host = target.host;
  const ruri = method === 'REGISTER' ? `sip:${host}` : `sip:${user}@${host}`;
  const lines = [
    `${method} ${ruri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=${newBranch()};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${host}>;tag=${randomToken(4)}`,
    `To: <sip:${user}@${host}>`,
    `Call-ID: ${randomToken()}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:${user}@127.0.0.1:${localPort}>`,
    ...(method === 'SUBSCRIBE' ? ['Event: presence', 'Expires: 60'] : []),
    'User-Agent: probe',
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

function ask(target: Target, method: string, user: string): Promise<ReceivedResponse | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => done(undefined), 2000);
    let finished = false;
    const done = (r: ReceivedResponse | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    socket.on('message', (m) => {
      const r = parseResponse(m);
      if (r !== undefined && r.status >= 200) done(r);
    });
    socket.bind(0, '127.0.0.1', () => socket.send(request(method, user, target, socket.address().port), target.port, target.host));
  });
}

function shape(r: ReceivedResponse | undefined): string {
  if (r === undefined) return 'no answer';
  return `${r.status} ${r.reason} [${[...r.headers.keys()].sort().join(',')}]`;
}

/** Differences between the answers for `known` and `unknown`, one line per method that differs. */
export async function compareAnswers(target: Target, users: { known: string; unknown: string }): Promise<string[]> {
  const diffs: string[] = [];
  for (const method of ['REGISTER', 'INVITE', 'OPTIONS', 'SUBSCRIBE']) {
    const known = shape(await ask(target, method, users.known));
    const unknown = shape(await ask(target, method, users.unknown));
    if (known !== unknown) diffs.push(`${method}: known user ${users.known} → ${known}; unknown user ${users.unknown} → ${unknown}`);
  }
  return diffs;
}
