#!/usr/bin/env bash
# What a scan holds, stage by stage: builds rampart with the allocator that
# counts the bytes it holds for the program (the `count-allocations` feature,
# in target/count-allocations, beside the usual release build), and prints
# each tree's `scan --timings`, where every stage's line then ends with the
# heap at the end of the stage and at most within it. Resident memory
# (bench/stages.sh, bench/rss_curve.sh) also counts the binary, the threads'
# stacks and the pages the allocator keeps; this is the scan's own.
# docs/benchmarks.md, "Beyond 100,000 files", reads it.
#
#   bash bench/live_heap.sh /tmp/rampart-stages/f100000 /tmp/rampart-stages/f200000
#   RAMPART=path/to/counting/build bash bench/live_heap.sh TREE...
set -euo pipefail
cd "$(dirname "$0")/.."
(( $# > 0 )) || { echo "usage: bench/live_heap.sh TREE..." >&2; exit 2; }
if [[ -z "${RAMPART:-}" ]]; then
  CARGO_TARGET_DIR=target/count-allocations \
    cargo build --release --locked -p rampart --features count-allocations
  RAMPART="$PWD/target/count-allocations/release/rampart"
fi
for tree in "$@"; do
  # The page cache warmed first, as bench/stages.sh does.
  "$RAMPART" scan --stop-after discover "$tree" >/dev/null 2>&1 || true
  echo "$tree"
  "$RAMPART" scan --format json --output /dev/null --timings "$tree" 2>&1 \
    | grep 'timing:' | sed 's/^/  /' || true
done
