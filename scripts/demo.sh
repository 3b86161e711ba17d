#!/usr/bin/env bash
# `make demo-console`: builds the console demo (examples/demo.cpp) in the Release tree and runs it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ ! -f examples/demo.cpp ]; then
  echo "make demo-console: examples/demo.cpp does not exist yet" >&2
  exit 1
fi
configure_release
build "$BUILD/release" --target mfstate-demo >"$BUILD/release/demo-build.log" 2>&1 ||
  { cat "$BUILD/release/demo-build.log"; exit 1; }
exec "$BUILD/release/examples/mfstate-demo" "$@"
