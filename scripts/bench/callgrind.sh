#!/usr/bin/env bash
# Instructions per handler call for every variant of the overhead benchmark,
# counted by callgrind: repeatable where timings on a shared machine are not.
#
#   bash scripts/bench/callgrind.sh                      # every scenario
#   bash scripts/bench/callgrind.sh sync_root_4 spawn_child   # only these
#   CALLS=4096 bash scripts/bench/callgrind.sh           # calls counted per run (default 2048)
#   RUNS=5 bash scripts/bench/callgrind.sh               # runs per figure, median (default 3)
#   VARIANTS="tracewire tracewire_sdk" bash scripts/bench/callgrind.sh   # only these variants
#
# Each run of benches/benches/callgrind.rs warms up, then makes CALLS calls
# inside `callgrind_measured`, the only function callgrind collects in
# (--toggle-collect), so start-up, warm-up and the export threads are not
# counted. Unsampled figures repeat exactly. Sampled ones move by up to a
# few percent between runs: the batch processor's thread frees what the
# benchmark thread allocated, and when it runs changes which path the
# allocator takes; hence the median of RUNS runs. Prints one markdown table
# per scenario, and writes every figure to target/callgrind.tsv.
set -euo pipefail
cd "$(dirname "$0")/../.."

CALLS=${CALLS:-2048}
RUNS=${RUNS:-3}
SCENARIOS=(sync_root_0 sync_root_4 sync_child_0 sync_child_4
    async_root_0 async_root_4 async_child_0 async_child_4
    spawn_inherit spawn_child)
read -r -a VARIANTS <<<"${VARIANTS:-untraced otel_bare handwritten tracewire tracewire_sdk tracing fastrace}"
[ $# -gt 0 ] && SCENARIOS=("$@")

if ! command -v valgrind >/dev/null; then
    echo "valgrind is not installed (apt-get install valgrind)" >&2
    exit 1
fi

bin=$(cargo bench -p tracewire-benches --bench callgrind --no-run --message-format=json \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | grep '/callgrind-' | tail -n 1)
[ -x "$bin" ] || { echo "could not build the callgrind harness" >&2; exit 1; }

# Instructions per call in one run, or n/a for a variant without the scenario.
count_once() {
    local out collected
    out=$(valgrind --tool=callgrind --toggle-collect='*callgrind_measured*' \
        --callgrind-out-file=/dev/null "$bin" "$1" "$2" "$3" "$CALLS" 2>&1)
    if grep -q '^n/a$' <<<"$out"; then
        echo n/a
        return
    fi
    collected=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$out")
    [ -n "$collected" ] || { echo "callgrind failed: $out" >&2; exit 1; }
    echo $(((collected + CALLS / 2) / CALLS))
}

# The median of RUNS runs.
count() {
    local runs=() r first
    first=$(count_once "$@")
    [ "$first" = n/a ] && { echo n/a; return; }
    runs+=("$first")
    for ((r = 1; r < RUNS; r++)); do runs+=("$(count_once "$@")"); done
    printf '%s\n' "${runs[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

ratio() { # value reference
    if [ "$1" = n/a ] || [ "$2" = n/a ] || [ -z "$2" ]; then echo -; else awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; fi
}

mkdir -p target
tsv=target/callgrind.tsv
printf 'scenario\tvariant\tsampling\tinstructions_per_call\n' >"$tsv"
echo "instructions per call (callgrind, $CALLS calls per run, median of $RUNS runs)"
for scenario in "${SCENARIOS[@]}"; do
    declare -A ir=()
    for variant in "${VARIANTS[@]}"; do
        for sampling in sampled unsampled; do
            ir[$variant.$sampling]=$(count "$scenario" "$variant" "$sampling")
            printf '%s\t%s\t%s\t%s\n' "$scenario" "$variant" "$sampling" "${ir[$variant.$sampling]}" >>"$tsv"
        done
    done
    echo
    echo "### $scenario"
    echo
    echo "| variant | sampled | vs tracewire | unsampled | vs tracewire |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for variant in "${VARIANTS[@]}"; do
        s=${ir[$variant.sampled]}
        u=${ir[$variant.unsampled]}
        [ "$s" = n/a ] && [ "$u" = n/a ] && continue
        echo "| $variant | $s | $(ratio "$s" "${ir[tracewire.sampled]:-}") | $u | $(ratio "$u" "${ir[tracewire.unsampled]:-}") |"
    done
    unset ir
done
