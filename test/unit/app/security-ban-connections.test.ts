/**
 * A ban closes the banned source's stream connections, through the real wiring: the security
 * component (createSecurity) is the admission hook of a real TransportManager on 127.0.0.1 and
 * has that transport attached, as server.ts does. `bans.max_tries` authentication failures
 * reported from one source ban it; then (a) its open TCP / WebSocket connections are closed,
 * (b) a new connection from it is refused, its datagrams dropped, and (c) another loopback
 * source (127.0.0.3) keeps its connection and is still served.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { parseConfig } from '../../../src/app/config/index.js';
import { createLogger, flushLogger } from '../../../src/app/log.js';
import { type Security, createSecurity } from '../../../src/app/wiring/security.js';
import { type ListenerSpec, type TransportEvent, TransportManager } from '../../../src/sip/transport/index.js';
import { RecordingUser, rawOptions, waitFor } from '../../support/net.js';
import { type CapturedLog, captureLog } from './log-capture.js';

const SERVER = '127.0.0.1';
const ATTACKER = '127.0.0.2';
const BYSTANDER = '127.0.0.3';
const MAX_TRIES = 3;

interface Rig {
  security: Security;
  manager: TransportManager;
  user: RecordingUser;
  events: TransportEvent[];
  log: CapturedLog;
  port: (transport: string) => number;
}

async function rig(t: TestContext, listeners: ListenerSpec[]): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-ban-conn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const yaml = [
    'domains: [127.0.0.1]',
    `data_dir: ${dir}`,
    'location: { backend: memory }',
    'security:',
    `  bans: { max_tries: ${MAX_TRIES}, find_time: 600, ban_time: 3600 }`,
    '  flood: { enabled: false }',
    '',
  ].join('\n');
  const loaded = parseConfig(yaml, 'sb.yaml', { cwd: dir, interfaceAddresses: () => [] });
  assert.ok(loaded.ok, JSON.stringify(loaded));
  if (!loaded.ok) throw new Error('config');
  const log = captureLog();
  const logger = createLogger({ level: 'info', destination: log.destination });
  const security = createSecurity(loaded.value, logger);
  await security.start();
  const user = new RecordingUser();
  const events: TransportEvent[] = [];
  const manager = new TransportManager({ listeners, user, admit: security.admit, onEvent: (e) => events.push(e) });
  security.attachTransport(manager);
  const r = await manager.start();
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  t.after(async () => {
    await manager.stop();
    await security.stop();
    await flushLogger(logger);
  });
  const bound = r.value;
  return { security, manager, user, events, log, port: (transport) => bound.find((a) => a.transport === transport)!.port };
}

/** Reports `n` failed authentications from `host`, as the registrar or the proxy would. */
function failAuth(security: Security, host: string, n: number): void {
  for (let i = 0; i < n; i++) {
    security.onAuthEvent({ kind: 'auth-failed', source: { host, port: 5060, transport: 'udp' }, claimed: 'alice', reason: 'wrong password' });
  }
}

interface Peer {
  readonly localAddress: string;
  readonly closed: () => boolean;
  send(text: string): void;
  close(): void;
}

async function tcpFrom(localAddress: string, port: number): Promise<Peer> {
  const socket: Socket = connect({ host: SERVER, port, localAddress });
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { localAddress, closed: () => closed, send: (text) => void socket.write(text), close: () => socket.destroy() };
}

/** A WebSocket client (subprotocol "sip", RFC 7118) from `localAddress`; resolves once open. */
async function wsFrom(localAddress: string, port: number): Promise<Peer> {
  const ws = new WebSocket(`ws://${SERVER}:${port}/`, ['sip'], { localAddress });
  let closed = false;
  ws.on('close', () => (closed = true));
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      assert.equal(ws.protocol, 'sip');
      resolve();
    });
    ws.once('error', reject);
    ws.once('close', () => reject(new Error('closed before open')));
  });
  return { localAddress, closed: () => closed, send: (text) => ws.send(text), close: () => ws.terminate() };
}

function options(transport: string, peer: Peer, branch: string): string {
  return rawOptions({ transport, host: peer.localAddress, port: 5060, branch });
}

const from = (user: RecordingUser, host: string): number => user.messages.filter((m) => m.source.host === host).length;
const securityLines = (log: CapturedLog) => log.lines.filter((l) => typeof l['securityEvent'] === 'string');

