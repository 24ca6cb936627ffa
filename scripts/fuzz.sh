#!/usr/bin/env bash
# Fuzzing, briefly (CI): builds every cargo-fuzz target in fuzz/ and runs each for
# FUZZ_SECONDS (default 30) from its committed seeds in fuzz/corpus/<target>/seed-*.
# Fails on a crash, a panic or an input slower than 10 s, and prints the reproducer.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

FUZZ_VERSION=0.13.2
SECONDS_EACH=${FUZZ_SECONDS:-30}
source ../scripts/tools.sh
cargo_tool fuzz "$FUZZ_VERSION"
# cargo-fuzz passes -Z flags (sanitizer, coverage instrumentation) that only a nightly rustc
# accepts; the machine has the stable toolchain alone, and this lets it take them.
export RUSTC_BOOTSTRAP=1

start=$(date +%s)
cargo fuzz build
echo "fuzz: built the targets in $(( $(date +%s) - start ))s"

# Logs beside the build, wherever CARGO_TARGET_DIR puts it.
logs="${CARGO_TARGET_DIR:-$PWD/target}/fuzz-logs"
mkdir -p "$logs"
failed=0
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target" "artifacts/$target"
  log="$logs/fuzz-$target.log"
  before=$(ls "artifacts/$target" | wc -l)
  if cargo fuzz run "$target" "corpus/$target" -- \
      -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 >"$log" 2>&1; then
    echo "fuzz: $target: no crash in ${SECONDS_EACH}s ($(grep -Eo 'Done [0-9]+ runs' "$log" | tail -n1))"
  else
    failed=1
    tail -n 60 "$log"
    reproducer=$(ls -t "artifacts/$target"/* 2>/dev/null | head -n1 || true)
    echo "FUZZ FAILURE in $target (log: fuzz/$log)" >&2
    if [ -n "$reproducer" ] && [ "$(ls "artifacts/$target" | wc -l)" -gt "$before" ]; then
      echo "reproducer: fuzz/$reproducer" >&2
      echo "replay: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $target $reproducer)" >&2
    fi
  fi
done
exit "$failed"
