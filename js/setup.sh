#!/usr/bin/env bash
# Installs the npm workspaces under js/ (npm ci from package-lock.json) through scripts/npm-ci.sh:
# idempotent and silent when nothing changed (the workspaces' package.json files count too).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v node >/dev/null || { echo "js/setup.sh: node not found" >&2; exit 1; }
"$here/../scripts/npm-ci.sh" "$here" packages/*/package.json

# npm 11 holds back esbuild's postinstall; its JS API finds the binary in @esbuild/linux-x64.
for bin in tsc esbuild; do
  [[ -x node_modules/.bin/$bin ]] || { echo "js/setup.sh: node_modules/.bin/$bin missing after npm ci" >&2; exit 1; }
done
