/**
 * Starts the Switchboard media relay behind its rtpengine ng interface for the shared RTP
 * harness, mode "(a) relay that speaks rtpengine's ng protocol"
 * (/work/shared/bench/rtp-relay/README.md): MediaRelay + MediaSessions + the ng backend.
 *   node dist/bench/media/ng-relay-server.js [--ng 127.0.0.1:22222] [--host 127.0.0.1]
 *        [--port-min 20100] [--port-max 31999] [--timeout 3600] [--engine auto|native|js] [--threads 1]
 * Prints "ng-relay-server ready" on stderr once listening; on SIGTERM/SIGINT prints the
 * summed counters and exits. Long media timeout: calls must survive waiting for the
 * harness's lock before traffic starts.
 */
import { systemClock } from '../../src/lib/index.js';
import { MediaRelay } from '../../src/media/index.js';
import { MediaSessions } from '../../src/media-session/index.js';
import { MediaSessionNgBackend, NgProtocol, NgServer } from '../../src/ng/index.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const [ngHost, ngPort] = opt('--ng', '127.0.0.1:22222').split(':');
const host = opt('--host', '127.0.0.1');
const timeoutMs = Number(opt('--timeout', '3600')) * 1000;

const relay = MediaRelay.create({
  bindAddress: host,
  portRange: { min: Number(opt('--port-min', '20100')), max: Number(opt('--port-max', '31999')) },
  clock: systemClock,
  mediaTimeoutMs: timeoutMs,
  engine: opt('--engine', 'auto') as 'auto' | 'native' | 'js',
  threads: Number(opt('--threads', '1')),
});
const sessions = new MediaSessions({ relay, clock: systemClock, codecs: ['pcmu', 'pcma'], transcode: true, advertisedAddress: host, mediaTimeoutMs: timeoutMs, holdTimeoutMs: timeoutMs });
const backend = new MediaSessionNgBackend({ sessions });
const server = new NgServer(new NgProtocol({ backend, clock: systemClock, onBackendError: (c, e) => console.error(`ng ${c}: ${String(e)}`) }), { recvBufferSize: 4 << 20 });
const r = await server.listen(ngHost, Number(ngPort));
if (!r.ok) {
  console.error(`ng-relay-server: ${r.error}`);
  process.exit(1);
}
console.error(`ng-relay-server ready: ng on ${r.value.host}:${r.value.port}, media on ${host}, ${relay.freePortPairs} port pairs, engine ${relay.engine.kind}` + (relay.engine.kind === 'native' ? ` (${relay.engine.threads} thread(s))` : ` (${relay.engine.reason})`));

const bye = (): void => {
  let fwd = 0;
  let dropped = 0;
  for (const s of relay.sessions()) {
    const st = s.stats();
    fwd += st.a.rtp.packetsOut + st.b.rtp.packetsOut;
    dropped += st.a.dropped + st.b.dropped;
  }
  console.error(`ng-relay-server: calls=${sessions.list().length} forwarded=${fwd} dropped=${dropped} free_pairs=${relay.freePortPairs}`);
  process.exit(0);
};
process.on('SIGTERM', bye);
process.on('SIGINT', bye);
