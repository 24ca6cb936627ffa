# Sourced by the scripts that need a cargo tool: `cargo_tool NAME VERSION` makes `cargo NAME`
# (`cargo-NAME --version` reporting VERSION, or any version when VERSION is empty) available,
# installing it into the project's own .tools/ folder when missing (never into ~/.cargo/bin).
TOOLS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools"
export PATH="$TOOLS_ROOT/bin:$PATH"

cargo_tool() {
  local name=$1 version=$2 have
  have=$(cargo "$name" --version 2>/dev/null || true)
  if [ -n "$have" ] && { [ -z "$version" ] || [ "$have" = "cargo-$name $version" ]; }; then
    return 0
  fi
  echo "installing cargo-$name ${version:-(latest)} into $TOOLS_ROOT (once per checkout)" >&2
  if [ -n "$version" ]; then
    cargo install --locked --root "$TOOLS_ROOT" "cargo-$name" --version "$version"
  else
    cargo install --locked --root "$TOOLS_ROOT" "cargo-$name"
  fi
}
