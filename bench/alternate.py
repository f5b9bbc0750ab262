#!/usr/bin/env python3
"""Two rampart binaries on one tree, alternating, and the parse floor beside them.

    python3 bench/alternate.py --runs 12 --base OLD_BINARY --new NEW_BINARY TREE

How the rounds in docs/benchmarks-history.md compare a change with the code before it. On a
machine whose speed moves by 10% between sittings, two binaries timed in separate sets cannot
be compared; timed in turn within one set, they can. Each round runs the base binary's full
scan, the new binary's full scan and the new binary's parse floor (`scan --stop-after parse`),
the first two in turn first (base, new; then new, base; ...). For each it records:

- total: the in-process total `--timings` prints (milliseconds, without the process's start and
  exit, which frees less or more memory depending on the change and hid costs at first);
- peak: the largest resident set (ru_maxrss from os.wait4), MiB.

It prints the medians, each full scan's median over the floor's (the ratio issue 5 holds at
1.5x at most), and the median of the paired differences new - base (one per round, so a drift
of the machine within the set cancels out). One scan before the first round puts the tree in
the page cache. The full scans write JSON to /dev/null, as bench/stages.sh does.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys

TOTAL = re.compile(r"timing: total\s+([\d.]+) ms")


def scan(args: list[str]) -> tuple[float, float]:
    """Runs `args`: its in-process total (ms) and its peak resident set (MiB)."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = process.stderr.read() if process.stderr else ""
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return parse_total(stderr, args), usage.ru_maxrss / 1024


def parse_total(stderr: str, args: list[str]) -> float:
    match = TOTAL.search(stderr)
    if match is None:
        sys.exit(f"no `timing: total` from {' '.join(args)}:\n{stderr}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", help="the tree to scan")
    parser.add_argument("--base", required=True, help="the binary before the change")
    parser.add_argument("--new", required=True, help="the binary with the change")
    parser.add_argument("--runs", type=int, default=12, help="rounds (default 12)")
    parser.add_argument("--no-floor", action="store_true", help="skip the parse floor")
    options = parser.parse_args()

    scan([options.new, "scan", options.tree, "--stop-after", "discover"])
    results: dict[str, list[tuple[float, float]]] = {"base": [], "new": [], "floor": []}
    for round_ in range(options.runs):
        order = ["base", "new"] if round_ % 2 == 0 else ["new", "base"]
        if not options.no_floor:
            order.append("floor")
        for name in order:
            binary = options.base if name == "base" else options.new
            args = (
                [binary, "scan", options.tree, "--stop-after", "parse"]
                if name == "floor"
                else [
                    binary, "scan", options.tree, "--format", "json",
                    "--output", os.devnull, "--timings",
                ]
            )
            results[name].append(scan(args))

    def median(name: str, index: int) -> float:
        return statistics.median(result[index] for result in results[name])

    for name in ("base", "new", "floor"):
        if results[name]:
            peaks = [result[1] for result in results[name]]
            print(
                f"{name:5}  total {median(name, 0):9.1f} ms   peak {median(name, 1):6.1f} MiB"
                f" ({min(peaks):.1f}-{max(peaks):.1f})"
            )
    if results["floor"]:
        floor = median("floor", 0)
        print(f"full / floor: base {median('base', 0) / floor:.3f}, new {median('new', 0) / floor:.3f}")
    paired = [new[0] - base[0] for base, new in zip(results["base"], results["new"])]
    print(f"paired new - base: {statistics.median(paired):+.1f} ms (median of {len(paired)})")


if __name__ == "__main__":
    main()
