#!/usr/bin/env bash
# Creates .venv-mlflow at the repository root with MLflow's tracking server and model
# registry (pinned), which the MLflow registry tests start on loopback with a store of their
# own. 3.17.2 is the newest that installs from the Python registry here (3.18.0's tracing
# dependency is not served). psycopg2-binary lets the server use a PostgreSQL backend store,
# boto3 an artifact store on the S3 API. skl2onnx, onnx and onnxruntime are for bringing a
# scikit-learn model as ONNX (scripts/byom/train_sklearn.py; mlflow.onnx needs onnxruntime).
# Idempotent: an installed pinned version is kept.
set -euo pipefail

MLFLOW_VERSION="3.17.2"
BOTO3_VERSION="1.44.18"
SKL2ONNX_VERSION="1.20.0"
ONNX_VERSION="1.23.2"
ONNXRUNTIME_VERSION="1.32.0"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-mlflow"

if [ -x "$VENV/bin/mlflow" ] && "$VENV/bin/python" -c "
import sys
from importlib.metadata import version
want = {'mlflow': '$MLFLOW_VERSION', 'boto3': '$BOTO3_VERSION', 'skl2onnx': '$SKL2ONNX_VERSION',
        'onnx': '$ONNX_VERSION', 'onnxruntime': '$ONNXRUNTIME_VERSION'}
sys.exit(0 if all(version(k) == v for k, v in want.items()) else 1)" 2>/dev/null; then
    echo "mlflow ${MLFLOW_VERSION} already installed in ${VENV}"
    exit 0
fi
[ -x "$VENV/bin/pip" ] || "${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "mlflow==${MLFLOW_VERSION}" "psycopg2-binary==2.9.10" "boto3==${BOTO3_VERSION}" \
    "skl2onnx==${SKL2ONNX_VERSION}" "onnx==${ONNX_VERSION}" "onnxruntime==${ONNXRUNTIME_VERSION}"
echo "installed mlflow ${MLFLOW_VERSION} into ${VENV}"
