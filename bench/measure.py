#!/usr/bin/env python3
"""Runs one command and prints its cost as one JSON object.

    python3 bench/measure.py --stdout FILE --stderr FILE -- COMMAND [ARGS...]

- wall: seconds from the fork to the exit, by a monotonic clock (microsecond resolution, where
  GNU time's %e has 10 ms);
- user, sys: CPU seconds of the command and of every process it waited for (os.wait4);
- rss_kb: the peak resident set of the largest single process of the command (ru_maxrss, what
  GNU time's %M reports);
- pss_tree_kb: the peak, over samples every 50 ms, of the proportional set size summed over the
  command and all its descendants (/proc/PID/smaps_rollup). For a tool that forks worker
  processes, as Checkov does, this is the memory the machine must have; rss_kb is only its
  largest process. A run shorter than one sampling period may have no sample (0).

Python's own start-up is not counted: the clock starts at the fork. The exit code is recorded,
not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time


def children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_kb(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += pss_kb(pid)
        stack.extend(children(pid))
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stdout", required=True)
    parser.add_argument("--stderr", required=True)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        sys.exit("no command")

    with open(args.stdout, "wb") as out, open(args.stderr, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(args.interval):
                peak[0] = max(peak[0], tree_pss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen quiet
    print(json.dumps({
        "wall": round(wall, 6),
        "user": round(usage.ru_utime, 6),
        "sys": round(usage.ru_stime, 6),
        "rss_kb": usage.ru_maxrss,
        "pss_tree_kb": peak[0],
        "exit": proc.returncode,
    }))


if __name__ == "__main__":
    main()
