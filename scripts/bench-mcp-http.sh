#!/usr/bin/env bash
# Measures MCP tools/call latency over Streamable HTTP and POST /v1/predict on 127.0.0.1 with
# wrk (Debian package), against a release server on a store loaded from the real data folder
# (the server trains its champion model on first start).
# Usage: scripts/bench-mcp-http.sh [duration, default 10s] [connections, default 1]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10s}
CONN=${2:-1}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
DATA=${NBA_MCP_DATA_DIR:-../shared/data}
STATE=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$STATE"' EXIT
cargo build --release -q -p nba-cli
BIN=target/release/nba-mcp
export DATABASE_URL="sqlite://$STATE/nba.db" LOG_LEVEL=warn
$BIN ingest all "$DATA" 2>/dev/null
NBA_MCP_STATE_DIR="$STATE" $BIN serve --bind 127.0.0.1:0 2>"$STATE/serve.log" &
SERVER=$!
for _ in $(seq 1 100); do
  ADDR=$(grep -o 'listening on http://[0-9.:]*' "$STATE/serve.log" | head -1 | sed 's/listening on //') && [ -n "$ADDR" ] && break
  sleep 0.1
done
[ -n "${ADDR:-}" ] || { echo "server did not start" >&2; cat "$STATE/serve.log" >&2; exit 1; }
run() {
  echo "== $1 $2 ($CONN connection(s), $DUR)"
  TOOL=$1 ARGS=$2 wrk -t1 -c"$CONN" -d"$DUR" -s scripts/bench/mcp-call.lua "$ADDR/mcp" | tail -3
}
run get_standings '{"season":"2015-16"}'
run get_games '{"team":"GSW","season":"2015-16","limit":25}'
run get_games '{"season":"2024-25","stage":"playoffs","limit":100}'
run predict_game '{"home":"BOS","away":"LAL","date":"2026-03-01"}'
for c in 1 32; do
  echo "== POST /v1/predict ($c connection(s), $DUR)"
  wrk -t"$( [ "$c" -gt 1 ] && echo 2 || echo 1 )" -c"$c" -d"$DUR" -s scripts/bench/predict.lua "$ADDR/v1/predict" | tail -3
done
