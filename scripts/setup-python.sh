#!/usr/bin/env bash
# Creates .venv-mcp at the repository root with the official MCP Python SDK, used by the
# end-to-end tests (tests/e2e/mcp_client.py, crates/nba-cli/tests/mcp_e2e.rs) as a real
# third-party client, and moto's S3 server, the real S3 API on loopback that the backup tests
# write to (crates/nba-testkit/src/s3.rs). Idempotent: pinned versions already installed are kept.
set -euo pipefail

MCP_VERSION="2.3.0"
MOTO_VERSION="5.2.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-mcp"
PY="$VENV/bin/python"

have_sdk() {
    [ -x "$PY" ] && "$PY" - "$MCP_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
import mcp  # noqa: F401
from mcp import Client  # noqa: F401  (the 2.x client API the tests use)
sys.exit(0 if version("mcp") == sys.argv[1] else 1)
EOF
}

if have_sdk; then
    echo "mcp ${MCP_VERSION} already installed in ${VENV}"
else
    PYTHON="${PYTHON:-python3}"
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "error: ${PYTHON} not found; install Python 3.10 or newer" >&2
        exit 1
    fi
    if [ ! -x "$PY" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    "$PY" -m pip install --quiet --disable-pip-version-check "mcp[cli]==${MCP_VERSION}"
    if ! have_sdk; then
        echo "error: mcp ${MCP_VERSION} did not import from ${VENV}" >&2
        exit 1
    fi
    echo "installed mcp ${MCP_VERSION} in ${VENV}"
fi
have_moto() {
    [ -x "$VENV/bin/moto_server" ] && "$PY" - "$MOTO_VERSION" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
import moto.server  # noqa: F401  (the server extra: flask, werkzeug)
sys.exit(0 if version("moto") == sys.argv[1] else 1)
EOF
}
if ! have_moto; then
    "$PY" -m pip install --quiet --disable-pip-version-check "moto[server]==${MOTO_VERSION}"
    if ! have_moto; then
        echo "error: moto ${MOTO_VERSION} (moto_server) did not install into ${VENV}" >&2
        exit 1
    fi
    echo "installed moto ${MOTO_VERSION} in ${VENV}"
fi
echo "python: ${PY}"
