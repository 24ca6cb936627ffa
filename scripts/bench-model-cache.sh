#!/usr/bin/env bash
# The model cache's hit rate on a running server while the champion cycles through three
# versions (nine promotions, 200 predictions after each): prints the cache's counters from
# /metrics. A version kept warm (the one before a promotion) is served without a lookup;
# every other switch is a cache lookup, and each version is read from the store once.
# Uses the built binary (NBA_MCP_BIN, default target/debug/nba-mcp) and the 2021-22 season
# of the data folder (NBA_MCP_DATA_DIR, default ../shared/data); a temporary SQLite site.
set -euo pipefail
cd "$(dirname "$0")/.."
B=$(realpath "${NBA_MCP_BIN:-target/debug/nba-mcp}")
DATA=${NBA_MCP_DATA_DIR:-../shared/data}
[ -x "$B" ] || { echo "error: $B is missing: cargo build -p nba-cli first" >&2; exit 1; }
D=$(mktemp -d)
export NBA_MCP_STATE_DIR=$D DATABASE_URL="sqlite://$D/nba.db" NBA_MCP_AUTO_LOAD=false \
  LOG_LEVEL=warn NBA_MCP_RATE_LIMIT_PER_S=0
"$B" ingest fivethirtyeight "$DATA/fivethirtyeight/nba_elo_latest_2022.csv" >/dev/null
"$B" train --seasons 2022 --version a --alias champion >/dev/null
"$B" train --seasons 2022 --version b >/dev/null
"$B" train --seasons 2022 --version c >/dev/null
"$B" users add op --role admin >/dev/null 2>&1
KEY=$("$B" keys create op 2>/dev/null | tail -1)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$B" serve --bind "127.0.0.1:$port" >"$D/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$D"' EXIT
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$port/live" && break; sleep 0.5; done
predict() {
  for _ in $(seq 200); do
    curl -sf -o /dev/null -H "Authorization: Bearer $KEY" -d '{"home":"BOS","away":"MIA"}' \
      "http://127.0.0.1:$port/v1/predict"
  done
}
predict
for v in b c a b c a b c a; do
  "$B" models promote "nba-logit@$v" >/dev/null 2>&1
  sleep 3
  predict
done
curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port/metrics" \
  | grep -E '^nba_mcp_cache_(requests_total|entries)\{cache="models"'
