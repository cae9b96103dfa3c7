/**
 * Media relay throughput (bounded, ~15 s):
 *  1. the Sans-IO session core alone: ns per packet for passthrough, PT rewrite and PCMU→PCMA
 *     transcoding (no sockets);
 *  2. the full relay on loopback UDP: a worker thread plays both endpoints of C calls (G.711
 *     sized packets, 50 pps per direction) at fixed aggregate rates for 2 s each, and reports
 *     delivered rate and loss.
 * The comparison with the shared harness (C load generator, CPU pinning, max clean rate search)
 * is bench/media/run-shared-harness.sh.
 *   node dist/bench/media/relay-throughput.bench.js [core-packets] [rate,rate,...]
 */
import { Worker } from 'node:worker_threads';
import { CodecRegistry, MediaRelay, RelaySession, buildRtpPacket } from '../../src/media/index.js';
import { ManualClock, systemClock } from '../../src/lib/index.js';

const CORE_PACKETS = Number(process.argv[2] ?? 2_000_000);
const RATES = (process.argv[3] ?? '10000,20000,40000').split(',').map(Number);
const SECONDS = 2;

// ---- 1. Sans-IO core ----
function coreRun(label: string, mapping: Parameters<RelaySession['setCodecMapping']>[0]): void {
  const clock = new ManualClock();
  const s = new RelaySession('bench', { a: { rtp: 1 }, b: { rtp: 2 } }, { clock, registry: CodecRegistry.withDefaults(), timeoutMs: 1e12, onTimeout: () => undefined });
  s.setRemote('a', { address: '127.0.0.1', port: 4000 });
  s.setRemote('b', { address: '127.0.0.1', port: 5000 });
  s.setCodecMapping(mapping);
  const pa = buildRtpPacket({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 1, payload: Buffer.alloc(160, 0xff) });
  const pb = buildRtpPacket({ payloadType: 8, sequence: 0, timestamp: 0, ssrc: 2, payload: Buffer.alloc(160, 0xd5) });
  const run = (n: number): number => {
    let forwarded = 0;
    for (let i = 0; i < n; i++) {
      const p = (i & 1) === 0 ? pa : pb;
      const seq = (i >> 1) & 0xffff;
      p[2] = seq >> 8;
      p[3] = seq & 0xff;
      if (mapping !== undefined) p[1] = (i & 1) === 0 ? 0 : 8;
      if (s.receiveRtp((i & 1) === 0 ? s.a.rtp : s.b.rtp, p, '127.0.0.1', (i & 1) === 0 ? 4000 : 5000, i * 0.01) !== null) forwarded++;
    }
    return forwarded;
  };
  run(Math.min(200_000, CORE_PACKETS)); // warm-up
  const t0 = process.hrtime.bigint();
  const fwd = run(CORE_PACKETS);
  const ns = Number(process.hrtime.bigint() - t0) / CORE_PACKETS;
  if (fwd !== CORE_PACKETS) throw new Error(`${label}: forwarded ${fwd}/${CORE_PACKETS}`);
  console.log(`core ${label.padEnd(22)} ${ns.toFixed(1).padStart(7)} ns/packet  (${(1e9 / ns / 1e6).toFixed(2)} M packets/s)`);
}

coreRun('passthrough', undefined);
coreRun('PT rewrite (0→0, 8→8)', { aToB: { 0: { toPt: 0 } }, bToA: { 8: { toPt: 8 } } });
coreRun('PCMU↔PCMA transcode', { aToB: { 0: { toPt: 8, transcode: { from: 'PCMU', to: 'PCMA' } } }, bToA: { 8: { toPt: 0, transcode: { from: 'PCMA', to: 'PCMU' } } } });

// ---- 2. loopback UDP through the relay ----
const GENERATOR = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const { legs, rate, seconds } = workerData; // legs: [portA, portB] per call
const streams = legs.length * 2;
const EPS = 8;
const socks = [];
let received = 0;
let bound = 0;
const start = () => {
  const perMs = rate / 1000;
  const pkt = Buffer.alloc(172); pkt[0] = 0x80;
  let sent = 0, due = 0, t0 = Date.now();
  const tick = () => {
    const elapsed = Date.now() - t0;
    if (elapsed >= seconds * 1000) { setTimeout(() => parentPort.postMessage({ sent, received }), 300); return; }
    due = Math.floor(elapsed * perMs);
    while (sent < due) {
      const s = sent % streams;
      const call = s >> 1;
      pkt.writeUInt16BE((sent / streams) & 0xffff, 2);
      pkt.writeUInt32BE(s, 8);
      socks[s % EPS].send(pkt, legs[call][s & 1], '127.0.0.1');
      sent++;
    }
    setImmediate(tick);
  };
  tick();
};
for (let i = 0; i < EPS; i++) {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  s.on('message', () => { received++; });
  s.bind(0, '127.0.0.1', () => { if (++bound === EPS) start(); });
  socks.push(s);
}
parentPort.on('message', () => { for (const s of socks) s.close(); });
`;

async function loopback(rate: number): Promise<void> {
  const calls = Math.max(1, Math.round(rate / 100));
  const relay = MediaRelay.create({ bindAddress: '127.0.0.1', portRange: { min: 30000, max: 39999 }, clock: systemClock, mediaTimeoutMs: 3600_000 });
  try {
    const legs: [number, number][] = [];
    for (let c = 0; c < calls; c++) {
      const r = await relay.allocateSession(`c${c}`);
      if (!r.ok) throw new Error(r.error.message);
      legs.push([r.value.ports.a.rtp, r.value.ports.b.rtp]);
    }
    const w = new Worker(GENERATOR, { eval: true, workerData: { legs, rate, seconds: SECONDS } });
    const result = await new Promise<{ sent: number; received: number }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('generator timed out')), (SECONDS + 10) * 1000);
      w.once('message', (m) => {
        clearTimeout(t);
        resolve(m);
      });
      w.once('error', reject);
    });
    w.postMessage('close');
    await w.terminate();
    // The first packet of each stream has no destination yet (the partner has not latched).
    const loss = 1 - result.received / Math.max(1, result.sent - 2 * calls);
    console.log(
      `loopback ${String(rate).padStart(6)} pps target, ${calls} calls: sent ${(result.sent / SECONDS).toFixed(0)} pps, ` +
        `delivered ${(result.received / SECONDS).toFixed(0)} pps, loss ${(Math.max(0, loss) * 100).toFixed(2)} %`,
    );
  } finally {
    await relay.close();
  }
}

for (const rate of RATES) await loopback(rate);
console.log('(loopback figures: generator and relay share this 2-core machine; see run-shared-harness.sh for the pinned comparison)');
