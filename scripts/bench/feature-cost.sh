#!/usr/bin/env bash
# What each tracewire feature costs a user: for a minimal crate that
# depends on tracewire with one feature set, the number of distinct crates
# in its normal dependency tree (`cargo tree -e normal`, the crate itself
# and tracewire included) and the time of a clean debug build.
#
#   bash scripts/bench/feature-cost.sh            # every feature set below
#   bash scripts/bench/feature-cost.sh channel    # one feature set
#
# Each build uses a fresh target directory under $TMPDIR, so nothing is
# shared with target/; the registry cache is, so nothing is downloaded twice.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(none actor channel otlp terminal testing default full)

printf '%-10s %8s %10s\n' features crates "build (s)"
for set in "${sets[@]}"; do
    case "$set" in
        none) dep="tracewire = { path = \"$repo/runtime\", default-features = false }" ;;
        default) dep="tracewire = { path = \"$repo/runtime\" }" ;;
        *) dep="tracewire = { path = \"$repo/runtime\", default-features = false, features = [\"$set\"] }" ;;
    esac
    dir="$work/user-$set"
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "user-$set"
version = "0.1.0"
edition = "2024"

[dependencies]
$dep

[workspace]
TOML
    cat > "$dir/src/main.rs" <<'RS'
#[tracewire::traced]
fn handler(id: u64) -> u64 {
    id
}

fn main() {
    println!("{}", handler(1));
}
RS
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    crates=$(cd "$dir" && cargo tree -e normal --prefix none 2>/dev/null | sed 's/ (\*)//' | sort -u | wc -l)
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" CARGO_INCREMENTAL=0 cargo build -q 2>/dev/null)
    end=$(date +%s.%N)
    printf '%-10s %8d %10.1f\n' "$set" "$crates" "$(echo "$end - $start" | bc)"
done
