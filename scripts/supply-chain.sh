#!/usr/bin/env bash
# Supply-chain check (deny.toml): licenses, banned or wildcard dependencies and sources with
# cargo-deny, then the RustSec advisories when their database can be fetched. When it cannot
# (github.com is out of reach on some machines, and no package registry carries a copy), the
# script says so loudly and never reports advisories as passed; set
# SUPPLY_CHAIN_REQUIRE_ADVISORIES=1 to make that a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

DENY_VERSION=0.20.2
source scripts/tools.sh
cargo_tool deny "$DENY_VERSION"

cargo deny check --hide-inclusion-graph --show-stats licenses bans sources

banner() {
  echo "################################################################################" >&2
  for line in "$@"; do echo "# $line" >&2; done
  echo "################################################################################" >&2
}

if timeout 120 cargo deny fetch db; then
  cargo deny check --disable-fetch advisories
  exit 0
fi

# A copy fetched earlier (or put in place by hand) is better than none, if it says its age.
db=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/advisory-dbs/advisory-db-*/crates 2>/dev/null | head -n1 || true)
if [ -n "$db" ]; then
  db=$(dirname "$db")
  when=$(git -C "$db" log -1 --format=%cs 2>/dev/null || stat -c %y "$db" | cut -d' ' -f1)
  banner "ADVISORIES CHECKED AGAINST A STALE COPY of the RustSec database ($db, from $when):" \
    "fetching a fresh one failed, so advisories published since then are NOT checked."
  cargo deny check --disable-fetch advisories
  exit 0
fi

banner "ADVISORIES NOT CHECKED: the RustSec advisory database could not be fetched" \
  "(https://github.com/RustSec/advisory-db is unreachable from this machine, and no" \
  "package registry carries a copy). Licenses, bans and sources passed; known" \
  "vulnerabilities in dependencies were NOT looked for. Run this script on a machine" \
  "that reaches github.com, or run 'cargo deny check advisories' there."
if [ "${SUPPLY_CHAIN_REQUIRE_ADVISORIES:-0}" = 1 ]; then
  exit 1
fi
