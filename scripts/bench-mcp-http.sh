#!/usr/bin/env bash
# Measures MCP tools/call latency over Streamable HTTP and POST /v1/predict on 127.0.0.1 with
# wrk (Debian package), against a release server on a store loaded from the real data folder
# (the server trains its champion model on first start).
# Every request carries an API key (Authorization: Bearer) of a viewer service account made
# with `nba-mcp users add` / `nba-mcp keys create` on the bench's own store. The server runs
# with the per-principal rate limit off (NBA_MCP_RATE_LIMIT_PER_S=0): one principal drives
# all the load, and the default limit (100 req/s, burst 200) would measure the limiter, not
# the server. For the same reason the per-principal cap of calls in flight is raised to the
# process cap (NBA_MCP_MAX_CALLS_PER_PRINCIPAL=256; default 16). Authentication itself (key
# lookup, cached), admission and the deadline stay in every request's path.
# Usage: scripts/bench-mcp-http.sh [duration, default 10s] [connections, default 1]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10s}
CONN=${2:-1}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl not found: apt-get install curl" >&2; exit 1; }
DATA=${NBA_MCP_DATA_DIR:-../shared/data}
STATE=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$STATE"' EXIT
cargo build --release -q -p nba-cli
BIN=target/release/nba-mcp
# The same store and state for every command: ingest, the account and key, the server.
export DATABASE_URL="sqlite://$STATE/nba.db" NBA_MCP_STATE_DIR="$STATE" LOG_LEVEL=warn
unset NBA_MCP_API_KEY NBA_MCP_API_KEY_FILE ENABLE_RBAC NBA_MCP_ENABLE_RBAC NBA_MCP_RATE_LIMIT_BURST
$BIN ingest all "$DATA" 2>/dev/null
$BIN users add bench --role viewer --service >/dev/null 2>&1
KEY=$($BIN keys create bench --label bench --expires-in 1d 2>/dev/null)
case "$KEY" in nba_mcp_*) ;; *) echo "nba-mcp keys create printed no key" >&2; exit 1 ;; esac
echo "== API key of service account 'bench' (role viewer) made; sent as Authorization: Bearer"
echo "== per-principal rate limit OFF for the load: NBA_MCP_RATE_LIMIT_PER_S=0 (default 100 req/s, burst 200)"
echo "== per-principal calls in flight: NBA_MCP_MAX_CALLS_PER_PRINCIPAL=256 (default 16)"
NBA_MCP_RATE_LIMIT_PER_S=0 NBA_MCP_MAX_CALLS_PER_PRINCIPAL=256 $BIN serve --bind 127.0.0.1:0 2>"$STATE/serve.log" &
SERVER=$!
# Start-up trains the champion model first: allow a few minutes.
ADDR=
for _ in $(seq 1 3000); do
  ADDR=$(grep -o 'listening on http://[0-9.:]*' "$STATE/serve.log" | head -1 | sed 's/listening on http:\/\///') && [ -n "$ADDR" ] && break
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.1
done
[ -n "${ADDR:-}" ] || { echo "server did not start" >&2; cat "$STATE/serve.log" >&2; exit 1; }
# Fail fast when the key does not open the server (every measured request would be a 401).
WHO=$(curl -s -XPOST "http://$ADDR/v1/tools/whoami" -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{}')
case "$WHO" in *'"role":"viewer"'*) ;; *) echo "the key does not work: $WHO" >&2; exit 1 ;; esac
case "$WHO" in *'"rate_limit":null'*) ;; *) echo "the rate limit is still on: $WHO" >&2; exit 1 ;; esac
NOKEY=$(curl -s -o /dev/null -w '%{http_code}' -XPOST "http://$ADDR/mcp" -H 'content-type: application/json' -d '{}')
echo "== server http://$ADDR: whoami as bench ok; a request without a key gets $NOKEY"
run() {
  echo "== $1 $2 ($CONN connection(s), $DUR)"
  NBA_MCP_API_KEY=$KEY TOOL=$1 ARGS=$2 wrk -t1 -c"$CONN" -d"$DUR" -s scripts/bench/mcp-call.lua "http://$ADDR/mcp" | tail -3
}
run get_standings '{"season":"2015-16"}'
run get_games '{"team":"GSW","season":"2015-16","limit":25}'
run get_games '{"season":"2024-25","stage":"playoffs","limit":100}'
run predict_game '{"home":"BOS","away":"LAL","date":"2026-03-01"}'
for c in 1 32; do
  echo "== POST /v1/predict ($c connection(s), $DUR)"
  NBA_MCP_API_KEY=$KEY wrk -t"$( [ "$c" -gt 1 ] && echo 2 || echo 1 )" -c"$c" -d"$DUR" -s scripts/bench/predict.lua "http://$ADDR/v1/predict" | tail -3
done
