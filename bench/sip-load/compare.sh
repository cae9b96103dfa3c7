#!/usr/bin/env bash
# Switchboard vs Kamailio, same machine, same sitting, same SIPp load harness
# (../shared/bench/sip-load/run.sh). Not a test: it prints RESULT lines and the ratios.
#
#   npm run bench:sip-load                  # register + fill (about 15–25 minutes)
#   npm run bench:sip-load -- register      # one mode (register | fill | call | floor | floor-call | components)
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

printf 'auth:\n  algorithms: [md5]\nregistrar:\n  max_expires: 86400\n  keepalive_interval: 0\nproxy:\n  trusted: [127.0.0.0/8]\nsecurity:\n  allow: [127.0.0.0/8]\nmedia:\n  mode: never\nsip:\n  timers:\n    wait: 5000\nlog:\n  level: warn\n' >"$DATA/bench.yaml"
{ echo "user,password"; for i in $(seq 0 99999); do printf 'u%06d,secret\n' "$i"; done; } >"$DATA/users.csv"
node "$ROOT/bin/switchboard.js" user import "$DATA/users.csv" --domain 127.0.0.1 --data "$DATA" >/dev/null

start_sb() {
  "$ROOT/bin/switchboard.js" start --config "$DATA/bench.yaml" --data "$DATA" \
    --listen "udp:127.0.0.1:$PORT" --domain 127.0.0.1 >"$OUT/server-$1.log" 2>&1 &
  SB_PID=$!
  for _ in $(seq 1 50); do ss -Hlun "sport = :$PORT" | grep -q "127.0.0.1:$PORT" && break; sleep 0.1; done
  kill -0 "$SB_PID" 2>/dev/null || { echo "switchboard did not start; see $OUT/server-$1.log" >&2; exit 1; }
}
stop_sb() { kill "$SB_PID"; wait "$SB_PID" 2>/dev/null || true; SB_PID=""; }

# kamailio_register LABEL: the anchor's register run, logged as kamailio-LABEL.log
kamailio_register() {
  SERVER_PID=$kpid START_RATE=${REG_START:-2000} OUT_DIR=$OUT/kamailio-$1 "$HARNESS/run.sh" 127.0.0.1 5080 register | tee "$OUT/kamailio-$1.log"
}

run_floor() {
  local workers=$1
  node "$ROOT/bench/sip-load/node-floor.mjs" "$PORT" "$workers" >"$OUT/floor-$workers.log" 2>&1 &
  SB_PID=$!
  for _ in $(seq 1 50); do ss -Hlun "sport = :$PORT" | grep -q "127.0.0.1:$PORT" && break; sleep 0.1; done
  SERVER_PID=$SB_PID START_RATE=${FLOOR_START:-8000} OUT_DIR=$OUT/floor-$workers "$HARNESS/run.sh" 127.0.0.1 "$PORT" register | tee "$OUT/floor-$workers-register.log"
  stop_sb
}

# kamailio_register_once LABEL: kamailio-LABEL.log from this sitting's register run, or a new run
kamailio_register_once() {
  if [[ -f $OUT/kamailio-register.log ]]; then
    cp "$OUT/kamailio-register.log" "$OUT/kamailio-$1.log"   # register ran earlier in this sitting
  else
    echo "== $1: kamailio"
    kpid=$("$HARNESS/start-kamailio.sh")
    kamailio_register "$1"
    "$HARNESS/stop-kamailio.sh" >/dev/null
  fi
}

clear_bindings() {
  node -e "const D=require('$ROOT/node_modules/better-sqlite3');const d=new D('$DATA/switchboard.db');try{d.exec('DELETE FROM location_bindings')}catch{}"
}

