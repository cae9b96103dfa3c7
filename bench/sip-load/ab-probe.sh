#!/usr/bin/env bash
# Two Switchboard builds under the same fixed SIPp load, alternated in one sitting: the server
# CPU each needs for the same rate (the shared harness's `probe` mode). Not a test. For a change
# too small to move the clean-rate search of compare.sh out of its noise.
#
#   git worktree add /tmp/sb-old REV && (cd /tmp/sb-old && npm install && npm run build)
#   bash bench/sip-load/ab-probe.sh /tmp/sb-old . [register|call] [RATE] [ROUNDS]
#
# Each build is a checkout with its dist/ built. Both use the same data directory (the
# 100,000 harness users, config as in compare.sh); the order is old, new, old, new, ...
# OLD_WORKERS / NEW_WORKERS (default 1) set each side's `workers:`, so one build can be
# compared with itself as one process and as a worker group:
#   NEW_WORKERS=2 bash bench/sip-load/ab-probe.sh . . call 1200 2
# OLD_YAML / NEW_YAML are appended to that side's config file (one build, two settings):
#   OLD_YAML='transport: { udp_engine: dgram }' bash bench/sip-load/ab-probe.sh . . call 1500 3
# OLD_NODE_ARGS / NEW_NODE_ARGS, when set, run that side as `node ARGS bin/switchboard.js`
# (instead of the file's own #! line and its --max-semi-space-size=8):
#   NEW_NODE_ARGS=--max-semi-space-size=32 bash bench/sip-load/ab-probe.sh . . call 1800 3
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench/sip-load}
OLD=$(cd "${1:?old checkout}" && pwd)
NEW=$(cd "${2:?new checkout}" && pwd)
MODE=${3:-register}
RATE=${4:-1500}
ROUNDS=${5:-2}
PORT=${SB_PORT:-5070}
SECS=${STEP_SECS:-10}
[[ -x $HARNESS/run.sh ]] || { echo "missing $HARNESS/run.sh" >&2; exit 2; }
for b in "$OLD" "$NEW"; do [[ -f $b/dist/src/app/main.js ]] || { echo "$b has no dist/: build it first" >&2; exit 2; }; done
if ss -Hlun "sport = :$PORT" | grep -q .; then echo "port $PORT is in use (set SB_PORT)" >&2; exit 2; fi
DATA=$(mktemp -d)
OUT=$(mktemp -d /tmp/sb-ab-probe.XXXXXX)
SB_PID=""
cleanup() { [[ -n $SB_PID ]] && kill "$SB_PID" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT

OLD_WORKERS=${OLD_WORKERS:-1}
NEW_WORKERS=${NEW_WORKERS:-1}
OLD_YAML=${OLD_YAML:-}
NEW_YAML=${NEW_YAML:-}
OLD_NODE_ARGS=${OLD_NODE_ARGS:-}
NEW_NODE_ARGS=${NEW_NODE_ARGS:-}
printf 'auth:\n  algorithms: [md5]\nregistrar:\n  max_expires: 86400\n  keepalive_interval: 0\nproxy:\n  trusted: [127.0.0.0/8]\nsecurity:\n  allow: [127.0.0.0/8]\nmedia:\n  mode: never\nsip:\n  timers:\n    wait: 5000\nlog:\n  level: warn\n' >"$DATA/bench.yaml"
for side in old new; do
  n=$OLD_WORKERS; [[ $side == new ]] && n=$NEW_WORKERS
  extra=$OLD_YAML; [[ $side == new ]] && extra=$NEW_YAML
  { echo "workers: $n"; cat "$DATA/bench.yaml"; [[ -z $extra ]] || echo "$extra"; } >"$DATA/$side.yaml"
done
{ echo "user,password"; for i in $(seq 0 99999); do printf 'u%06d,secret\n' "$i"; done; } >"$DATA/users.csv"
node "$NEW/bin/switchboard.js" user import "$DATA/users.csv" --domain 127.0.0.1 --data "$DATA" >/dev/null

probe() { # probe LABEL CHECKOUT ROUND
  local args=$OLD_NODE_ARGS cmd
  [[ $1 == new ]] && args=$NEW_NODE_ARGS
  if [[ -n $args ]]; then read -r -a cmd <<<"node $args $2/bin/switchboard.js"; else cmd=("$2/bin/switchboard.js"); fi
  "${cmd[@]}" start --config "$DATA/$1.yaml" --data "$DATA" --listen "udp:127.0.0.1:$PORT" --domain 127.0.0.1 >"$OUT/$1-$3.log" 2>&1 &
  SB_PID=$!
  for _ in $(seq 1 50); do ss -Hlun "sport = :$PORT" | grep -q "127.0.0.1:$PORT" && break; sleep 0.1; done
  # A worker group binds the socket with worker 0; the others start after it.
  if [[ $1 == old && $OLD_WORKERS -gt 1 || $1 == new && $NEW_WORKERS -gt 1 ]]; then sleep 3; fi
  local line
  line=$(SERVER_PID=$SB_PID RATE=$RATE STEP_SECS=$SECS MODE2=$MODE OUT_DIR=$OUT/$1-$3 "$HARNESS/run.sh" 127.0.0.1 "$PORT" probe 2>&1 | grep '^STEP' || true)
  kill "$SB_PID"; wait "$SB_PID" 2>/dev/null || true; SB_PID=""
  echo "$1 round $3: $(grep -o 'achieved=[^ ]*\|failed=[^ ]*\|cpu_server=[^ ]*' <<<"$line" | tr '\n' ' ')"
}

echo "== $MODE at $RATE/s, $SECS s per probe, $ROUNDS rounds (old: $OLD, workers $OLD_WORKERS${OLD_NODE_ARGS:+, node $OLD_NODE_ARGS}; new: $NEW, workers $NEW_WORKERS${NEW_NODE_ARGS:+, node $NEW_NODE_ARGS})"
for r in $(seq 1 "$ROUNDS"); do
  probe old "$OLD" "$r" | tee -a "$OUT/summary.txt"
  probe new "$NEW" "$r" | tee -a "$OUT/summary.txt"
done
awk '/^old/ { split($0, a, "cpu_server="); o += a[2] + 0; n++ } /^new/ { split($0, b, "cpu_server="); w += b[2] + 0 }
  END { if (n > 0) printf "mean server CPU: old %.0f%%, new %.0f%% (new/old = %.2f)\n", o / n, w / n, (o > 0 ? w / o : 0) }' "$OUT/summary.txt"
echo "logs: $OUT"
