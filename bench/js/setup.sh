#!/usr/bin/env bash
# Installs the JS peers (npm ci from package-lock.json) and bundles the harness
# into dist/peers.mjs. Idempotent and silent when everything is up to date:
# npm ci runs only when node_modules is missing or package.json /
# package-lock.json changed since the last install; the bundle is rebuilt only
# when it is older than its sources or the install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command -v node >/dev/null || { echo "bench/js/setup.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "bench/js/setup.sh: npm not found" >&2; exit 1; }

stamp=node_modules/.mfstate-install-stamp
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)

if [[ ! -d node_modules || "$want" != "$have" ]]; then
  log=$(mktemp)
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    echo "bench/js/setup.sh: npm ci failed:" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  echo "$want" >"$stamp"
fi

out=dist/peers.mjs
if [[ ! -f "$out" || peers.mjs -nt "$out" || build.mjs -nt "$out" || "$stamp" -nt "$out" ]]; then
  node build.mjs --quiet
fi
