#!/usr/bin/env bash
# Builds the npm packages under js/: installs them (js/setup.sh), builds the WebAssembly module of
# @mfstate/core in the wasm tree (the one scripts/test.sh's wasm stage uses, so the library is
# compiled once), then each package's dist/.
#
#   scripts/js.sh          build
# Environment: BUILD (build root, default build), JOBS.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

js/setup.sh
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
configure_wasm
build "$BUILD/wasm" --target mfstate-web
MFSTATE_WASM="$BUILD/wasm/js/packages/core/wasm/mfstate.wasm" npm --prefix js run --silent build
