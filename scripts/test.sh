#!/usr/bin/env bash
# The test command: everything the test suite needs, then the whole workspace's tests.
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and ../shared/data (see README); installs
# the official Python MCP SDK (.venv-mcp) and Debian's chromium (dashboard test) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
scripts/setup-python.sh >/dev/null
scripts/setup-chromium.sh >/dev/null
# nextest runs every test in a process of its own; the suites rely on it (metrics, the
# audit writer and the outage flag are process-wide), so it is installed when missing.
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
cargo nextest run --workspace --no-fail-fast "$@"
