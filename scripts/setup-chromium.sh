#!/usr/bin/env bash
# Installs Debian's Chromium for the dashboard's headless browser test
# (crates/nba-ops/tests/dashboard_browser.rs). Idempotent: does nothing when chromium is
# already on PATH. Needs root (apt-get); prints where chromium is.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  command -v chromium
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup-chromium.sh: chromium is missing and installing it needs root (apt-get install -y chromium)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium
