#!/usr/bin/env bash
# What a scan holds, stage by stage: builds rampart with the allocator that
# counts the bytes it holds for the program (the `count-allocations` feature,
# in target/count-allocations, beside the usual release build), and prints
# each tree's `scan --timings`, where every stage's line then ends with the
# heap at the end of the stage and at most within it. Resident memory
# (bench/stages.sh, bench/rss_curve.sh) also counts the binary, the threads'
# stacks and the pages the allocator keeps; this is the scan's own. The
# counting slows allocation: this build's times are not the scan's.
# docs/benchmarks.md, "Beyond 100,000 files", reads it.
#
#   bash bench/live_heap.sh /tmp/rampart-stages/f100000 /tmp/rampart-stages/f200000
#   RAMPART=path/to/counting/build bash bench/live_heap.sh TREE...
set -euo pipefail
(( $# > 0 )) || { echo "usage: bench/live_heap.sh TREE..." >&2; exit 2; }
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [[ -z "${RAMPART:-}" ]]; then
  CARGO_TARGET_DIR="$repo/target/count-allocations" \
    cargo build --release --locked -p rampart --features count-allocations \
    --manifest-path "$repo/Cargo.toml"
  RAMPART="$repo/target/count-allocations/release/rampart"
fi
stderr="$(mktemp)"
trap 'rm -f "$stderr"' EXIT
for tree in "$@"; do
  # The page cache warmed first, as bench/stages.sh does.
  "$RAMPART" scan --stop-after discover "$tree" >/dev/null 2>&1 || true
  status=0
  "$RAMPART" scan --format json --output /dev/null --timings "$tree" 2>"$stderr" || status=$?
  # 1: findings, which the trees have.
  if (( status > 1 )); then
    echo "rampart exited with $status on $tree:" >&2
    cat "$stderr" >&2
    exit 1
  fi
  if ! grep -q 'timing:.* heap ' "$stderr"; then
    echo "$RAMPART does not count allocations (build it with --features count-allocations)" >&2
    exit 1
  fi
  echo "$tree"
  grep 'timing:' "$stderr" | sed 's/^/  /'
done
