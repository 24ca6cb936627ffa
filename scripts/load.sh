#!/usr/bin/env bash
# Load, stress, soak and batch runs against the release server, with k6's open-model
# (constant-arrival-rate) generator: requests are sent on schedule whether or not earlier ones
# have answered, so the percentiles are free of coordinated omission. The server is pinned to
# CPU 1 and k6 to CPU 0 (taskset) on machines with two or more CPUs. A viewer key signs every
# request; the rate limit is off (see scripts/bench/server.sh). The request mix (see
# scripts/bench/load.js): 50% POST /v1/predict, 20% MCP predict_game, 10% get_standings,
# 10% MCP get_leaders, 10% get_games, random teams, dates and seasons.
#
#   scripts/load.sh load   [DURATION=10m] [RATE=1000]   fixed rate: percentiles, errors, server CPU
#   scripts/load.sh stress [STEP=30s]     [START=500]   doubles the rate each step until p99 > 50 ms
#                                                       or more than 1% errors: the breaking point
#   scripts/load.sh soak   [DURATION=10m] [RATE=500]    RSS and open fds every 5 s -> CSV, SVG plot
#                                                       and the least-squares slope of each
#   scripts/load.sh batch  [DURATION=30s] [RATE=20]     POST /v1/predict/batch with 100 games
#   scripts/load.sh rollout [RATE=500] [BAKE=10]        predictions (REST and MCP) at RATE across two
#                                                       model roll-outs: a canary promoted (steps 5, 25,
#                                                       50, 100 %, BAKE s each) and one rolled back by a
#                                                       guard it breaks; fails on any failed request or
#                                                       an unexpected verdict; answers per version
#
# Every mode first runs the mix at WARM_RATE (200) req/s for WARM_DURATION (20s) on the cold
# server and reports it apart (cold-start.md). Output goes to target/load/<mode>-<time>/ (k6 summary JSON, samples, plot, report.md).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-load}
source scripts/bench/server.sh
K6=$(scripts/setup-k6.sh)
OUT=target/load/$MODE-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"

SERVER_CPUS= K6_PIN=
if [ "$(nproc)" -ge 2 ]; then SERVER_CPUS=1 K6_PIN="taskset -c 0"; fi
bench_prepare
bench_serve "$SERVER_CPUS"
echo "== server http://$ADDR (cpus ${SERVER_CPUS:-all}), k6 ${K6_PIN:-unpinned}, output $OUT"
# Let the warm-up of common answers finish, then warm the rest (season caches, answers) at a
# low rate; that first minute of a cold server is reported on its own line.
sleep 3

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }

# run_k6 NAME RATE DURATION MIX -> k6 summary at $OUT/NAME.json; prints one table row:
# rate, achieved req/s, p50, p95, p99, max (ms), failed share, server CPU share of one core
run_k6() {
  local name=$1 rate=$2 dur=$3 mix=$4 t0 t1 start end vus
  vus=$(( rate / 5 + 50 ))
  [ "$vus" -gt 2000 ] && vus=2000
  t0=$(cpu_ticks) start=$(date +%s.%N)
  BASE="http://$ADDR" KEY=$KEY RATE=$rate DURATION=$dur MIX=$mix VUS=$vus \
    $K6_PIN "$K6" run --quiet --no-usage-report --summary-export "$OUT/$name.json" \
    scripts/bench/load.js >"$OUT/$name.log" 2>&1 || true
  t1=$(cpu_ticks) end=$(date +%s.%N)
  python3 - "$OUT/$name.json" "$rate" "$((t1 - t0))" "$start" "$end" "$(getconf CLK_TCK)" <<'EOF'
import json, sys
path, rate, ticks, start, end, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
m = json.load(open(path))["metrics"]
d = m["http_req_duration"]
reqs = m["http_reqs"]["count"]
failed = 1 - m["checks"]["value"] if "checks" in m else 1.0
dropped = m.get("dropped_iterations", {}).get("count", 0)
cpu = ticks / hz / (end - start)
print(f"{rate} {m['http_reqs']['rate']:.0f} {d['med']:.2f} {d['p(95)']:.2f} {d['p(99)']:.2f} {d['max']:.1f} {100*failed:.3f} {dropped} {cpu:.2f} {reqs}")
EOF
}