run_components() {
  clear_bindings
  node "$ROOT/bench/sip-load/component-floor.mjs" "$PORT" "$DATA" >"$OUT/components.log" 2>&1 &
  SB_PID=$!
  for _ in $(seq 1 50); do ss -Hlun "sport = :$PORT" | grep -q "127.0.0.1:$PORT" && break; sleep 0.1; done
  kill -0 "$SB_PID" 2>/dev/null || { echo "component-floor.mjs did not start; see $OUT/components.log" >&2; exit 1; }
  SERVER_PID=$SB_PID START_RATE=${COMPONENTS_START:-2000} OUT_DIR=$OUT/components "$HARNESS/run.sh" 127.0.0.1 "$PORT" register | tee "$OUT/components-register.log"
  stop_sb
}

for mode in "${modes[@]}"; do
  if [[ $mode == floor ]]; then
    kamailio_register_once floor
    echo "== floor: node-floor.mjs, one process"; run_floor 1
    echo "== floor: node-floor.mjs, two processes sharing the socket"; run_floor 2
    continue
  fi
  if [[ $mode == floor-call ]]; then
    if [[ -f $OUT/kamailio-call.log ]]; then
      cp "$OUT/kamailio-call.log" "$OUT/kamailio-floor-call.log"   # call ran earlier in this sitting
    else
      echo "== floor-call: kamailio"
      kpid=$("$HARNESS/start-kamailio.sh")
      SERVER_PID=$kpid START_RATE=${CALL_START:-1000} OUT_DIR=$OUT/kamailio-floor-call "$HARNESS/run.sh" 127.0.0.1 5080 call | tee "$OUT/kamailio-floor-call.log"
      "$HARNESS/stop-kamailio.sh" >/dev/null
    fi
    echo "== floor-call: node-floor.mjs, one process"
    node "$ROOT/bench/sip-load/node-floor.mjs" "$PORT" >"$OUT/floor-call.log" 2>&1 &
    SB_PID=$!
    for _ in $(seq 1 50); do ss -Hlun "sport = :$PORT" | grep -q "127.0.0.1:$PORT" && break; sleep 0.1; done
    SERVER_PID=$SB_PID START_RATE=${FLOOR_CALL_START:-2000} OUT_DIR=$OUT/floor-call "$HARNESS/run.sh" 127.0.0.1 "$PORT" call | tee "$OUT/floor-call-call.log"
    stop_sb
    continue
  fi
  if [[ $mode == components ]]; then
    kamailio_register_once components
    echo "== components: component-floor.mjs"; run_components
    continue
  fi
  echo "== $mode: kamailio"
  kpid=$("$HARNESS/start-kamailio.sh")
  case $mode in
    register) kamailio_register register ;;
    fill) SERVER_PID=$kpid FILL_RATE=${FILL_RATE:-2000} OUT_DIR=$OUT/kamailio-fill "$HARNESS/run.sh" 127.0.0.1 5080 fill | tee "$OUT/kamailio-fill.log" ;;
    call) SERVER_PID=$kpid START_RATE=${CALL_START:-1000} OUT_DIR=$OUT/kamailio-call "$HARNESS/run.sh" 127.0.0.1 5080 call | tee "$OUT/kamailio-call.log" ;;
  esac
  "$HARNESS/stop-kamailio.sh" >/dev/null
  echo "== $mode: switchboard"
  clear_bindings
  start_sb "$mode"
  case $mode in
    register) SERVER_PID=$SB_PID START_RATE=${SB_REG_START:-1000} OUT_DIR=$OUT/switchboard-register "$HARNESS/run.sh" 127.0.0.1 "$PORT" register | tee "$OUT/switchboard-register.log" ;;
    fill) SERVER_PID=$SB_PID FILL_RATE=${FILL_RATE:-2000} OUT_DIR=$OUT/switchboard-fill "$HARNESS/run.sh" 127.0.0.1 "$PORT" fill | tee "$OUT/switchboard-fill.log" ;;
    call) SERVER_PID=$SB_PID START_RATE=${SB_CALL_START:-200} OUT_DIR=$OUT/switchboard-call "$HARNESS/run.sh" 127.0.0.1 "$PORT" call | tee "$OUT/switchboard-call.log" ;;
  esac
  stop_sb
