#!/usr/bin/env python3
"""Tables for BENCHMARKS.md from the actor benchmark.

    python3 scripts/actor-tables.py [RUNS]   # runs the divan benchmark RUNS times (default 3)

Runs `cargo bench -p tracewire-benches --bench actor` RUNS times and keeps,
for every benchmark, the median of the runs' medians (a single run's
median moves by 10% or more on a shared 2-core machine). Prints the call
round trip (ns per call) and the cast throughput (M casts/s) of every
variant with its ratio to tracewire's untraced runtime, then the issue's
targets with their figures.
"""

import re
import statistics
import subprocess
import sys
from collections import defaultdict

UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}
CALLS = 100
CASTS = 1000
DIVAN_ARGS = ["--sample-count", "100"]
ORDER = ["bare", "bare_timeout", "kameo", "ractor", "tracewire_untraced",
         "tracewire_untraced_pipeline", "tracewire_unsampled", "tracewire_sampled"]


def parse_divan(text):
    """{path: median ns per iteration} from divan's tree output."""
    figures = {}
    path = []
    for line in text.splitlines():
        m = re.match(r"^([│ ]*)[├╰]─ (\S+)(.*)$", line)
        if not m:
            continue
        depth = len(m.group(1)) // 3
        path = path[:depth] + [m.group(2)]
        cells = [c.strip() for c in m.group(3).split("│")]
        if len(cells) >= 3 and cells[0]:
            value, unit = cells[2].split()
            figures["::".join(path)] = float(value) * UNITS[unit]
    return figures


def measure(runs):
    per_cell = defaultdict(list)
    for run in range(runs):
        print(f"run {run + 1} of {runs}", file=sys.stderr)
        out = subprocess.run(
            ["cargo", "bench", "-q", "-p", "tracewire-benches", "--bench", "actor", "--"] + DIVAN_ARGS,
            check=True, capture_output=True, text=True,
        ).stdout
        for cell, ns in parse_divan(out).items():
            per_cell[cell].append(ns)
    return {cell: statistics.median(v) for cell, v in per_cell.items()}


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    f = measure(runs)
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
