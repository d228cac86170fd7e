#!/usr/bin/env python3
"""Tables for BENCHMARKS.md from the actor benchmark.

    python3 scripts/bench/actor-tables.py [RUNS]   # runs the divan benchmark RUNS times (default 3)

Runs `cargo bench -p tracewire-benches --bench actor` RUNS times and keeps,
for every benchmark, the median of the runs' medians (a single run's
median moves by 10% or more on a shared 2-core machine). Prints the call
round trip (ns per call) and the cast throughput (M casts/s) of every
variant with its ratio to tracewire's untraced runtime, then the
performance targets with their figures.
"""

import sys

import divan

CALLS = 100
CASTS = 1000
DIVAN_ARGS = ["--sample-count", "100"]
ORDER = ["bare", "bare_timeout", "kameo", "ractor", "tracewire_untraced",
         "tracewire_untraced_pipeline", "tracewire_unsampled", "tracewire_sampled"]


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    f = {"::".join(path): ns for path, ns in divan.medians("actor", DIVAN_ARGS, runs).items()}
    call = {v: f[f"call::{v}"] / CALLS for v in ORDER if f"call::{v}" in f}
    cast = {v: f[f"cast::{v}"] / CASTS for v in ORDER if f"cast::{v}" in f}
    in_request = {v: f[f"cast::in_request::{v}"] / CASTS for v in ORDER
                  if f"cast::in_request::{v}" in f}

    print(f"Medians of {runs} runs.\n")
    print("| variant | call round trip | ÷ tracewire untraced | casts, M/s | × tracewire untraced |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base_call, base_cast = call["tracewire_untraced"], cast["tracewire_untraced"]
    for v in ORDER:
        if v in call and v in cast:
            print(f"| `{v}` | {call[v]:,.0f} ns | {call[v] / base_call:.2f}× "
                  f"| {1e3 / cast[v]:.2f} | {base_cast / cast[v]:.2f}× |")
    print("\nCasts sent from inside one request span (`cast::in_request`):\n")
    print("| variant | casts, M/s | × `in_request::tracewire_untraced_pipeline` | × `tracewire_untraced` |")
    print("| --- | ---: | ---: | ---: |")
    base_in = in_request["tracewire_untraced_pipeline"]
    for v, ns in in_request.items():
        print(f"| `{v}` | {1e3 / ns:.2f} | {base_in / ns:.2f}× | {base_cast / ns:.2f}× |")

    print("\nTargets:\n")
    for label, base, table in [("from a task with no span", cast["tracewire_untraced_pipeline"], cast),
                               ("inside a request span", base_in, in_request)]:
        for sampling, target in [("unsampled", 0.6), ("sampled", 0.3)]:
            ratio = base / table[f"tracewire_{sampling}"]
            verdict = "met" if ratio >= target else "missed"
            print(f"- casts {label}, traced {sampling} / untraced: {ratio:.2f}× (≥ {target}×: {verdict})")
    for peer in ["kameo", "ractor"]:
        c = call[peer] / call["tracewire_untraced"]
        t = cast[peer] / cast["tracewire_untraced"]
        verdict = "met" if c >= 1 and t >= 1 else "missed"
        print(f"- tracewire untraced vs {peer}: calls {c:.2f}× faster, casts {t:.2f}× faster ({verdict})")


if __name__ == "__main__":
    main()
