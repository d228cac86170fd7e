#!/usr/bin/env bash
# Builds and tests tracewire with each feature alone, with none, and with
# all of them, so that no feature leans on another one by accident (an
# import that only exists with `channel`, a test that needs `testing`).
#
# Each combination is linted with `-D warnings` (an unused import under one
# combination is a real mistake) and its unit and doc tests run. The
# workspace tests (scripts/test.sh) cover all features together, since the
# root package enables `full`; the
# minimal user crate in tests/minimal covers a user's build with
# `default-features = false`, generated code included. A build without
# `redis` must not pull the redis crate: checked below with `cargo tree`.
set -euo pipefail
cd "$(dirname "$0")/.."

for features in "" actor channel otlp terminal testing redis; do
    args=(-p tracewire --no-default-features)
    [ -n "$features" ] && args+=(--features "$features")
    echo "== tracewire, features: ${features:-none}" >&2
    cargo clippy "${args[@]}" --all-targets -- -D warnings
    cargo test "${args[@]}"
done

echo "== no redis crate without the redis feature" >&2
if cargo tree -p tracewire -e normal --prefix none | grep -q '^redis '; then
    echo "the redis crate is built without the redis feature" >&2
    exit 1
fi

echo "== a user crate with default-features = false" >&2
cargo test -p tracewire-minimal-test
