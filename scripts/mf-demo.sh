#!/usr/bin/env bash
# The Module Federation demo (examples/mf-demo): builds the API server (CMake, Release tree), the
# npm packages and the three apps, then
#   scripts/mf-demo.sh serve   `make demo`: serves everything, prints the URL, runs until Ctrl-C
#   scripts/mf-demo.sh check   `make demo-check`: runs the stories in headless Chromium, writes
#                              screenshots to $BUILD/mf-demo/screenshots and the page's figures
#                              to $BUILD/mf-demo/figures.json, stops everything
#   scripts/mf-demo.sh build   only builds
# Every process it starts is stopped by its pid on exit (examples/mf-demo/scripts/processes.mjs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mode=${1:-serve}
demo=examples/mf-demo

configure_release
log=$BUILD/release/mf-demo-build.log
build "$BUILD/release" --target mfdemo-api >"$log" 2>&1 || { cat "$log"; exit 1; }
# The packages the apps take from js/ (@mfstate/core, @mfstate/react, @mfstate/cli), then the
# demo's own npm packages.
scripts/js.sh >"$BUILD/mf-demo-js.log" 2>&1 || { cat "$BUILD/mf-demo-js.log"; exit 1; }
"$demo/setup.sh"
export BUILD
node "$demo/scripts/build.mjs"

case $mode in
  build) ;;
  serve) exec node "$demo/scripts/demo.mjs" ;;
  check)
    # The stories, each file with its own servers and one Chromium; spec output for people.
    node --test --test-concurrency=1 --test-reporter=spec "$demo"/tests/stories/*.test.mjs
    echo "screenshots: $BUILD/mf-demo/screenshots"
    # The page's network and size figures (docs/demo.md quotes them).
    node "$demo/scripts/figures.mjs"
    ;;
  *) echo "scripts/mf-demo.sh: unknown mode $mode (serve, check, build)" >&2; exit 2 ;;
esac
