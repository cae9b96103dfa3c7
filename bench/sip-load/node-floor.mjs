#!/usr/bin/env node
/**
 * The runtime's floor for the register benchmark: NOT a SIP server. It answers the harness's
 * REGISTER scenario with the least work a Node.js process can do — one UDP receive, the five
 * headers a response must copy found by a line scan, one canned 401 or 200 sent back — and
 * no parsing, no digest check, no storage. The rate it holds in `run.sh … register` is an upper
 * bound for any Node.js registrar on this machine with this harness, measured in the same
 * sitting as Kamailio and Switchboard (compare.sh `floor` mode).
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

/** The response for one REGISTER, or undefined for anything else. */
function answer(msg) {
  const text = msg.toString('latin1');
  if (!text.startsWith('REGISTER ')) return undefined;
  const lines = text.split('\r\n');
  const copied = [];
  let contact = '';
  let authorized = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') break;
    const lower = line.slice(0, 16).toLowerCase();
    if (COPIED.some((h) => lower.startsWith(h))) {
      copied.push(lower.startsWith('to:') || lower.startsWith('t:') ? `${line};tag=floor` : line);
    } else if (lower.startsWith('authorization')) authorized = true;
    else if (lower.startsWith('contact:') || lower.startsWith('m:')) contact = line;
  }
  const head = authorized
    ? ['SIP/2.0 200 OK', ...copied, `${contact};expires=3600`]
    : ['SIP/2.0 401 Unauthorized', ...copied, 'WWW-Authenticate: Digest realm="127.0.0.1", nonce="floor0123456789abcdef", qop="auth", algorithm=MD5'];
  return Buffer.from(`${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, 'latin1');
}

function serve() {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const reply = answer(msg);
    if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address);
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
