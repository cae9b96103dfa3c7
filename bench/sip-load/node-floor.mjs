#!/usr/bin/env node
/**
 * The runtime's floor for the register and call benchmarks: NOT a SIP server. It answers the
 * harness's REGISTER scenario with the least work a Node.js process can do — one UDP receive,
 * the five headers a response must copy found by a line scan, one canned 401 or 200 sent
 * back — and no parsing, no digest check, no storage. The rate it holds in `run.sh … register`
 * is an upper bound for any Node.js registrar on this machine with this harness, measured in
 * the same sitting as Kamailio and Switchboard (compare.sh `floor` mode).
 *
 * For `run.sh … call` it relays the rest by line edits, with no state and no parsing: a
 * request gets a Via of ours on top (and an INVITE a Record-Route and a canned 100 Trying, as a
 * stateful proxy sends), our Route is dropped, and it goes to the contact the last REGISTER
 * named (the harness registers every callee at one UAS); a response loses our Via and goes to
 * the sent-by of the next one. No retransmission handling, no CANCEL, no Max-Forwards check:
 * an upper bound for a Node.js proxy here (compare.sh `floor-call` mode).
 *
 *   node bench/sip-load/node-floor.mjs PORT [WORKERS]
 *
 * WORKERS > 1 forks that many processes sharing the one socket (node:cluster hands each
 * worker the same handle, so the kernel gives every datagram to one of them): the floor of a
 * multi-process Node.js server. Loopback only.
 */
import cluster from 'node:cluster';
import dgram from 'node:dgram';

const port = Number(process.argv[2]);
const workers = Number(process.argv[3] ?? 1);
if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(workers) || workers < 1) {
  console.error('usage: node-floor.mjs PORT [WORKERS]');
  process.exit(2);
}

const COPIED = ['via:', 'v:', 'from:', 'f:', 'to:', 't:', 'call-id:', 'i:', 'cseq:'];
const ME = `127.0.0.1:${port}`;
/** Where the callees are: host and port of the Contact of the first REGISTER. */
let callee;
let branches = 0;

/** The header lines a response copies from its request; the To line tagged when `toTag`. */
function copiedHeaders(lines, toTag) {
  const copied = [];
  for (let i = 1; i < lines.length; i++) {
    const lower = lines[i].slice(0, 16).toLowerCase();
    if (!COPIED.some((h) => lower.startsWith(h))) continue;
    copied.push(toTag !== undefined && (lower.startsWith('to:') || lower.startsWith('t:')) ? `${lines[i]};tag=${toTag}` : lines[i]);
  }
  return copied;
}

/** The canned 401 or 200 for a REGISTER's header lines, and its Contact line. */
function register(lines) {
  let contact = '';
  let authorized = false;
  for (let i = 1; i < lines.length; i++) {
    const lower = lines[i].slice(0, 16).toLowerCase();
    if (lower.startsWith('authorization')) authorized = true;
    else if (lower.startsWith('contact:') || lower.startsWith('m:')) contact = lines[i];
  }
  const copied = copiedHeaders(lines, 'floor');
  const head = authorized
    ? ['SIP/2.0 200 OK', ...copied, `${contact};expires=3600`]
    : ['SIP/2.0 401 Unauthorized', ...copied, 'WWW-Authenticate: Digest realm="127.0.0.1", nonce="floor0123456789abcdef", qop="auth", algorithm=MD5'];
  return { bytes: Buffer.from(`${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, 'latin1'), contact };
}

/** The canned 100 Trying for an INVITE's header lines. */
function trying(lines) {
  return Buffer.from(`SIP/2.0 100 Trying\r\n${copiedHeaders(lines).join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, 'latin1');
}

/** `sip:user@host:port;…` in a Contact line → [host, port]. */
function contactAddress(line) {
  const m = /@([0-9.]+):(\d+)/.exec(line);
  return m === null ? undefined : [m[1], Number(m[2])];
}

/**
 * Relays a request (to the callee) or a response (to the next Via), given its header lines and
 * the rest of the datagram from the empty line on; undefined to drop it.
 */
function relay(lines, body) {
  if (lines[0].startsWith('SIP/2.0 ')) {
    // Response: drop our (top) Via value — its own line, or the first of a comma list.
    const ours = lines.findIndex((l) => /^(via|v):/i.test(l));
    if (ours < 0) return undefined;
    const comma = lines[ours].indexOf(', ');
    if (comma < 0) lines.splice(ours, 1);
    else lines[ours] = `Via: ${lines[ours].slice(comma + 2)}`;
    const next = lines.find((l) => /^(via|v):/i.test(l));
    const m = next === undefined ? null : /SIP\/2\.0\/UDP ([0-9.]+):(\d+)/i.exec(next);
    if (m === null) return undefined;
    return { bytes: Buffer.from(`${lines.join('\r\n')}${body}`, 'latin1'), host: m[1], port: Number(m[2]) };
  }
  if (callee === undefined) return undefined;
  const out = [lines[0], `Via: SIP/2.0/UDP ${ME};branch=z9hG4bKfloor${++branches}`];
  if (lines[0].startsWith('INVITE ')) out.push(`Record-Route: <sip:${ME};lr>`);
  for (let i = 1; i < lines.length; i++) {
    if (/^route:/i.test(lines[i]) && lines[i].includes(ME)) continue;
    out.push(lines[i]);
  }
  return { bytes: Buffer.from(`${out.join('\r\n')}${body}`, 'latin1'), host: callee[0], port: callee[1] };
}

function serve() {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const text = msg.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = text.slice(0, end).split('\r\n');
    if (lines[0].startsWith('REGISTER ')) {
      const reply = register(lines);
      // The first REGISTER names the callees' UAS (the call harness registers them all there).
      if (callee === undefined) callee = contactAddress(reply.contact);
      socket.send(reply.bytes, rinfo.port, rinfo.address);
      return;
    }
    if (lines[0].startsWith('INVITE ')) socket.send(trying(lines), rinfo.port, rinfo.address);
    const out = relay(lines, text.slice(end));
    if (out !== undefined) socket.send(out.bytes, out.port, out.host);
  });
  socket.bind(port, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  serve();
}
