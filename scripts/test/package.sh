#!/usr/bin/env bash
# The two published crates as a new user gets them:
#
# 1. `cargo package` for tracewire-macros and tracewire (the crates.io
#    archives, with their README and licence files);
# 2. a user crate built on the unpacked archives, with no lockfile, so every
#    dependency is resolved afresh to the newest versions the manifests
#    allow (the workspace's Cargo.lock can hide a deprecation or a break in
#    a newer release), every feature on, warnings denied;
# 3. the API documentation as docs.rs builds it (every feature, `--cfg
#    docsrs`), warnings denied.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=target/package-check
rm -rf "$work/src" "$work/user"
mkdir -p "$work/src" "$work/user/src"

echo "== cargo package: tracewire-macros, tracewire" >&2
# --no-verify: step 2 builds the packaged sources, resolved afresh, which is
# what a user gets; cargo's own verification would build them a second time
# against the workspace's lockfile. --allow-dirty: the check is of the files
# as they are, committed or not.
cargo package -p tracewire-macros -p tracewire --no-verify --allow-dirty
for crate in tracewire-macros tracewire; do
    tar -xzf "target/package/$crate-0.1.0.crate" -C "$work/src"
done

echo "== the packaged crates in a user crate, resolved afresh" >&2
cat >"$work/user/Cargo.toml" <<TOML
[package]
name = "tracewire-fresh-user"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
tracewire = { path = "../src/tracewire-0.1.0", features = ["full", "kameo", "ractor", "redis"] }

# The packaged tracewire names tracewire-macros by version, as on crates.io.
[patch.crates-io]
tracewire-macros = { path = "../src/tracewire-macros-0.1.0" }

[workspace]
TOML
echo 'pub use tracewire;' >"$work/user/src/lib.rs"
(
    cd "$work/user"
    rm -f Cargo.lock
    cargo generate-lockfile
    # Path dependencies are linted like the user's own code: a warning in
    # the packaged sources fails the build.
    RUSTFLAGS="-D warnings" cargo build --target-dir "$root/$work/target"
)

echo "== cargo doc as docs.rs builds it" >&2
# docs.rs builds with a nightly rustdoc (`#![feature(doc_cfg)]` under
# `--cfg docsrs`); only the stable toolchain is installed, so rustdoc alone
# is told to accept the feature (scripts/test/rustdoc-nightly-features.sh).
RUSTDOC="$root/scripts/test/rustdoc-nightly-features.sh" \
    RUSTDOCFLAGS="--cfg docsrs -D warnings" \
    cargo doc -p tracewire -p tracewire-macros --all-features --no-deps \
    --target-dir "$work/doc"
