#!/usr/bin/env bash
# Holds CLIENTS joined WebSocket connections against the `chat` example's
# server (release build), sends heartbeats, broadcasts to everyone, and
# prints RSS per connection, fan-out latency, deliveries per second and CPU
# seconds (benches/src/bin/connections.rs). Not run in CI.
#
#   bash scripts/bench/connections.sh [CLIENTS]      # default 50000
#
# Environment:
#   PER_PROCESS   most connections one server process holds (default: the
#                 file limit less a margin). A process may only open
#                 `ulimit -n` files; where the hard limit can't be raised
#                 (no CAP_SYS_RESOURCE), the server runs as several
#                 processes, each with its share of the clients, and the
#                 figures are their sums.
#   BROADCASTS    broadcasts sent one at a time, for latency (default 20)
#   BURST         broadcasts sent back to back, for throughput (default 10)
#   TRACEWIRE_TERMINAL, OTEL_*   passed to the server (the terminal trace
#                 printer is on by default; its output goes to a log file)
#   LOGS          where the servers' stdout and stderr go (default target/connections)
#   CHAT          a chat example binary to run instead of building this tree's
#                 (to measure another version: build it, copy it, point here)
set -euo pipefail
cd "$(dirname "$0")/../.."

clients=${1:-50000}
target=${CARGO_TARGET_DIR:-target}
logs=${LOGS:-$target/connections}
mkdir -p "$logs"

# As many files as this shell may have: the hard limit, or more where
# raising it is allowed.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
limit=$(ulimit -n)
per_process=${PER_PROCESS:-$((limit - 500))}
servers=$(( (clients + per_process - 1) / per_process ))
workers=$(( (clients + per_process - 1) / per_process ))
echo "connections: file limit $limit, $clients clients: $servers server process(es), $workers generator worker(s)" >&2

if [ -z "${CHAT:-}" ]; then
  cargo build --release --quiet -p tracewire-workspace --example chat
fi
chat=${CHAT:-$target/release/examples/chat}
cargo build --release --quiet -p tracewire-benches --bin connections

pids=()
urls=()
cleanup() {
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
for ((i = 0; i < servers; i++)); do
  port=$((4100 + i))
  "$chat" --serve "127.0.0.1:$port" \
    >"$logs/server-$i.out" 2>"$logs/server-$i.err" &
  pids+=("$!")
  urls+=("ws://127.0.0.1:$port/socket/websocket")
  for _ in $(seq 100); do
    grep -q "serving" "$logs/server-$i.out" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "serving" "$logs/server-$i.out" || { echo "server $i did not start" >&2; exit 1; }
done

IFS=,
"$target/release/connections" run --urls "${urls[*]}" --server-pids "${pids[*]}" \
  --clients "$clients" --workers "$workers" \
  --broadcasts "${BROADCASTS:-20}" --burst "${BURST:-10}"
unset IFS

# Ctrl-C: the servers close every connection and flush their telemetry.
trap - EXIT
for pid in "${pids[@]}"; do kill -INT "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || true; done
for ((i = 0; i < servers; i++)); do
  bytes=$(wc -c <"$logs/server-$i.err")
  echo "server $i: $bytes bytes on stderr (the terminal exporter); its last lines:" >&2
  tail -n 3 "$logs/server-$i.err" >&2
done
