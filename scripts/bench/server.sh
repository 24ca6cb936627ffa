# Sourced by the benchmark and load scripts: a release server on a scratch store loaded from
# the real data folder, with a viewer service account's API key, the per-principal rate limit
# off (one principal drives all the load; the default 100 req/s would measure the limiter)
# and the per-principal cap of calls in flight raised to the process cap. Authentication
# (key lookup, cached), admission, deadlines and the audit entry stay in every request's path.
#
# bench_prepare        builds, ingests, makes the key: sets BIN, STATE, KEY
# bench_serve [CPUS]   starts `serve` on 127.0.0.1:0 (pinned to CPUS with taskset when given):
#                      sets SERVER (pid) and ADDR; stopped by the EXIT trap
# bench_ceiling [CPUS] starts the ceiling example: sets CEILING (pid) and CEILING_ADDR
# bench_cleanup        stops what was started, removes the scratch state

BENCH_PIDS=()
bench_cleanup() {
  for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${STATE:-}" ] && rm -rf "$STATE"
}
trap bench_cleanup EXIT

bench_need() {
  command -v "$1" >/dev/null || { echo "$1 not found: $2" >&2; exit 1; }
}

bench_prepare() {
  bench_need curl "apt-get install curl"
  DATA=${NBA_MCP_DATA_DIR:-../shared/data}
  [ -d "$DATA" ] || { echo "data folder $DATA not found (set NBA_MCP_DATA_DIR)" >&2; exit 1; }
  STATE=$(mktemp -d)
  cargo build --release -q -p nba-cli
  cargo build --release -q -p nba-http --example ceiling
  BIN=target/release/nba-mcp
  export DATABASE_URL="sqlite://$STATE/nba.db" NBA_MCP_STATE_DIR="$STATE" LOG_LEVEL=warn
  unset NBA_MCP_API_KEY NBA_MCP_API_KEY_FILE ENABLE_RBAC NBA_MCP_ENABLE_RBAC NBA_MCP_RATE_LIMIT_BURST
  $BIN ingest all "$DATA" >/dev/null 2>&1 || { echo "ingest of $DATA failed" >&2; exit 1; }
  $BIN users add bench --role viewer --service >/dev/null 2>&1
  KEY=$($BIN keys create bench --label bench --expires-in 1d 2>/dev/null)
  case "$KEY" in nba_mcp_*) ;; *) echo "nba-mcp keys create printed no key" >&2; exit 1 ;; esac
}

# wait_for_addr LOGFILE PID: the address after "listening on http://" in LOGFILE.
bench_wait_addr() {
  local addr=
  for _ in $(seq 1 3000); do
    addr=$(grep -o 'listening on http://[0-9.:]*' "$1" | head -1 | sed 's/listening on http:\/\///')
    [ -n "$addr" ] && { echo "$addr"; return 0; }
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "did not start:" >&2
  cat "$1" >&2
  return 1
}

bench_pin() {
  if [ -n "${1:-}" ]; then echo "taskset -c $1"; fi
}

bench_serve() {
  # Start-up trains the champion model first: bench_wait_addr allows five minutes.
  NBA_MCP_RATE_LIMIT_PER_S=0 NBA_MCP_MAX_CALLS_PER_PRINCIPAL=256 \
    $(bench_pin "${1:-}") $BIN serve --bind 127.0.0.1:0 2>"$STATE/serve.log" &
  SERVER=$!
  BENCH_PIDS+=("$SERVER")
  ADDR=$(bench_wait_addr "$STATE/serve.log" "$SERVER") || exit 1
  local who
  who=$(curl -s -XPOST "http://$ADDR/v1/tools/whoami" -H "Authorization: Bearer $KEY" \
    -H 'content-type: application/json' -d '{}')
  case "$who" in *'"role":"viewer"'*) ;; *) echo "the key does not work: $who" >&2; exit 1 ;; esac
  case "$who" in *'"rate_limit":null'*) ;; *) echo "the rate limit is still on: $who" >&2; exit 1 ;; esac
}

bench_ceiling() {
  CEILING_KEY=$KEY $(bench_pin "${1:-}") target/release/examples/ceiling >"$STATE/ceiling.log" 2>&1 &
  CEILING=$!
  BENCH_PIDS+=("$CEILING")
  CEILING_ADDR=$(bench_wait_addr "$STATE/ceiling.log" "$CEILING") || exit 1
}

# MCP tools/call bodies and headers for the stateless protocol (2026-07-28).
MCP_HEADERS='Accept: application/json, text/event-stream|MCP-Protocol-Version: 2026-07-28|Mcp-Method: tools/call'
mcp_body() {
  printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}' "$1" "$2"
}
