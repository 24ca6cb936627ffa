#!/usr/bin/env bash
# The test command: everything the test suite needs, then the whole workspace's tests.
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and ../shared/data (see README); installs
# the official Python MCP SDK and moto (.venv-mcp), MLflow (.venv-mlflow) and Debian's
# chromium (dashboard test) when missing, and promtool (the alert rules' unit tests). Starts
# one S3 API server (moto, in memory) and one MLflow tracking server (PostgreSQL backend store
# and proxied artifacts in a bucket on that S3 server), each on a free loopback port, for the run; the
# tests take buckets and registered-model names of their own from NBA_MCP_TEST_S3_ENDPOINT
# and NBA_MCP_TEST_MLFLOW_URI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
scripts/setup-python.sh >/dev/null
scripts/setup-mlflow.sh >/dev/null
scripts/setup-chromium.sh >/dev/null
scripts/setup-promtool.sh >/dev/null
export NBA_MCP_REQUIRE_PROMTOOL=1
# nextest runs every test in a process of its own; the suites rely on it (metrics, the
# audit writer and the outage flag are process-wide), so it is installed when missing.
source scripts/tools.sh
cargo_tool nextest ""
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Upload parts of 64 KiB allowed (nba_testkit::s3::PART_MIN), so small tests reach multipart.
S3_UPLOAD_PART_MIN_SIZE=65536 .venv-mcp/bin/moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.2
done
curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo "error: moto_server did not start" >&2; exit 1; }
export NBA_MCP_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
# MLflow as the checklist runs it: a PostgreSQL backend store (a database of this run's own,
# dropped at the end) and artifacts on the S3 API (a bucket on the moto server), served
# through MLflow's artifact proxy.
mlflow_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mlflow_dir=$(mktemp -d)
mlflow_db="nba_mlflow_$$_$RANDOM"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $mlflow_db" >/dev/null
curl -sf -X PUT "$NBA_MCP_TEST_S3_ENDPOINT/nba-mlflow-artifacts" -o /dev/null \
  || { echo "error: could not create the MLflow artifact bucket on moto" >&2; exit 1; }
MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false MLFLOW_S3_ENDPOINT_URL="$NBA_MCP_TEST_S3_ENDPOINT" \
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
  .venv-mlflow/bin/mlflow server --host 127.0.0.1 --port "$mlflow_port" --workers 1 \
  --backend-store-uri "postgresql+psycopg2://postgres@127.0.0.1:5432/$mlflow_db" \
  --artifacts-destination "s3://nba-mlflow-artifacts/mlflow" --serve-artifacts >"$mlflow_dir/log" 2>&1 &
mlflow_pid=$!
trap 'kill "$moto_pid" "$mlflow_pid" 2>/dev/null || true; sleep 0.5; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $mlflow_db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$mlflow_dir"' EXIT
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mlflow_port/health")" = 200 ] && break
  sleep 0.2
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mlflow_port/health")" = 200 ] \
  || { echo "error: the MLflow server did not start (log: $mlflow_dir/log)" >&2; cat "$mlflow_dir/log" >&2; exit 1; }
export NBA_MCP_TEST_MLFLOW_URI="http://127.0.0.1:$mlflow_port"
cargo nextest run --workspace --no-fail-fast "$@"
