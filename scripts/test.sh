#!/usr/bin/env bash
# Runs every test, as CI does: installs what the tests talk to (a real OTLP
# collector into .venv, the phoenix JavaScript client into tests/js), then
# the whole workspace's tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-collector.sh
bash scripts/install-js.sh
cargo test --workspace
