#!/usr/bin/env bash
# Installs the demo's npm packages (npm ci from package-lock.json, only when package.json or the
# lock file changed since the last install). The packages it takes from js/ (@mfstate/core, react,
# cli: file: dependencies) are built by scripts/js.sh first (scripts/mf-demo.sh does both).
# Idempotent; quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v node >/dev/null || { echo "mf-demo/setup.sh: node not found" >&2; exit 1; }
../../scripts/npm-ci.sh .
# npm 11 may hold back esbuild's install script: its binary must be there.
node_modules/.bin/esbuild --version >/dev/null 2>&1 ||
  { echo "mf-demo/setup.sh: esbuild's binary is missing after npm ci" >&2; exit 1; }
