#!/usr/bin/env bash
# Runs an npm command under Node 24 with dependencies installed: `scripts/run.sh demo`,
# `scripts/run.sh start`, `scripts/run.sh test`, `scripts/run.sh run migrate`. Works on a fresh clone and offline once
# npm's cache holds the packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
node_bin="$("$root/scripts/node24.sh")"
export PATH="$node_bin:$PATH"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# `demo` is an npm script, not an npm command.
if [ "${1:-}" = demo ]; then shift; exec npm run demo -- "$@"; fi
exec npm "$@"
