#!/usr/bin/env bash
# The size of the WebAssembly module a browser app gets from mfstate: builds the library in the
# wasm stage's tree ($BUILD/wasm, emscripten), links bench/size/probe.cpp against it (-O2, wasm
# exceptions as that build compiles them, cmake/Emscripten.cmake; no SINGLE_FILE so the .wasm
# stands alone) and prints the bytes of the .wasm. Run it before and after a change to the core
# to see what the change costs.
#
#   scripts/bench-wasm-size.sh          prints "wasm-size-probe: N bytes (path)"
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
configure "$BUILD/wasm" emcmake cmake -S . -B "$BUILD/wasm" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
build "$BUILD/wasm" --target mfstate >/dev/null
out=$BUILD/wasm/size-probe
mkdir -p "$out"

em++ -std=c++20 -O2 -fwasm-exceptions -Iinclude bench/size/probe.cpp \
  "$BUILD/wasm/libmfstate.a" -o "$out/probe.js" -sALLOW_MEMORY_GROWTH=1
echo "wasm-size-probe: $(stat -c %s "$out/probe.wasm") bytes ($out/probe.wasm)"
