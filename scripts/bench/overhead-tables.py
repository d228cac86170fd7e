#!/usr/bin/env python3
"""Tables for BENCHMARKS.md from the overhead benchmark.

    python3 scripts/bench/overhead-tables.py time [RUNS]   # runs the divan benchmark RUNS times (default 5)
    python3 scripts/bench/overhead-tables.py instructions  # reads target/callgrind.tsv (scripts/bench/callgrind.sh)

`time` runs `cargo bench -p tracewire-benches --bench overhead` RUNS times
and keeps, for every benchmark, the median of the runs' medians: on a
shared 2-core machine a single run's median moves by 10% or more when the
export thread and the benchmark compete for a core. `instructions` formats
the instruction counts scripts/bench/callgrind.sh wrote.

Both print one markdown table per scenario (the figure for each variant,
sampled and unsampled, and its ratio to tracewire), then the
performance targets, each with its figures and whether it is met.
"""

import sys

import divan

VARIANTS = ["untraced", "otel_bare", "handwritten", "tracewire", "tracewire_sdk", "tracing", "fastrace"]
SCENARIOS = [
    "sync_root_0", "sync_root_4", "sync_child_0", "sync_child_4",
    "async_root_0", "async_root_4", "async_child_0", "async_child_4",
    "spawn_inherit", "spawn_child",
]
TYPE_NAMES = {"Untraced": "untraced", "OtelBare": "otel_bare", "Handwritten": "handwritten",
              "Tracewire": "tracewire", "TracewireSdk": "tracewire_sdk", "Tracing": "tracing",
              "Fastrace": "fastrace"}
DIVAN_ARGS = ["--sample-count", "500", "--sample-size", "1000"]


def measure_time(runs):
    """{(scenario, variant, sampling): median ns}."""
    figures = {}
    for path, ns in divan.medians("overhead", DIVAN_ARGS, runs).items():
        # Benchmarks sit at scenario / variant type / sampling.
        if len(path) == 3:
            scenario, type_name, sampling = path
            figures[(scenario, TYPE_NAMES[type_name], sampling)] = ns
    return figures


def read_instructions(path="target/callgrind.tsv"):
    figures = {}
    with open(path) as f:
        next(f)
        for line in f:
            scenario, variant, sampling, value = line.split()
            if value != "n/a":
                figures[(scenario, variant, sampling)] = float(value)
    return figures


def fmt(value, unit):
    if value is None:
        return "—"
    if unit == "ns":
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return f"{value:.0f}"


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}x"


def tables(figures, unit):
    get = lambda s, v, p: figures.get((s, v, p))
    for scenario in SCENARIOS:
        rows = [v for v in VARIANTS if get(scenario, v, "sampled") is not None]
        if not rows:
            continue
        print(f"\n#### {scenario} ({unit} per call)\n")
        print(f"| variant | sampled | vs tracewire | unsampled | vs tracewire |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for v in rows:
            s, u = get(scenario, v, "sampled"), get(scenario, v, "unsampled")
            ts, tu = get(scenario, "tracewire", "sampled"), get(scenario, "tracewire", "unsampled")
            print(f"| {v} | {fmt(s, unit)} | {ratio(s, ts)} | {fmt(u, unit)} | {ratio(u, tu)} |")


def targets(figures, unit):
    get = lambda s, v, p: figures.get((s, v, p))
    print(f"\n#### Targets ({unit})\n")
    print("| scenario | tracewire / handwritten, sampled | unsampled "
          "| tracing / tracewire, sampled | unsampled "
          "| unsampled overhead, tracewire / bare SDK span |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    mark = lambda ok: "" if ok else " ✗"
    for scenario in SCENARIOS:
        if scenario.startswith("spawn_"):
            continue
        tw = {p: get(scenario, "tracewire", p) for p in ("sampled", "unsampled")}
        hw = {p: get(scenario, "handwritten", p) for p in ("sampled", "unsampled")}
        tr = {p: get(scenario, "tracing", p) for p in ("sampled", "unsampled")}
        cells = []
        for p in ("sampled", "unsampled"):
            # Met when equal to two decimals: the difference is then noise.
            cells.append(f"{tw[p] / hw[p]:.2f}{mark(round(tw[p] / hw[p], 2) <= 1)}" if tw[p] and hw[p] else "—")
        for p in ("sampled", "unsampled"):
            cells.append(f"{tr[p] / tw[p]:.2f}{mark(tr[p] >= 3 * tw[p])}" if tw[p] and tr[p] else "—")
        base = get(scenario, "untraced", "unsampled")
        bare = get(scenario, "otel_bare", "unsampled")
        if base is not None and bare is not None and tw["unsampled"]:
            over = (tw["unsampled"] - base) / (bare - base)
            cells.append(f"{over:.2f}{mark(over <= 2)}")
        else:
            cells.append("—")
        print(f"| {scenario} | " + " | ".join(cells) + " |")
    print("\nTargets: tracewire / handwritten ≤ 1.00, tracing / tracewire ≥ 3, "
          "overhead ratio ≤ 2; ✗ marks a miss.")
    print(f"\n#### Spawning, over a bare `tokio::spawn` ({unit})\n")
    print("| scenario | sampling | handwritten | tracewire | tracing | fastrace |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for scenario in ("spawn_inherit", "spawn_child"):
        for p in ("sampled", "unsampled"):
            base = get(scenario, "untraced", p)
            if base is None:
                continue
            cells = []
            for v in ("handwritten", "tracewire", "tracing", "fastrace"):
                x = get(scenario, v, p)
                cells.append("—" if x is None else f"{x - base:+.0f}")
            print(f"| {scenario} | {p} | " + " | ".join(cells) + " |")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "time"
    if mode == "time":
        runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
        figures, unit = measure_time(runs), "ns"
    elif mode == "instructions":
        figures, unit = read_instructions(*sys.argv[2:3]), "instructions"
    else:
        sys.exit(__doc__)
    tables(figures, unit)
    targets(figures, unit)


if __name__ == "__main__":
    main()
