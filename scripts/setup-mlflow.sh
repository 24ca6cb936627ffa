#!/usr/bin/env bash
# Creates .venv-mlflow at the repository root with MLflow's tracking server and model
# registry (pinned), which the MLflow registry tests start on loopback with a store of their
# own. 3.17.2 is the newest that installs from the Python registry here (3.18.0's tracing
# dependency is not served). psycopg2-binary lets the server use a PostgreSQL backend store.
# Idempotent: an installed pinned version is kept.
set -euo pipefail

MLFLOW_VERSION="3.17.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-mlflow"

if [ -x "$VENV/bin/mlflow" ] && "$VENV/bin/python" -c "
import sys
from importlib.metadata import version
sys.exit(0 if version('mlflow') == '$MLFLOW_VERSION' else 1)" 2>/dev/null; then
    echo "mlflow ${MLFLOW_VERSION} already installed in ${VENV}"
    exit 0
fi
"${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "mlflow==${MLFLOW_VERSION}" "psycopg2-binary==2.9.10"
echo "installed mlflow ${MLFLOW_VERSION} into ${VENV}"
