#!/usr/bin/env bash
# Static checks CI runs before the tests: formatting, clippy with every warning an error
# (all targets: libraries, binaries, tests, benches), and a `//!` doc comment opening every
# Rust source file, saying what the module is for.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
missing=0
while IFS= read -r f; do
  if ! head -n 1 "$f" | grep -q '^//!'; then
    echo "$f: does not start with a //! comment saying what the module is for" >&2
    missing=1
  fi
done < <(git ls-files 'crates/*.rs' 'fuzz/*.rs')
exit "$missing"