done

echo
echo "== summary ($OUT)"
for mode in "${modes[@]}"; do
  if [[ $mode == floor ]]; then
    k=$(grep '^RESULT' "$OUT/kamailio-floor.log" | tail -1 || true)
    echo "kamailio:        $k"
    kr=$(grep -o 'rate_ok=[0-9]*' <<<"$k" | cut -d= -f2)
    for w in 1 2; do
      f=$(grep '^RESULT' "$OUT/floor-$w-register.log" | tail -1 || true)
      echo "node floor x$w:   $f"
      fr=$(grep -o 'rate_ok=[0-9]*' <<<"$f" | cut -d= -f2)
      [[ -n $kr && -n $fr ]] && awk -v w="$w" -v s="$fr" -v k="$kr" 'BEGIN { printf "register floor (%d process(es)) / kamailio = %.2f (%d/s vs %d/s)\n", w, s / k, s, k }'
    done
    continue
  fi
  if [[ $mode == floor-call ]]; then
    k=$(grep '^RESULT' "$OUT/kamailio-floor-call.log" | tail -1 || true)
    f=$(grep '^RESULT' "$OUT/floor-call-call.log" | tail -1 || true)
    echo "kamailio:        $k"
    echo "node floor call: $f"
    kr=$(grep -o 'rate_ok=[0-9]*' <<<"$k" | cut -d= -f2); fr=$(grep -o 'rate_ok=[0-9]*' <<<"$f" | cut -d= -f2)
    [[ -n $kr && -n $fr ]] && awk -v s="$fr" -v k="$kr" 'BEGIN { printf "call floor (stateless relay, no parsing) / kamailio = %.2f (%d/s vs %d/s)\n", s / k, s, k }'
    continue
  fi
  if [[ $mode == components ]]; then
    k=$(grep '^RESULT' "$OUT/kamailio-components.log" | tail -1 || true)
    c=$(grep '^RESULT' "$OUT/components-register.log" | tail -1 || true)
    echo "kamailio:        $k"
    echo "components:      $c"
    kr=$(grep -o 'rate_ok=[0-9]*' <<<"$k" | cut -d= -f2); cr=$(grep -o 'rate_ok=[0-9]*' <<<"$c" | cut -d= -f2)
    [[ -n $kr && -n $cr ]] && awk -v s="$cr" -v k="$kr" 'BEGIN { printf "register components (no architecture) / kamailio = %.2f (%d/s vs %d/s)\n", s / k, s, k }'
    continue
  fi
  k=$(grep '^RESULT' "$OUT/kamailio-$mode.log" | tail -1 || true)
  s=$(grep '^RESULT' "$OUT/switchboard-$mode.log" | tail -1 || true)
  echo "kamailio:    $k"
  echo "switchboard: $s"
  case $mode in
    register | call)
      kr=$(grep -o 'rate_ok=[0-9]*' <<<"$k" | cut -d= -f2); sr=$(grep -o 'rate_ok=[0-9]*' <<<"$s" | cut -d= -f2)
      [[ -n $kr && -n $sr ]] && awk -v m="$mode" -v s="$sr" -v k="$kr" 'BEGIN { printf "%s ratio switchboard/kamailio = %.2f (%d/s vs %d/s)\n", m, s / k, s, k }' ;;
    fill)
      kp=$(grep -o 'sum_Pss_kB=[0-9]*' <<<"$k" | head -1 | cut -d= -f2); sp=$(grep -o 'sum_Pss_kB=[0-9]*' <<<"$s" | head -1 | cut -d= -f2)
      [[ -n $kp && -n $sp ]] && awk -v s="$sp" -v k="$kp" 'BEGIN { printf "fill memory (Pss, 100,000 users) switchboard/kamailio = %.2f (%d MB vs %d MB)\n", s / k, s / 1024, k / 1024 }' ;;
  esac
done
