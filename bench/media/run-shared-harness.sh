#!/bin/bash
# Max clean RTP relay rate of the shared minimal Node relay (relay.js) and of the Switchboard
# media relay, measured in the same sitting with the shared harness
# (/work/shared/bench/rtp-relay, mode "(b) relay that can be told its ports").
#   npm run build && bash bench/media/run-shared-harness.sh [--start PPS] [--max PPS]
# The harness folder is read-only, so it is copied into a scratch dir where the C load tool is
# built and results are written. Needs gcc, taskset, flock; 2 cores (relay on CPU 1, load on 0).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench/rtp-relay}"
[ -d "$SHARED" ] || SHARED=/work/shared/bench/rtp-relay
DIST="${DIST:-$ROOT/dist}"
START=40000
MAX=200000
while [ $# -gt 0 ]; do
  case "$1" in
    --start) START="$2"; shift 2 ;;
    --max) MAX="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
SERVER="$DIST/bench/media/relay-server.js"
[ -f "$SERVER" ] || { echo "missing $SERVER: run npm run build first" >&2; exit 1; }
SCRATCH="$(mktemp -d /tmp/sb-rtp-bench.XXXXXX)"
cp "$SHARED"/*.js "$SHARED"/*.c "$SCRATCH"/
cd "$SCRATCH"
gcc -O2 -Wall -o rtpload rtpload.c -lpthread -lm
BASE=10000
CALLS=$((MAX / 100))
echo "scratch: $SCRATCH   legs: $((2 * CALLS)) on 127.0.0.1:$BASE..   search $START..$MAX pps"

RELAY_PID=""
cleanup() { if [ -n "$RELAY_PID" ]; then kill -TERM "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

echo "=== shared minimal Node relay (relay.js), pinned to CPU 1"
node search.js --relay node --start "$START" --max "$MAX" | tee node.log

echo "=== Switchboard media relay (relay-server.js), pinned to CPU 1"
taskset -c 1 node "$SERVER" --base "$BASE" --calls "$CALLS" 2> relay-server.log &
RELAY_PID=$!
for _ in $(seq 1 300); do grep -q ready relay-server.log && break; sleep 0.1; done
grep -q ready relay-server.log || { cat relay-server.log; exit 1; }
node search.js --relay ext-ports --ext-base "$BASE" --ext-pid "$RELAY_PID" --start "$START" --max "$MAX" | tee switchboard.log
cleanup
RELAY_PID=""
tail -1 relay-server.log

n=$(grep -o 'RESULT node: max clean pps = [0-9]*' node.log | grep -o '[0-9]*$')
s=$(grep -o 'RESULT ext-ports: max clean pps = [0-9]*' switchboard.log | grep -o '[0-9]*$')
echo "relay.js (minimal Node relay): $n pps"
echo "switchboard media relay:       $s pps"
if [ -n "$n" ] && [ "$n" -gt 0 ] && [ -n "$s" ]; then
  echo "ratio switchboard / relay.js:  $(awk -v a="$s" -v b="$n" 'BEGIN { printf "%.2f", a / b }')"
fi
echo "raw results: $SCRATCH/results"
