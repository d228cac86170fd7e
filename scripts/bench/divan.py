"""Medians from divan's tree output, shared by the scripts that turn the
benchmarks into BENCHMARKS.md's tables (overhead-tables.py, actor-tables.py).
"""

import re
import statistics
import subprocess
import sys
from collections import defaultdict

UNITS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6, "s": 1e9}


def parse(text):
    """{path: median ns per iteration} for every benchmark in divan's tree
    output, the path being the tuple of names from the bench file down."""
    figures = {}
    path = []
    for line in text.splitlines():
        m = re.match(r"^([│ ]*)[├╰]─ (\S+)(.*)$", line)
        if not m:
            continue
        depth = len(m.group(1)) // 3
        path = path[:depth] + [m.group(2)]
        cells = [c.strip() for c in m.group(3).split("│")]
        # Groups have no figures of their own; benchmarks have fastest,
        # slowest, median, ...
        if len(cells) >= 3 and cells[0]:
            value, unit = cells[2].split()
            figures[tuple(path)] = float(value) * UNITS[unit]
    return figures


def medians(bench, divan_args, runs):
    """Runs `cargo bench --bench BENCH` RUNS times and keeps, for every
    benchmark, the median of the runs' medians: on a shared 2-core machine a
    single run's median moves by 10% or more."""
    per_cell = defaultdict(list)
    for run in range(runs):
        print(f"run {run + 1} of {runs}", file=sys.stderr)
        out = subprocess.run(
            ["cargo", "bench", "-q", "-p", "tracewire-benches", "--bench", bench, "--"] + divan_args,
            check=True, capture_output=True, text=True,
        ).stdout
        for path, ns in parse(out).items():
            per_cell[path].append(ns)
    return {path: statistics.median(values) for path, values in per_cell.items()}