header() {
  printf '| target req/s | achieved req/s | p50 ms | p95 ms | p99 ms | max ms | failed %% | dropped | server CPU (cores) | requests |\n'
  printf '|---|---|---|---|---|---|---|---|---|---|\n'
}
row() { set -- $1; printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$@"; }

WARM=$(run_k6 warm-up "${WARM_RATE:-200}" "${WARM_DURATION:-20s}" mixed)
{ echo "cold start: mixed at ${WARM_RATE:-200} req/s for ${WARM_DURATION:-20s} right after start"; header; row "$WARM"; echo; } | tee "$OUT/cold-start.md"

case "$MODE" in
  load | batch)
    if [ "$MODE" = load ]; then DUR=${2:-10m} RATE=${3:-1000} MIX=mixed; else DUR=${2:-30s} RATE=${3:-20} MIX=batch; fi
    r=$(run_k6 "$MODE" "$RATE" "$DUR" "$MIX")
    { echo "## $MODE: $MIX mix at $RATE req/s for $DUR ($(nproc) CPUs, $(date -u +%F))"; header; row "$r"; } | tee "$OUT/report.md"
    set -- $r
    awk -v f="$7" 'BEGIN { exit !(f <= 0.1) }' || { echo "FAILED: $7% of requests failed" >&2; exit 1; }
    ;;
  stress)
    STEP=${2:-30s} RATE=${3:-500}
    { echo "## stress: mixed, steps of $STEP, doubling from $RATE req/s ($(nproc) CPUs, $(date -u +%F))"; header; } | tee "$OUT/report.md"
    BROKE=
    while [ -z "$BROKE" ]; do
      r=$(run_k6 "stress-$RATE" "$RATE" "$STEP" mixed)
      row "$r" | tee -a "$OUT/report.md"
      set -- $r
      # Broken: p99 over the seed's 50 ms, more than 1% failed, or the generator could not
      # keep the schedule (achieved under 95% of the target, iterations dropped).
      if awk -v p99="$5" -v f="$7" -v a="$2" -v t="$1" 'BEGIN { exit !(p99 > 50 || f > 1 || a < 0.95 * t) }'; then
        BROKE=$RATE
        # Iterations dropped while the server's core is mostly idle: k6 ran out of CPU first.
        if [ "$8" -gt 0 ] && awk -v c="$9" 'BEGIN { exit !(c < 0.8) }'; then
          echo "note: k6 dropped $8 iterations while the server used $9 of its core: the generator, not the server, is the limit at this rate" | tee -a "$OUT/report.md"
        fi
      fi
      RATE=$(( RATE * 2 ))
      [ "$RATE" -gt 256000 ] && break
    done
    echo "breaking point: ${BROKE:-none up to 256000} req/s (the first step that missed a target: p99 <= 50 ms, <= 1% failed, >= 95% of the rate achieved)" | tee -a "$OUT/report.md"
    ;;
  soak)
    DUR=${2:-10m} RATE=${3:-500}
    echo "t_s,rss_kib,fds" >"$OUT/samples.csv"
    ( t0=$(date +%s)
      while kill -0 "$SERVER" 2>/dev/null; do
        rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status")
        fds=$(ls "/proc/$SERVER/fd" | wc -l)
        echo "$(( $(date +%s) - t0 )),$rss,$fds" >>"$OUT/samples.csv"
        sleep 5
      done ) &
    SAMPLER=$!
    r=$(run_k6 soak "$RATE" "$DUR" mixed)
    kill "$SAMPLER" 2>/dev/null || true
    { echo "## soak: mixed at $RATE req/s for $DUR ($(nproc) CPUs, $(date -u +%F))"; header; row "$r"; } | tee "$OUT/report.md"
    python3 scripts/bench/soak_plot.py "$OUT/samples.csv" "$OUT/soak.svg" | tee -a "$OUT/report.md"
    ;;
  rollout)
    RATE=${2:-500} BAKE=${3:-10}
    $BIN users add deployer --role ml_engineer --service >/dev/null 2>&1
    DKEY=$($BIN keys create deployer --label deploy --expires-in 1d 2>/dev/null)
    tool() {
      curl -sS -XPOST "http://$ADDR/v1/tools/$1" -H "Authorization: Bearer $DKEY" \
        -H 'content-type: application/json' -d "$2"
    }
    field() { python3 -c "import json, sys; v = json.load(sys.stdin); print($1)"; }
    CHAMPION=$(tool list_models '{}' | field 'v["serving"]')
    # A legitimately different model: the same features trained on fewer seasons.
    CANDIDATE=$($BIN train --seasons 2001-2026 --json 2>/dev/null | field 'v["name"] + "@" + v["version"]')
    echo "champion $CHAMPION, candidate $CANDIDATE" | tee "$OUT/report.md"
    # phase NAME DURATION EXPECTED START_ARGS: predictions at RATE for DURATION while a
    # roll-out started 3 s in runs; its verdict must be EXPECTED and no request may fail.
    phase() {
      local name=$1 dur=$2 want=$3 args=$4 r state starter
      (sleep 3; tool start_rollout "$args" >"$OUT/$name-start.json") &
      starter=$!
      r=$(run_k6 "$name" "$RATE" "$dur" predict)
      wait "$starter"
      tool rollout_status '{}' >"$OUT/$name-status.json"
      state=$(field 'v["recent"][0]["state"] if v["recent"] else "none"' <"$OUT/$name-status.json")
      { echo; echo "## $name: predictions at $RATE req/s for $dur, verdict $state (expected $want)"; header; row "$r"
        echo; echo "answers by model version and arm (this phase and before):"; echo '```'
        curl -fsS -H "Authorization: Bearer $KEY" "http://$ADDR/metrics" | grep -E '^nba_mcp_rollout_(predictions_total|events_total)' || true
        echo '```'
        field '"\n".join(e["at"] + " " + e["event"] + ": " + e["detail"] for e in v["recent"][0]["events"])' <"$OUT/$name-status.json"
      } | tee -a "$OUT/report.md"
      set -- $r
      [ "$state" = "$want" ] || { echo "FAILED: $name ended $state, not $want (see $OUT/$name-start.json)" >&2; exit 1; }
      awk -v f="$7" 'BEGIN { exit !(f == 0) }' || { echo "FAILED: $7% of requests failed during $name" >&2; exit 1; }
    }
    phase canary-promoted "$(( 4 * BAKE + 30 ))s" promoted \
      "{\"model\": \"$CANDIDATE\", \"steps\": [5, 25, 50, 100], \"bake_seconds\": $BAKE}"
    # Back to the first champion, with a disagreement guard no different model can hold.
    phase canary-rolled-back 30s rolled_back \
      "{\"model\": \"$CHAMPION\", \"bake_seconds\": 600, \"guards\": {\"max_disagreement\": 0.001}}"
    ;;
  *) echo "usage: scripts/load.sh load|stress|soak|batch|rollout [args] (see the header)" >&2; exit 2 ;;
esac
