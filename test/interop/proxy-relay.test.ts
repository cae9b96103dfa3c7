/**
 * The proxy is never an open relay (RFC 3261 §26.1 / §16.4): a request from a stranger for a
 * target outside the served domains must not be forwarded — neither a dialog-creating one
 * (403, covered with SIPp in proxy-sipp-failures.test.ts) nor one that merely carries a To
 * tag and looks like part of a dialog but has no Route through this proxy.
 *
 * Raw UDP from loopback; the "foreign" target is a socket on 127.0.0.2 (not a served domain).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { startProxy } from '../support/proxy-deployment.js';
import { newBranch, randomToken, sendUdpRequest } from '../support/sip-client.js';

test(
  'a stranger\'s request with a To tag but no Route through the proxy is not relayed to a foreign target',
  {
    timeout: 30_000,
    // An in-dialog request is forwarded to a foreign Request-URI only when it arrived with a
    // Route entry of ours (the dialog's route set goes through us); else it is refused 403.
  },
  async (t) => {
    const { server } = await startProxy(t, [], {});
    const victim = createSocket('udp4');
    const received: string[] = [];
    victim.on('message', (m) => received.push(m.toString('latin1').split('\r\n')[0]));
    await new Promise<void>((r) => victim.bind(0, '127.0.0.2', r));
    t.after(() => new Promise<void>((r) => victim.close(() => r())));
    const port = victim.address().port;
    for (const method of ['MESSAGE', 'BYE']) {
      const request = [
        `${method} sip:victim@127.0.0.2:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:9;branch=${newBranch()};rport`,
        'Max-Forwards: 70',
        `From: <sip:stranger@example.org>;tag=${randomToken(4)}`,
        `To: <sip:victim@example.net>;tag=${randomToken(4)}`,
        `Call-ID: ${randomToken()}@example.org`,
        `CSeq: 7 ${method}`,
        'Content-Type: text/plain',
        'Content-Length: 5',
        '',
        'hello',
      ].join('\r\n');
      await sendUdpRequest(request, server.sip, { timeoutMs: 1000 });
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(received, [], `relayed to 127.0.0.2:${port}:\n${received.join('\n')}`);
  },
);
