#!/usr/bin/env bash
# Switchboard vs Kamailio, same machine, same sitting, same SIPp load harness
# (../shared/bench/sip-load/run.sh). Not a test: it prints RESULT lines and the ratios.
#
#   npm run bench:sip-load                  # register + fill (about 15–25 minutes)
#   npm run bench:sip-load -- register      # one mode (register | fill | call | floor | floor-call | components)
#   SB_WORKERS=2 npm run bench:sip-load -- call   # Switchboard as two worker processes (`workers: 2`)
#   SB_NODE_ARGS=--max-semi-space-size=32 npm run bench:sip-load -- call   # node's flags instead of bin/switchboard.js's
#
# `floor` is not Switchboard: it drives node-floor.mjs (a canned REGISTER responder, no parsing,
# no digest, no storage) with the register load, once as one process and once as two processes
# sharing the socket — the most any Node.js registrar could hold here, beside Kamailio.
# `floor-call` drives the same node-floor.mjs with the call load: it relays by line edits, with
# no parsing and no state (the most any Node.js proxy could hold here); it reuses the anchor's
# call result when `call` ran earlier in the same sitting.
# `components` is not Switchboard either: component-floor.mjs runs the server's parser, digest
# authenticator, user directory, binding update and SQLite location store with none of the
# server's architecture around them (transactions, pipeline, security, metrics) — what the
# work a registrar must do costs in Node.js. Both reuse the anchor's register result when
# `register` ran earlier in the same sitting.
#
# Needs Debian's sip-tester (sipp) and kamailio; run as root on a quiet machine.
# Switchboard runs with the 100,000 harness users imported, `auth.algorithms: [md5]`
# (SIPp 3.6.1 reads one challenge only) and `registrar.max_expires: 86400` (the harness
# registers for a day in fill mode, as Kamailio's anchor config allows). In call mode the
# harness does not authenticate INVITEs (neither does the anchor Kamailio), so loopback is a
# trusted network for the proxy: `proxy.trusted: [127.0.0.0/8]`. Finished transactions are
# kept 5 s (`sip.timers.wait: 5000`), as the anchor Kamailio's tm keeps them (wt_timer's
# default), instead of our RFC default of 64·T1 = 32 s.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HARNESS=${HARNESS:-$ROOT/../shared/bench/sip-load}
PORT=${SB_PORT:-5070}
OUT=${OUT:-$ROOT/.bench-out/sip-load-$(date +%Y%m%d-%H%M%S)}
modes=("$@"); ((${#modes[@]})) || modes=(register fill)
[[ -x $HARNESS/run.sh ]] || { echo "missing $HARNESS/run.sh" >&2; exit 2; }
command -v sipp >/dev/null || { echo "sipp missing: apt-get install sip-tester" >&2; exit 2; }
command -v kamailio >/dev/null || { echo "kamailio missing: apt-get install kamailio" >&2; exit 2; }
if ss -Hlun "sport = :$PORT" | grep -q .; then echo "port $PORT is in use: stop what listens there (or set SB_PORT)" >&2; exit 2; fi
mkdir -p "$OUT"
DATA=$(mktemp -d)
SB_PID=""
cleanup() {
  [[ -n $SB_PID ]] && kill "$SB_PID" 2>/dev/null || true
  "$HARNESS/stop-kamailio.sh" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

# SB_WORKERS=N runs Switchboard as N worker processes sharing the socket (`workers: N`).
printf 'workers: %s\nauth:\n  algorithms: [md5]\nregistrar:\n  max_expires: 86400\n  keepalive_interval: 0\nproxy:\n  trusted: [127.0.0.0/8]\nsecurity:\n  allow: [127.0.0.0/8]\nmedia:\n  mode: never\nsip:\n  timers:\n    wait: 5000\nlog:\n  level: warn\n' "${SB_WORKERS:-1}" >"$DATA/bench.yaml"
{ echo "user,password"; for i in $(seq 0 99999); do printf 'u%06d,secret\n' "$i"; done; } >"$DATA/users.csv"
node "$ROOT/bin/switchboard.js" user import "$DATA/users.csv" --domain 127.0.0.1 --data "$DATA" >/dev/null

# wait_listening PID LOG NAME: until something listens on PORT; exits if the process died
wait_listening() {
  for _ in $(seq 1 50); do ss -Hlun "sport = :$PORT" | grep -q "127.0.0.1:$PORT" && break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null || { echo "$3 did not start; see $2" >&2; exit 1; }
}

# SB_NODE_ARGS set: `node $SB_NODE_ARGS bin/switchboard.js` (the file's own #! flags do not apply).
sb_command() {
  if [[ -n ${SB_NODE_ARGS:-} ]]; then
    # shellcheck disable=SC2086 # the flags are words
    echo node $SB_NODE_ARGS "$ROOT/bin/switchboard.js"
  else
    echo "$ROOT/bin/switchboard.js"
  fi
}

start_sb() {
  local cmd
  read -r -a cmd <<<"$(sb_command)"
  "${cmd[@]}" start --config "$DATA/bench.yaml" --data "$DATA" \
    --listen "udp:127.0.0.1:$PORT" --domain 127.0.0.1 >"$OUT/server-$1.log" 2>&1 &
  SB_PID=$!
  wait_listening "$SB_PID" "$OUT/server-$1.log" switchboard
  # The socket is bound once worker 0 is up; the others start after it.
  if [[ ${SB_WORKERS:-1} -gt 1 ]]; then sleep 3; fi
}
stop_sb() { kill "$SB_PID"; wait "$SB_PID" 2>/dev/null || true; SB_PID=""; }

clear_bindings() {
  node -e "const D=require('$ROOT/node_modules/better-sqlite3');const d=new D('$DATA/switchboard.db');try{d.exec('DELETE FROM location_bindings')}catch{}"
}

# harness MODE PORT SERVER_PID START_RATE LABEL: run.sh MODE against PORT, logged as LABEL.log
# (fill takes its rate from FILL_RATE, the searches start at START_RATE)
harness() {
  local rate="START_RATE=$4"
  [[ $1 == fill ]] && rate="FILL_RATE=${FILL_RATE:-2000}"
  env SERVER_PID="$3" "$rate" OUT_DIR="$OUT/$5" "$HARNESS/run.sh" 127.0.0.1 "$2" "$1" | tee "$OUT/$5.log"
}

# run_kamailio MODE LABEL: the anchor under MODE's load, logged as kamailio-LABEL.log
run_kamailio() {
  local start
  case $1 in register) start=${REG_START:-2000} ;; call) start=${CALL_START:-1000} ;; *) start=0 ;; esac
  echo "== $2: kamailio"
  kpid=$("$HARNESS/start-kamailio.sh")
  harness "$1" 5080 "$kpid" "$start" "kamailio-$2"
  "$HARNESS/stop-kamailio.sh" >/dev/null
}

# kamailio_once MODE LABEL: kamailio-LABEL.log from this sitting's MODE run, or a run of its own
kamailio_once() {
  if [[ -f $OUT/kamailio-$1.log ]]; then
    cp "$OUT/kamailio-$1.log" "$OUT/kamailio-$2.log"   # MODE ran earlier in this sitting
  else
    run_kamailio "$1" "$2"
  fi
}

# reference LABEL MODE START_RATE COMMAND...: a stand-in that is not Switchboard, under MODE's
# load; its output goes to LABEL.log, the harness's to LABEL-MODE.log
reference() {
  local label=$1 mode=$2 start=$3
  shift 3
  echo "== $label"
  "$@" >"$OUT/$label.log" 2>&1 &
  SB_PID=$!
  wait_listening "$SB_PID" "$OUT/$label.log" "$label"
  harness "$mode" "$PORT" "$SB_PID" "$start" "$label-$mode"
  stop_sb
}

FLOOR=$ROOT/bench/sip-load/node-floor.mjs
for mode in "${modes[@]}"; do
  case $mode in
    floor)
      kamailio_once register floor
      reference floor-1 register "${FLOOR_START:-8000}" node "$FLOOR" "$PORT" 1
      reference floor-2 register "${FLOOR_START:-8000}" node "$FLOOR" "$PORT" 2   # two processes sharing the socket
      ;;
    floor-call)
      kamailio_once call floor-call
      reference floor-call call "${FLOOR_CALL_START:-2000}" node "$FLOOR" "$PORT"
      ;;
    components)
      kamailio_once register components
      clear_bindings
      reference components register "${COMPONENTS_START:-2000}" node "$ROOT/bench/sip-load/component-floor.mjs" "$PORT" "$DATA"
      ;;
    *)
      run_kamailio "$mode" "$mode"
      echo "== $mode: switchboard"
      clear_bindings
      start_sb "$mode"
      case $mode in register) start=${SB_REG_START:-1000} ;; call) start=${SB_CALL_START:-200} ;; *) start=0 ;; esac
      harness "$mode" "$PORT" "$SB_PID" "$start" "switchboard-$mode"
      stop_sb
      ;;
  esac
