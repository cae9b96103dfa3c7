#!/bin/bash
# Max clean RTP relay rate of the Switchboard media relay driven through its rtpengine ng
# interface (offer/answer per call, as Kamailio would), and of the shared minimal Node relay
# (relay.js), measured in the same sitting with the shared harness
# (/work/shared/bench/rtp-relay, mode "(a) relay that speaks rtpengine's ng protocol").
#   npm run build && bash bench/media/ng-relay.sh [--start PPS] [--max PPS] [--threads N]
#        [--engine auto|native|js] [--skip-reference] [--skip-rtpengine]
#   (DIST=.build/NAME to use another build output dir)
# References measured in the same sitting: relay.js (the harness's minimal Node relay) and, when
# the rtpengine binary is installed, rtpengine userspace with one thread pinned to CPU 1 (the
# harness's own "--relay rtpengine" mode). rtpengine is not a dependency of Switchboard: install
# it (Debian rtpengine-daemon) only to measure against it.
# The harness folder is read-only, so it is copied into a scratch dir where the C load tool is
# built and results are written. Needs gcc, taskset, flock; 2 cores (relay on CPU 1, load on 0).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench/rtp-relay}"
[ -d "$SHARED" ] || SHARED=/work/shared/bench/rtp-relay
DIST="${DIST:-$ROOT/dist}"
case "$DIST" in /*) ;; *) DIST="$ROOT/$DIST" ;; esac
START=20000
MAX=200000
REFERENCE=1
RTPENGINE=1
THREADS=1
ENGINE=auto
NG="127.0.0.1:22233"
while [ $# -gt 0 ]; do
  case "$1" in
    --start) START="$2"; shift 2 ;;
    --max) MAX="$2"; shift 2 ;;
    --ng) NG="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --engine) ENGINE="$2"; shift 2 ;;
    --skip-reference) REFERENCE=0; shift ;;
    --skip-rtpengine) RTPENGINE=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SERVER="$DIST/bench/media/ng-relay-server.js"
[ -f "$SERVER" ] || { echo "missing $SERVER: run npm run build first" >&2; exit 1; }
SCRATCH="$(mktemp -d /tmp/sb-ng-bench.XXXXXX)"
cp "$SHARED"/*.js "$SHARED"/*.c "$SCRATCH"/
cd "$SCRATCH"
# search.js (ext-ng) sets calls up with --prefix b<timestamp> but deletes them without it, so
# they would never be deleted; the copy uses one prefix for both (cleanup only, same load).
sed -i "s/'--prefix', \`b\${Date.now()}\`/'--prefix', PFX/; s/'--calls', String(calls), '--delete'\]/'--calls', String(calls), '--delete', '--prefix', PFX]/" search.js
sed -i "0,/^const fs = require('fs');/s//const fs = require('fs');\nconst PFX = 'b' + Date.now();/" search.js
grep -q "'--delete', '--prefix', PFX" search.js || { echo "could not patch search.js cleanup" >&2; exit 1; }
gcc -O2 -Wall -o rtpload rtpload.c -lpthread -lm
echo "scratch: $SCRATCH   search $START..$MAX pps   ng on $NG"

RELAY_PID=""
cleanup() { if [ -n "$RELAY_PID" ]; then kill -TERM "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

if [ "$REFERENCE" = 1 ]; then
  echo "=== shared minimal Node relay (relay.js), pinned to CPU 1"
  node search.js --relay node --start "$START" --max "$MAX" | tee node.log
fi

if [ "$RTPENGINE" = 1 ] && command -v rtpengine > /dev/null; then
  echo "=== rtpengine userspace, one thread, pinned to CPU 1"
  node search.js --relay rtpengine --start "$START" --max "$MAX" | tee rtpengine.log
fi

echo "=== Switchboard media relay through ng (ng-relay-server.js, engine $ENGINE, $THREADS thread(s)), pinned to CPU 1"
taskset -c 1 node "$SERVER" --ng "$NG" --engine "$ENGINE" --threads "$THREADS" 2> ng-relay-server.log &
RELAY_PID=$!
for _ in $(seq 1 300); do grep -q ready ng-relay-server.log && break; sleep 0.1; done
grep -q ready ng-relay-server.log || { cat ng-relay-server.log; exit 1; }
node search.js --relay ext-ng --ng "$NG" --ext-pid "$RELAY_PID" --start "$START" --max "$MAX" | tee switchboard.log
cleanup
RELAY_PID=""
tail -1 ng-relay-server.log

n=$(grep -o 'RESULT node: max clean pps = [0-9]*' node.log 2>/dev/null | grep -o '[0-9]*$' || true)
r=$(grep -o 'RESULT rtpengine: max clean pps = [0-9]*' rtpengine.log 2>/dev/null | grep -o '[0-9]*$' || true)
s=$(grep -o 'RESULT ext-ng: max clean pps = [0-9]*' switchboard.log | grep -o '[0-9]*$' || true)
echo "relay.js (minimal Node relay):      ${n:-not measured} pps"
echo "rtpengine userspace, one thread:    ${r:-not measured} pps"
echo "switchboard media relay through ng: ${s:-not measured} pps"
if [ -n "$r" ] && [ "$r" -gt 0 ] && [ -n "$s" ]; then
  echo "ratio switchboard / rtpengine:      $(awk -v a="$s" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"
fi
if [ -n "$n" ] && [ "$n" -gt 0 ] && [ -n "$s" ]; then
  echo "ratio switchboard / relay.js:       $(awk -v a="$s" -v b="$n" 'BEGIN { printf "%.2f", a / b }')"
fi
# CPU per 10k pps at the highest clean rate (relay_cpu_pct: 100 = one core).
node -e '
const fs = require("fs");
for (const k of ["node", "rtpengine", "ext-ng"]) {
  const f = "results/" + k + ".jsonl"; if (!fs.existsSync(f)) continue;
  const best = fs.readFileSync(f, "utf8").trim().split("\n").map(JSON.parse).filter((r) => r.pass).sort((a, b) => b.target_pps - a.target_pps)[0];
  if (best) console.log(`${k}: at ${best.target_pps} pps relay CPU ${best.relay_cpu_pct}% = ${(best.relay_cpu_pct / (best.target_pps / 10000)).toFixed(1)}% of a core per 10k pps`);
}'
echo "raw results: $SCRATCH/results"
