#!/usr/bin/env bash
# Runs every test, as CI does: installs what the tests talk to (scripts/install/:
# a real OTLP collector into .venv, the phoenix JavaScript client into
# tests/js, Debian's Chromium and puppeteer-core into tests/browser, Debian's
# redis-server), then the whole workspace's tests, the import graph's check,
# each tracewire feature alone and the minimal user crate (test/features.sh),
# the published crates as packaged and their docs (test/package.sh), then
# the one package that needs tokio's unstable API (`tokio::task::Builder`;
# see tests/tokio-unstable/Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install/collector.sh
bash scripts/install/js.sh
bash scripts/install/browser.sh
bash scripts/install/redis.sh
# No import cycle between runtime modules (before any build: it reads the
# sources).
python3 scripts/test/import-cycles.py
# Every feature together (the root package enables `full`).
cargo test --workspace
# The behavioural tests again with handler spans on the SDK path, as with a
# provider the user installs: `init()` and `TestTracing` take the record
# path unless TRACEWIRE_SPAN_PATH=sdk. The same workspace-wide selection,
# so the same features and binaries: nothing is rebuilt.
TRACEWIRE_SPAN_PATH=sdk cargo test --workspace --lib \
    --test actor --test channel_traced --test macros --test export --test integrations \
    --test cluster
# Each feature alone, none, and the minimal user crate.
bash scripts/test/features.sh
# The published crates as crates.io gets them, resolved afresh, and docs.rs's build.
bash scripts/test/package.sh
# A target directory of its own: the flag changes every crate's build, and
# sharing target/ would make the two builds evict each other's artifacts.
RUSTFLAGS="--cfg tokio_unstable" cargo test -p tracewire-tokio-unstable-test \
    --target-dir target/tokio-unstable
