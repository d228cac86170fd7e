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
cd "$(dirname "$0")/../.."

# `otlp,tracing`: OTLP log export is built only with both.
for features in "" actor axum channel otlp terminal testing tracing otlp,tracing kameo ractor redis; do
    args=(-p tracewire --no-default-features)
    [ -n "$features" ] && args+=(--features "$features")
    echo "== tracewire, features: ${features:-none}" >&2
    cargo clippy "${args[@]}" --all-targets -- -D warnings
    cargo test "${args[@]}"
done

# The integrations are opt-in: a default build pulls none of their crates.
echo "== a default build pulls none of kameo, ractor, redis and the tracing bridge" >&2
if cargo tree -p tracewire -e normal --prefix none \
    | grep -E '^(kameo|ractor|redis|tracing-subscriber|tracing-opentelemetry|opentelemetry-appender-tracing) '; then
    echo "a default build of tracewire depends on an integration's crate" >&2
    exit 1
fi

echo "== a user crate with default-features = false" >&2
# A workspace of its own (see its Cargo.toml), built into a target
# directory of its own: its dependencies have other features than the
# workspace's, and would evict them from target/.
export CARGO_TARGET_DIR="$PWD/target/minimal"
cargo clippy --manifest-path tests/minimal/Cargo.toml --all-targets -- -D warnings
cargo test --manifest-path tests/minimal/Cargo.toml
unset CARGO_TARGET_DIR
