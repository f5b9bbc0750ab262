#!/usr/bin/env python3
"""Writes the description of a bench/compare.sh run: machine, versions, settings, planted kinds."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_corpus  # noqa: E402


def first(path: str, prefix: str, sep: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(sep, 1)[1].strip().strip('"')
    except OSError:
        pass
    return ""


def main() -> None:
    p = argparse.ArgumentParser()
    for name in ("out", "date", "commit", "runs", "seed", "rampart", "checkov", "with-100k"):
        p.add_argument(f"--{name}", required=True)
    a = p.parse_args()
    mem_kb = int(first("/proc/meminfo", "MemTotal:", ":").split()[0] or 0)
    meta = {
        "date": a.date,
        "commit": a.commit,
        "runs": int(a.runs),
        "seed": int(a.seed),
        "rampart_version": a.rampart.split()[-1],
        "checkov_version": a.checkov.strip(),
        "nproc": len(os.sched_getaffinity(0)),
        "memory": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "cpu": first("/proc/cpuinfo", "model name", ":"),
        "os": first("/etc/os-release", "PRETTY_NAME=", "=") or platform.system(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "rampart_alone_at_100k": a.with_100k == "1",
        "kinds": {k: {"category": v[0], "rampart": v[1], "checkov": v[2], "evaluated": v[3]}
                  for k, v in make_corpus.KINDS.items()},
    }
    Path(a.out).write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