done

# ratio WHAT KAMAILIO_LOG OTHER_LOG: both RESULT lines and the rate of the other over Kamailio's
ratio() {
  local k o kr or
  k=$(grep '^RESULT' "$OUT/$2" | tail -1 || true)
  o=$(grep '^RESULT' "$OUT/$3" | tail -1 || true)
  printf 'kamailio:  %s\n%s: %s\n' "$k" "${3%.log}" "$o"
  kr=$(grep -o 'rate_ok=[0-9]*' <<<"$k" | cut -d= -f2)
  or=$(grep -o 'rate_ok=[0-9]*' <<<"$o" | cut -d= -f2)
  if [[ -n $kr && -n $or ]]; then
    awk -v w="$1" -v s="$or" -v k="$kr" 'BEGIN { printf "%s / kamailio = %.2f (%d/s vs %d/s)\n", w, s / k, s, k }'
  fi
}

echo
echo "== summary ($OUT)"
for mode in "${modes[@]}"; do
  case $mode in
    floor)
      ratio "register floor (1 process)" kamailio-floor.log floor-1-register.log
      ratio "register floor (2 processes)" kamailio-floor.log floor-2-register.log ;;
    floor-call) ratio "call floor (stateless relay, no parsing)" kamailio-floor-call.log floor-call-call.log ;;
    components) ratio "register components (no architecture)" kamailio-components.log components-register.log ;;
    register | call) ratio "$mode ratio switchboard" "kamailio-$mode.log" "switchboard-$mode.log" ;;
    fill)
      k=$(grep '^RESULT' "$OUT/kamailio-fill.log" | tail -1 || true)
      s=$(grep '^RESULT' "$OUT/switchboard-fill.log" | tail -1 || true)
      printf 'kamailio:  %s\nswitchboard-fill: %s\n' "$k" "$s"
      kp=$(grep -o 'sum_Pss_kB=[0-9]*' <<<"$k" | head -1 | cut -d= -f2); sp=$(grep -o 'sum_Pss_kB=[0-9]*' <<<"$s" | head -1 | cut -d= -f2)
      if [[ -n $kp && -n $sp ]]; then
        awk -v s="$sp" -v k="$kp" 'BEGIN { printf "fill memory (Pss, 100,000 users) switchboard/kamailio = %.2f (%d MB vs %d MB)\n", s / k, s / 1024, k / 1024 }'
      fi ;;
  esac
done
