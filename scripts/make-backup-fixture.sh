#!/usr/bin/env bash
# Writes a backup made by a given nba-mcp build into crates/nba-cli/tests/fixtures/NAME/, for
# the compatibility test (a backup from an earlier release must restore with this one):
#   scripts/make-backup-fixture.sh PATH/TO/nba-mcp NAME
# The store holds the demo (simulated) league of one season, never real data: two accounts
# with keys, the audit log of what the script does, predictions served (the prediction log)
# and the champion model trained at first start. The backup is encrypted with a key made for
# the fixture (backup.key) and the admin's API key is kept as api.key: both are test secrets
# of a throwaway store.
set -euo pipefail

bin=$(realpath "${1:?usage: make-backup-fixture.sh NBA_MCP_BINARY NAME}")
name=${2:?usage: make-backup-fixture.sh NBA_MCP_BINARY NAME}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/crates/nba-cli/tests/fixtures/$name"
if [ -e "$out" ]; then
    echo "$out exists; remove it first" >&2
    exit 1
fi
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/nba.db" NBA_MCP_STATE_DIR="$work/state"
export NBA_MCP_MODEL_STORE="$work/state" LOG_LEVEL=warn LOG_FORMAT=pretty
unset NBA_MCP_DATA_DIR NBA_MCP_API_KEY NBA_MCP_API_KEY_FILE NBA_MCP_BACKUP_DIR NBA_MCP_BACKUP_KEY_FILE
mkdir -p "$out" "$work/state"

"$bin" users add ana --role viewer
"$bin" users add op --role admin
"$bin" keys create ana > /dev/null
"$bin" keys create op > "$out/api.key"
"$bin" backup keygen --out "$out/backup.key"

"$bin" serve --bind 127.0.0.1:0 2> "$work/serve.log" &
pid=$!
addr=
for _ in $(seq 1 300); do
    addr=$(grep -o 'listening on http://[0-9.:]*' "$work/serve.log" | head -1 | sed 's|listening on http://||' || true)
    [ -n "$addr" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 1
done
[ -n "$addr" ] || { echo "the server did not start" >&2; exit 1; }
for teams in '"BOS","LAL"' '"MIA","DEN"' '"NYK","GSW"'; do
    home=${teams%%,*}
    away=${teams##*,}
    curl -fsS -H "Authorization: Bearer $(cat "$out/api.key")" -H 'content-type: application/json' \
        --data "{\"home\":$home,\"away\":$away,\"date\":\"2026-04-10\"}" "http://$addr/v1/predict" > /dev/null
done
kill -TERM "$pid"
wait "$pid" || true
pid=

"$bin" backup create --to "$out" --key-file "$out/backup.key"
{
    echo "Made by scripts/make-backup-fixture.sh with $("$bin" --version)"
    echo "built from commit ${NBA_MCP_FIXTURE_COMMIT:-unknown}, on $(date -u +%Y-%m-%d)."
} > "$out/MADE_BY"
du -sh "$out"
