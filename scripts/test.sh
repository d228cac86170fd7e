#!/usr/bin/env bash
# Runs every test, as CI does: installs what the tests talk to (a real OTLP
# collector into .venv, the phoenix JavaScript client into tests/js, Debian's
# Chromium and puppeteer-core into tests/browser, Debian's redis-server), then
# the whole workspace's tests, each tracewire feature alone (features.sh),
# then the one package that needs tokio's
# unstable API (`tokio::task::Builder`; see tests/tokio-unstable/Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-collector.sh
bash scripts/install-js.sh
bash scripts/install-browser.sh
bash scripts/install-redis.sh
# Every feature together (the root package enables `full`). The minimal
# user crate is left out here: in a workspace-wide build its tracewire would
# get the other members' features.
cargo test --workspace --exclude tracewire-minimal-test
# The behavioural tests again with handler spans on the SDK path, as with a
# provider the user installs: `init()` and `TestTracing` take the record
# path unless TRACEWIRE_SPAN_PATH=sdk. The same workspace-wide selection,
# so the same features and binaries: nothing is rebuilt.
TRACEWIRE_SPAN_PATH=sdk cargo test --workspace --exclude tracewire-minimal-test --lib \
    --test actor --test channel_traced --test macros --test export --test integrations \
    --test cluster
# Each feature alone, none, and the minimal user crate.
bash scripts/features.sh
# A target directory of its own: the flag changes every crate's build, and
# sharing target/ would make the two builds evict each other's artifacts.
RUSTFLAGS="--cfg tokio_unstable" cargo test -p tracewire-tokio-unstable-test \
    --target-dir target/tokio-unstable
