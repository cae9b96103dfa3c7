/**
 * Starts the Switchboard media relay for the shared RTP harness, mode "(b) relay that can be
 * told its ports" (/work/shared/bench/rtp-relay/README.md): leg i listens on 127.0.0.1:BASE+i,
 * call c = legs 2c (A) and 2c+1 (B), RTP only, peers learnt by latching.
 *   node dist/bench/media/relay-server.js --base 10000 --calls 2000 [--host 127.0.0.1]
 * Prints "relay-server ready" on stderr once every socket is bound; on SIGTERM/SIGINT prints
 * the summed counters and exits.
 */
import { MediaRelay } from '../../src/media/index.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const base = Number(opt('--base', '10000'));
const calls = Number(opt('--calls', '1000'));
const host = opt('--host', '127.0.0.1');

const relay = MediaRelay.create({ bindAddress: host, mediaTimeoutMs: 24 * 3600_000 });
for (let c = 0; c < calls; c++) {
  const r = await relay.allocateSession(`c${c}`, { ports: { a: { rtp: base + 2 * c }, b: { rtp: base + 2 * c + 1 } } });
  if (!r.ok) {
    console.error(`relay-server: call ${c}: ${r.error.message}`);
    process.exit(1);
  }
}
console.error(`relay-server ready: ${calls} sessions, legs on ${host}:${base}-${base + 2 * calls - 1}`);

const bye = (): void => {
  let fwd = 0;
  let injected = 0;
  let noDest = 0;
  for (const s of relay.sessions()) {
    const st = s.stats();
    fwd += st.a.rtp.packetsOut + st.b.rtp.packetsOut;
    injected += st.a.injectedDropped + st.b.injectedDropped;
    noDest += st.a.noDestinationDropped + st.b.noDestinationDropped;
  }
  console.error(`relay-server: forwarded=${fwd} dropped_unlatched=${noDest} dropped_badsrc=${injected}`);
  process.exit(0);
};
process.on('SIGTERM', bye);
process.on('SIGINT', bye);