test('TCP: a ban closes the banned source\'s open connection, refuses its new ones and drops its datagrams; another source keeps its connection', async (t) => {
  const { security, manager, user, events, log, port } = await rig(t, [
    { transport: 'tcp', host: SERVER, port: 0 },
    { transport: 'udp', host: SERVER, port: 0 },
  ]);
  const attacker = await tcpFrom(ATTACKER, port('tcp'));
  const bystander = await tcpFrom(BYSTANDER, port('tcp'));
  t.after(() => {
    attacker.close();
    bystander.close();
  });
  attacker.send(options('TCP', attacker, 'a1'));
  bystander.send(options('TCP', bystander, 'b1'));
  await waitFor(() => from(user, ATTACKER) === 1 && from(user, BYSTANDER) === 1, 3000, 'one OPTIONS from each source');
  assert.equal(manager.connections().length, 2);

  // One failure short of the threshold: nothing happens yet.
  failAuth(security, ATTACKER, MAX_TRIES - 1);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(attacker.closed(), false, `below max_tries (${MAX_TRIES}) the connection stays open`);
  assert.equal(security.guard().bans.isBanned(ATTACKER), false);

  // (a) The failure that reaches max_tries bans the source and closes its connection.
  failAuth(security, ATTACKER, 1);
  assert.equal(security.guard().bans.isBanned(ATTACKER), true);
  await waitFor(() => attacker.closed(), 3000, 'the banned source\'s connection to be closed');
  assert.deepEqual(manager.connections().map((c) => c.remote.host), [BYSTANDER]);
  const closedEvent = events.find((e) => e.kind === 'connection-closed' && e.connection.remote.host === ATTACKER);
  assert.ok(closedEvent !== undefined && closedEvent.kind === 'connection-closed');
  assert.equal(closedEvent.reason, 'not-admitted');
  const banned = securityLines(log).filter((l) => l['securityEvent'] === 'banned');
  assert.deepEqual(banned.map((l) => l['source']), [ATTACKER], JSON.stringify(log.lines));
  assert.match(String(banned[0]!['reason']), new RegExp(`${MAX_TRIES} failed authentications`));
  assert.equal(securityLines(log).filter((l) => l['securityEvent'] === 'auth-failed' && l['source'] === ATTACKER).length, MAX_TRIES);
  const closedLine = log.lines.find((l) => l['msg'] === 'connections of a banned address closed');
  assert.ok(closedLine !== undefined, JSON.stringify(log.lines));
  assert.equal(closedLine['address'], ATTACKER);
  assert.equal(closedLine['closed'], 1);

  // (b) A new connection from the banned source is closed at once and delivers nothing.
  const again = await tcpFrom(ATTACKER, port('tcp'));
  t.after(() => again.close());
  again.send(options('TCP', again, 'a2'));
  await waitFor(() => again.closed(), 3000, 'the new connection from the banned source to be closed');
  assert.ok(events.some((e) => e.kind === 'connection-refused' && e.remote.host === ATTACKER && e.reason === 'not-admitted'));
  // … and its datagrams are dropped without an answer (nothing reaches the SIP layer).
  const udp = createSocket('udp4');
  t.after(() => udp.close());
  await new Promise<void>((r) => udp.bind(0, ATTACKER, r));
  udp.send(rawOptions({ transport: 'UDP', host: ATTACKER, port: udp.address().port, branch: 'a3' }), port('udp'), SERVER);

  // (c) The other source is untouched: its connection stays open and is still served.
  bystander.send(options('TCP', bystander, 'b2'));
  await waitFor(() => from(user, BYSTANDER) === 2, 3000, 'the bystander\'s second OPTIONS');
  const fresh = await tcpFrom(BYSTANDER, port('tcp'));
  t.after(() => fresh.close());
  fresh.send(options('TCP', fresh, 'b3'));
  await waitFor(() => from(user, BYSTANDER) === 3, 3000, 'an OPTIONS on a new bystander connection');
  assert.equal(bystander.closed(), false);
  assert.equal(fresh.closed(), false);
  assert.equal(from(user, ATTACKER), 1, 'nothing from the banned source after the ban (TCP nor UDP)');
  assert.equal(manager.connections().filter((c) => c.remote.host === ATTACKER).length, 0);
  assert.equal(manager.connections().filter((c) => c.remote.host === BYSTANDER).length, 2);
});

test('WebSocket (subprotocol sip): a ban closes the banned source\'s WebSocket and refuses a new one; another source keeps its WebSocket', async (t) => {
  const { security, manager, user, events, port } = await rig(t, [{ transport: 'ws', host: SERVER, port: 0 }]);
  const attacker = await wsFrom(ATTACKER, port('ws'));
  const bystander = await wsFrom(BYSTANDER, port('ws'));
  t.after(() => {
    attacker.close();
    bystander.close();
  });
  attacker.send(options('WS', attacker, 'w1'));
  bystander.send(options('WS', bystander, 'w2'));
  await waitFor(() => from(user, ATTACKER) === 1 && from(user, BYSTANDER) === 1, 3000, 'one OPTIONS from each WebSocket');
  assert.deepEqual(manager.connections().map((c) => c.transport), ['ws', 'ws']);

  failAuth(security, ATTACKER, MAX_TRIES);
  await waitFor(() => attacker.closed(), 3000, 'the banned source\'s WebSocket to be closed');
  assert.deepEqual(manager.connections().map((c) => c.remote.host), [BYSTANDER]);
  assert.ok(events.some((e) => e.kind === 'connection-closed' && e.connection.remote.host === ATTACKER && e.reason === 'not-admitted'));

  // A new WebSocket from the banned source: the connection is refused (closed during or
  // right after the handshake); never listed, nothing delivered.
  const outcome = await new Promise<string>((resolve) => {
    const ws = new WebSocket(`ws://${SERVER}:${port('ws')}/`, ['sip'], { localAddress: ATTACKER });
    const timer = setTimeout(() => (ws.terminate(), resolve('still open after 3 s')), 3000);
    ws.on('open', () => ws.send(rawOptions({ transport: 'WS', host: ATTACKER, port: 5060, branch: 'w3' })));
    ws.on('error', () => undefined);
    ws.on('close', () => (clearTimeout(timer), resolve('closed')));
  });
  assert.equal(outcome, 'closed');
  assert.ok(events.some((e) => e.kind === 'connection-refused' && e.remote.host === ATTACKER && e.reason === 'not-admitted'));

  bystander.send(options('WS', bystander, 'w4'));
  await waitFor(() => from(user, BYSTANDER) === 2, 3000, 'the bystander\'s second OPTIONS');
  assert.equal(bystander.closed(), false);
  assert.equal(from(user, ATTACKER), 1);
  assert.deepEqual(manager.connections().map((c) => c.remote.host), [BYSTANDER]);
});
