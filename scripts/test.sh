#!/usr/bin/env bash
# The test command: everything the test suite needs, then the whole workspace's tests.
# Needs PostgreSQL on 127.0.0.1:5432 (trust auth) and ../shared/data (see README); installs
# the official Python MCP SDK (.venv-mcp) and Debian's chromium (dashboard test) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
scripts/setup-python.sh >/dev/null
scripts/setup-chromium.sh >/dev/null
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast "$@"
else
  cargo test --workspace --no-fail-fast "$@"
fi
