#!/usr/bin/env node
/**
 * The register benchmark's second floor: Switchboard's own components, and nothing around
 * them. NOT the server and NOT a conformant registrar. Per REGISTER it does the work the
 * register issue requires of any registrar, with the server's code for each piece:
 *
 *   parse + validate (src/sip/message), digest check with stateless nonces and nonce-count
 *   replay refusal (src/auth DigestAuthenticator), user lookup in the SQLite user directory
 *   (100,000 imported users), the §10.3 binding update (src/registrar updateBindings) inside
 *   the SQLite location store's durable group commit (src/location), and the 401/200 built
 *   and serialized by src/sip/message.
 *
 * What it leaves out is the server's architecture: no transport manager, no transaction
 * layer or stateless retransmission cache, no endpoint pipeline or §8.2 checks beyond
 * validate(), no security modules, metrics, diagnostics channels or logging, no NAT/Path/
 * outbound handling. The gap between its rate and the server's is what that architecture
 * costs; the gap between its rate and node-floor.mjs's is what the components cost.
 *
 *   node bench/sip-load/component-floor.mjs PORT DATA_DIR
 *
 * DATA_DIR must hold switchboard.db with the harness users imported (realm 127.0.0.1).
 * Run `npm run build` first: it loads the compiled modules from dist/. Loopback only.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';

const Database = createRequire(import.meta.url)('better-sqlite3');
const load = (path) => import(new URL(`../../dist/src/${path}/index.js`, import.meta.url).href);
const [{ parse, serialize, createResponse, validateRequest, parseNameAddr }, { DigestAuthenticator, SqliteUserDirectory, challengeStale }, { SqliteLocationStore }, { updateBindings, aorKey }, { systemClock }] =
  await Promise.all(['sip/message', 'auth', 'location', 'registrar', 'lib'].map(load));

const port = Number(process.argv[2]);
const dataDir = process.argv[3];
if (!Number.isInteger(port) || port <= 0 || dataDir === undefined) {
  console.error('usage: component-floor.mjs PORT DATA_DIR');
  process.exit(2);
}

const REALM = '127.0.0.1';
const POLICY = { minExpires: 60, maxExpires: 86_400, defaultExpires: 3600, maxContacts: 10 };
// One connection for the user directory and the location store, as the server shares it.
const db = new Database(`${dataDir}/switchboard.db`, { timeout: 5000 });
db.pragma('journal_mode = WAL');
const users = new SqliteUserDirectory(db, false);
const store = new SqliteLocationStore({ file: `${dataDir}/switchboard.db`, database: db });
const auth = new DigestAuthenticator({ secret: randomBytes(32), users, clock: systemClock, algorithms: ['MD5'] });
const socket = dgram.createSocket('udp4');

const reply = (res, rinfo) => socket.send(serialize(res), rinfo.port, rinfo.address);

/** The REGISTER's contacts as updateBindings wants them (the harness sends one, no parameters). */
function contactsOf(req) {
  const contacts = [];
  for (const value of req.headerValues('contact') ?? []) {
    const na = parseNameAddr(value);
    if (na !== undefined) contacts.push({ uri: na.uri.toString() });
  }
  return contacts;
}

async function register(req, rinfo) {
  if (validateRequest(req) !== undefined) return reply(createResponse(req, 400), rinfo);
  const verdict = auth.verify(req, REALM, 'www');
  if (verdict.kind !== 'ok') {
    return reply(createResponse(req, 401, { headers: auth.challenge(REALM, challengeStale(verdict)).map((c) => ['WWW-Authenticate', c]) }), rinfo);
  }
  const expires = req.header('expires');
  const reg = {
    contacts: contactsOf(req),
    expiresHeader: expires === undefined ? undefined : Number(expires),
    callId: req.callId,
    cseq: req.cseq.seq,
    source: { transport: 'udp', host: rinfo.address, port: rinfo.port },
  };
  const now = Date.now();
  const result = await store.modify(aorKey(req.to.uri), now, (current) => updateBindings(current, reg, POLICY, now));
  if (!result.ok) return reply(createResponse(req, result.status, { reason: result.reason, headers: result.headers }), rinfo);
  const headers = result.bindings.map((b) => ['Contact', `<${b.contact}>;expires=${Math.round((b.expiresAt - now) / 1000)}`]);
  reply(createResponse(req, 200, { headers }), rinfo);
}

socket.on('message', (msg, rinfo) => {
  const parsed = parse(msg);
  if (!parsed.ok || parsed.message.kind !== 'request' || parsed.message.method !== 'REGISTER') return;
  register(parsed.message, rinfo).catch((err) => console.error(err));
});
socket.bind(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
