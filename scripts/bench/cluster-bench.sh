#!/usr/bin/env bash
# Cross-node against single-node delivery through the Redis adapter:
# deliveries per second and the latency the Redis hop adds, CLIENTS joined
# WebSocket clients per node (benches/src/bin/cluster.rs). Starts a
# redis-server of its own on a free loopback port (persistence off, in a
# temporary directory) and kills it at the end. Not run in CI.
#
#   bash scripts/bench/cluster-bench.sh [CLIENTS]     # default 500
#
# Environment: ROUNDS (broadcasts one at a time, default 200), BURST
# (broadcasts back to back, default 1000).
set -euo pipefail
cd "$(dirname "$0")/../.."

clients=${1:-500}
bash scripts/install/redis.sh >&2
command -v redis-server >/dev/null || { echo "cluster-bench: no redis-server" >&2; exit 1; }
# Two nodes' clients and server sockets in one process.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cargo build --release --quiet -p tracewire-benches --bin cluster
target=${CARGO_TARGET_DIR:-target}

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
redis_pid=$!
cleanup() {
  kill -9 "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 100); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

"$target/release/cluster" --redis "redis://127.0.0.1:$port" --clients "$clients" \
  --rounds "${ROUNDS:-200}" --burst "${BURST:-1000}"
