#!/usr/bin/env bash
# The ratio benchmark: each server path as a share of the ceiling, the smallest JSON endpoint
# on the same stack (crates/nba-http/examples/ceiling.rs: axum, tokio, a bearer check, JSON in
# and out), both driven by the same generator (wrk) in the same run on 127.0.0.1. Every
# request carries the viewer key; any non-2xx answer, socket error, tool error or JSON-RPC
# error fails the run. Numbers are req/s and latency percentiles of wrk's closed loop; the
# share is the path's req/s over the ceiling's at the same connection count.
# Usage: scripts/bench-ratio.sh [duration per run, default 10s]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10s}
source scripts/bench/server.sh
bench_need wrk "apt-get install wrk"
bench_prepare
bench_serve
bench_ceiling
echo "== server http://$ADDR, ceiling http://$CEILING_ADDR, wrk ${DUR} per run, viewer key on every request"

FAILED=0
# measure NAME CONNS URL BODY [HEADERS] -> "req/s p50 p95 p99 max errors"
measure() {
  local threads=1
  [ "$2" -gt 1 ] && threads=2
  local out
  out=$(BENCH_KEY=$KEY BODY=$4 HEADERS=${5:-} wrk -t"$threads" -c"$2" -d"$DUR" \
    -s scripts/bench/ratio.lua "$3" | grep '^RESULT') || { echo "wrk failed for $1" >&2; exit 1; }
  set -- $out
  echo "$3 $4 $5 $6 $7 $8"
}

PREDICT='{"home":"BOS","away":"LAL","date":"2026-03-01"}'
STANDINGS='{"season":"2015-16"}'
rows=()
for c in 32 1; do
  ceiling=$(measure ceiling "$c" "http://$CEILING_ADDR/predict" "$PREDICT")
  rows+=("ceiling (axum JSON + bearer)|$c|$ceiling")
  rows+=("POST /v1/predict|$c|$(measure predict "$c" "http://$ADDR/v1/predict" "$PREDICT")")
  rows+=("MCP tools/call predict_game|$c|$(measure mcp-predict "$c" "http://$ADDR/mcp" "$(mcp_body predict_game "$PREDICT")" "$MCP_HEADERS|Mcp-Name: predict_game")")
  rows+=("MCP tools/call get_standings|$c|$(measure mcp-standings "$c" "http://$ADDR/mcp" "$(mcp_body get_standings "$STANDINGS")" "$MCP_HEADERS|Mcp-Name: get_standings")")
  rows+=("POST /v1/tools/get_standings|$c|$(measure rest-standings "$c" "http://$ADDR/v1/tools/get_standings" "$STANDINGS")")
done

printf '\n| path | conns | req/s | share of ceiling | p50 ms | p95 ms | p99 ms | max ms | errors |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
declare -A CEIL
for row in "${rows[@]}"; do
  IFS='|' read -r name c result <<<"$row"
  read -r rps p50 p95 p99 max errs <<<"$result"
  [ "$name" = "ceiling (axum JSON + bearer)" ] && CEIL[$c]=$rps
  share=$(awk -v a="$rps" -v b="${CEIL[$c]}" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$c" "$rps" "$share" "$p50" "$p95" "$p99" "$max" "$errs"
  [ "$errs" -eq 0 ] || FAILED=1
done
[ "$FAILED" -eq 0 ] || { echo "FAILED: some requests failed (errors column)" >&2; exit 1; }
