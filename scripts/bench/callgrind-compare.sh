#!/usr/bin/env bash
# Two builds of the callgrind harness side by side, in one run and one
# fixed environment, for a before/after table of a change:
#
#   bash scripts/bench/callgrind-compare.sh OLD_BIN NEW_BIN > compare.tsv
#   VARIANTS="tracewire tracewire_sdk" bash scripts/bench/callgrind-compare.sh OLD NEW
#
# OLD_BIN and NEW_BIN are `target/release/deps/callgrind-*` of each build
# (scripts/bench/callgrind.sh builds one). Each figure is the median of 3
# runs. The environment is reset (`env -i`) for every run: its size moves
# the stack, which moves sampled counts by a few percent between
# otherwise equal runs, so figures from two shells are not comparable.
# Prints scenario, variant, sampling, old and new instructions per call.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
CALLS=${CALLS:-2048}
count() { # binary scenario variant sampling
    local runs=() c i
    for i in 1 2 3; do
        c=$(env -i PATH=/usr/bin:/bin HOME="$HOME" valgrind --tool=callgrind \
            --toggle-collect='*callgrind_measured*' --callgrind-out-file=/dev/null \
            "$1" "$2" "$3" "$4" "$CALLS" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
        [ -n "$c" ] || { echo n/a; return; }
        runs+=($(((c + CALLS / 2) / CALLS)))
    done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}
printf 'scenario\tvariant\tsampling\told\tnew\n'
for scenario in sync_root_0 sync_root_4 sync_child_0 sync_child_4 async_root_0 async_root_4 \
    async_child_0 async_child_4 spawn_inherit spawn_child; do
    for variant in ${VARIANTS:-untraced tracewire tracewire_sdk}; do
        for sampling in sampled unsampled; do
            printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$variant" "$sampling" \
                "$(count "$1" "$scenario" "$variant" "$sampling")" \
                "$(count "$2" "$scenario" "$variant" "$sampling")"
        done
    done
done
