#!/usr/bin/env bash
# Installs Debian's Prometheus package for its promtool, which checks and unit-tests the
# alert rules (ops/prometheus-alerts.yml with ops/prometheus-alerts.test.yml; run by
# crates/nba-ops/tests/it/artefacts.rs). Idempotent: does nothing when promtool is on PATH.
# Needs root (apt-get); prints where promtool is. The package's server is not started.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  command -v promtool
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup-promtool.sh: promtool is missing and installing it needs root (apt-get install -y prometheus)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool
