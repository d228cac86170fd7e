#!/usr/bin/env bash
# Installs what the browser test (tests/channel_traced/browser.rs) drives:
# Debian's `chromium` package (/usr/bin/chromium) and puppeteer-core, pinned,
# into tests/browser/node_modules. puppeteer-core never downloads a browser
# of its own; the test launches /usr/bin/chromium. Idempotent and quiet when
# already installed. Needs root for apt-get (as CI runs).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: /usr/bin/chromium is missing and there is no apt-get to install it" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing or stale on a fresh machine.
  apt-get install -y -qq chromium >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }
  echo "install-browser: chromium installed ($(/usr/bin/chromium --version 2>/dev/null))"
fi

cd tests/browser
if [ ! -f node_modules/puppeteer-core/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-browser: npm is not installed (Node 20 is needed for the browser test)" >&2
    exit 1
  fi
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error
  echo "install-browser: puppeteer-core installed in tests/browser/node_modules"
fi
