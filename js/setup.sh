#!/usr/bin/env bash
# Installs the npm workspaces under js/ (npm ci from package-lock.json). Idempotent and silent when
# nothing changed: npm ci runs only when node_modules is missing or a package.json / the lock file
# changed since the last install (a hash of them is kept in node_modules/.mfstate-install-stamp).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command -v node >/dev/null || { echo "js/setup.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "js/setup.sh: npm not found" >&2; exit 1; }

stamp=node_modules/.mfstate-install-stamp
want=$(cat package.json package-lock.json packages/*/package.json | sha256sum | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)

if [[ ! -d node_modules || "$want" != "$have" ]]; then
  log=$(mktemp)
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    echo "js/setup.sh: npm ci failed:" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  echo "$want" >"$stamp"
fi

# npm 11 holds back esbuild's postinstall; its JS API finds the binary in @esbuild/linux-x64.
for bin in tsc esbuild; do
  [[ -x node_modules/.bin/$bin ]] || { echo "js/setup.sh: node_modules/.bin/$bin missing after npm ci" >&2; exit 1; }
done
