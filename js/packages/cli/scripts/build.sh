#!/usr/bin/env bash
# Builds the WebAssembly `mfstate` tool for node into dist/ (mfstate.cjs + mfstate.wasm): the
# target mfstate-node-tool of the repository's wasm tree ($BUILD/wasm, as scripts/test.sh and
# scripts/js.sh use it; configured here when missing), then copied when it changed.
set -euo pipefail
package=$(cd "$(dirname "$0")/.." && pwd)
source "$package/../../../scripts/lib.sh"
# Debian's emscripten runs its JavaScript tools with the acorn etc. of /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
[ -f "$BUILD/wasm/CMakeCache.txt" ] || configure_wasm
build "$BUILD/wasm" --target mfstate-node-tool
tree=$BUILD/wasm/js/packages/cli/native
mkdir -p "$package/dist"
for f in mfstate.cjs mfstate.wasm; do
  cmp -s "$tree/$f" "$package/dist/$f" || cp "$tree/$f" "$package/dist/$f"
done
