#!/usr/bin/env bash
# Builds the WebAssembly `mfstate` tool for node into dist/ (mfstate.cjs + mfstate.wasm) with
# Debian's emscripten: configure once, then incremental. Build tree: $BUILD/cli-wasm, BUILD
# defaulting to the repository's build/ (as scripts/test.sh).
set -euo pipefail
package=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$package/../../.." && pwd)
build=${BUILD:-$repo/build}
case $build in /*) ;; *) build=$repo/$build ;; esac
tree=$build/cli-wasm
# Debian's emscripten runs its JavaScript tools with the acorn etc. of /usr/share/nodejs.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$tree/CMakeCache.txt" ]; then
  mkdir -p "$tree"
  if ! emcmake cmake -S "$package/native" -B "$tree" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    >"$tree/configure.log" 2>&1; then
    cat "$tree/configure.log" >&2
    exit 1
  fi
fi
cmake --build "$tree" -j"${JOBS:-$(nproc)}"
mkdir -p "$package/dist"
for f in mfstate.cjs mfstate.wasm; do
  cmp -s "$tree/$f" "$package/dist/$f" || cp "$tree/$f" "$package/dist/$f"
done
