#!/usr/bin/env bash
# Installs the official phoenix JavaScript client and the ws transport into
# tests/js/node_modules (Node 20), for the interop test tests/channel_traced/js.rs.
# Idempotent and quiet when already installed.
set -euo pipefail
cd "$(dirname "$0")/../../tests/js"

if [ -f node_modules/phoenix/package.json ] && [ -f node_modules/ws/package.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-js: npm is not installed (Node 20 is needed for the phoenix client test)" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
echo "install-js: phoenix and ws installed in tests/js/node_modules"
