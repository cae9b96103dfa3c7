/**
 * The SIP message log and the call/user fields of SIP log lines: a real SIP core on loopback
 * at debug level logs the received INVITE and the responses it sends with callId and user;
 * at info nothing is subscribed; the call index adds the user to media lines.
 */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../../../src/app/config/index.js';
import { createLogger, flushLogger } from '../../../src/app/log.js';
import { CallUsers } from '../../../src/app/wiring/call-users.js';
import { createSipMessageLog, sipMessageLogFields } from '../../../src/app/wiring/sip-message-log.js';
import { createSipCore } from '../../../src/app/wiring/sip-core.js';
import { CALL_CHANNEL, type CallInfo } from '../../../src/proxy/index.js';
import { SIP_MESSAGE_CHANNEL, sipMessageChannel } from '../../../src/sip/transport/index.js';
import { sipRequest, sipResponse, wireEvent } from '../../support/admin-wire.js';
import { captureLog } from './log-capture.js';

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a received INVITE and the responses sent for it are logged at debug with callId and user', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-siplog-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const loaded = parseConfig(`domains: [example.com]\nlisten: ['udp:127.0.0.1:0']\ndata_dir: ${dir}\n`, 'sb.yaml', { cwd: dir, interfaceAddresses: () => [] });
  assert.ok(loaded.ok, JSON.stringify(loaded));
  if (!loaded.ok) return;
  const log = captureLog();
  const logger = createLogger({ level: 'debug', destination: log.destination });
  const core = await createSipCore(loaded.value, logger);
  await core.start();
  t.after(() => core.stop());
  const listener = String((core.describe?.() as { listeners: string[] }).listeners[0]);
  const port = Number(listener.split(':').at(-1));
  const phone = createSocket('udp4');
  t.after(() => phone.close());
  await new Promise<void>((r) => phone.bind(0, '127.0.0.1', r));
  const phonePort = phone.address().port;
  const invite = sipRequest('INVITE', { callId: 'log-call-1@phone', from: 'alice', to: 'bob' })
    .toString('latin1')
    .replace('192.0.2.10:5062', `127.0.0.1:${phonePort}`);
  phone.send(Buffer.from(invite, 'latin1'), port, '127.0.0.1');
  phone.send(Buffer.from('garbage\r\n\r\n'), port, '127.0.0.1');
  const deadline = Date.now() + 3000;
  const sipLines = () => log.lines.filter((l) => l['component'] === 'sip');
  while (Date.now() < deadline && !sipLines().some((l) => l['direction'] === 'out' && Number(l['status']) >= 200)) await wait(20);
  await flushLogger(logger);

  const lines = sipLines();
  const received = lines.find((l) => l['msg'] === 'SIP request received');
  assert.ok(received !== undefined, JSON.stringify(log.lines));
  assert.equal(received['level'], 'debug');
  assert.equal(received['method'], 'INVITE');
  assert.equal(received['callId'], 'log-call-1@phone');
  assert.equal(received['user'], 'alice');
  assert.equal(received['direction'], 'in');
  assert.equal(received['transport'], 'udp');
  assert.equal(received['source'], `127.0.0.1:${phonePort}`);
  const sent = lines.filter((l) => l['msg'] === 'SIP response sent');
  assert.ok(sent.some((l) => Number(l['status']) >= 200), `a final response was sent: ${JSON.stringify(lines)}`);
  for (const l of sent) {
    assert.equal(l['callId'], 'log-call-1@phone');
    assert.equal(l['user'], 'alice');
    assert.equal(l['method'], 'INVITE');
    assert.equal(l['destination'], `127.0.0.1:${phonePort}`);
  }
  const garbage = lines.find((l) => l['msg'] === 'unparsable SIP message received');
  assert.ok(garbage !== undefined && garbage['unparsable'] === true && garbage['size'] === 11);
});

test('below debug the message log does not subscribe (the transport then publishes nothing)', () => {
  const log = captureLog();
  const info = createSipMessageLog(createLogger({ level: 'info', destination: log.destination }));
  info.start();
  assert.equal(sipMessageChannel.hasSubscribers, false);
  const debug = createSipMessageLog(createLogger({ level: 'debug', destination: log.destination }));
  debug.start();
  assert.equal(sipMessageChannel.hasSubscribers, true);
  diagnostics.channel(SIP_MESSAGE_CHANNEL).publish(wireEvent('in', sipRequest('OPTIONS', { callId: 'o-1' })));
  debug.stop();
  info.stop();
  assert.equal(sipMessageChannel.hasSubscribers, false);
  assert.deepEqual(log.messages(), ['SIP request received']);
});

test('line fields: responses carry status and CSeq method; REGISTER the AOR', () => {
  const f = sipMessageLogFields(wireEvent('out', sipResponse(401, 'Unauthorized', 'REGISTER', { callId: 'r-1', from: 'carol', to: 'carol' }), { timestamp: 1 }));
  assert.deepEqual(f, {
    callId: 'r-1',
    user: 'carol@example.com',
    direction: 'out',
    transport: 'udp',
    destination: '192.0.2.10:5062',
    local: '198.51.100.1:5060',
    size: f['size'],
    method: 'REGISTER',
    status: 401,
  });
  assert.ok(typeof f['size'] === 'number' && f['size'] > 100);
});

test('media lines known by Call-ID get the user of the call from the call events, after the call too', async (t) => {
  const log = captureLog();
  const logger = createLogger({ level: 'debug', destination: log.destination });
  const users = new CallUsers();
  users.start();
  t.after(() => users.stop());
  const wrapped = users.wrap(logger);
  const call: CallInfo = { callId: 'm-1', from: 'sip:alice@example.com', to: 'sip:bob@example.com', user: undefined, source: { transport: 'udp', host: '192.0.2.1', port: 5060 }, state: 'setup', startedAt: 1, answeredAt: undefined };
  const ch = diagnostics.channel(CALL_CHANNEL);
  ch.publish({ kind: 'started', call, timestamp: 1 });
  wrapped.debug({ callId: 'm-1', leg: 'a' }, 'offer relayed');
  ch.publish({ kind: 'answered', call, timestamp: 2, setupMs: 1 });
  ch.publish({ kind: 'ended', call, timestamp: 3, durationMs: 1, reason: 'bye' });
  wrapped.info({ callId: 'm-1', reason: 'bye' }, 'media released');
  wrapped.warn({ callId: 'other' }, 'unknown call');
  wrapped.info({ callId: 'm-1', user: 'given' }, 'user already set');
  await flushLogger(logger);
  assert.deepEqual(
    log.lines.map((l) => [l['msg'], l['callId'], l['user']]),
    [
      ['offer relayed', 'm-1', 'alice'],
      ['media released', 'm-1', 'alice'],
      ['unknown call', 'other', undefined],
      ['user already set', 'm-1', 'given'],
    ],
  );
  assert.equal(users.userOf('m-1'), 'alice');
});
