#!/usr/bin/env bash
# Stages and growth: wall time, CPU time and peak memory of `rampart scan`
# stopped after parse, after model, and run in full, on trees of about 1,000,
# 10,000 and 100,000 files (trees from bench/make_corpus.py). docs/benchmarks.md,
# "Stages and growth", explains it.
#
#   bash bench/stages.sh                        # SIZES="1000 10000 100000" RUNS=3
#   RAMPART=target/release/rampart SIZES=1000 RUNS=1 bash bench/stages.sh
#
# Prints one line per run: requested size, files scanned, mode, wall s, user s,
# sys s, peak RSS KiB, then the per-stage timings of the last full run of each size.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES="${SIZES:-1000 10000 100000}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/rampart-stages}"
source bench/lib.sh
RAMPART="$(release_binary)"
require_gnu_time

echo "rampart $("$RAMPART" --version), $(nproc) cores"
printf '%-7s %-7s %-6s %8s %8s %8s %10s\n' size files mode wall_s user_s sys_s peak_kib
for copies in $SIZES; do
  tree="$WORK/f$copies"
  [[ -d "$tree" ]] || python3 bench/make_corpus.py --files "$copies" --out "$tree" >/dev/null
  files=$("$RAMPART" scan --stop-after discover "$tree" 2>&1 | sed -n 's/.*(\([0-9]*\) files.*/\1/p')
  # Warm the page cache before every run: every mode then reads the tree
  # from memory. On the 2-core machine this runs on, the kernel gives back
  # part of a 100,000-file tree's cache within a minute, and a scan that
  # reads from the disk spends seconds more in `discover`, in whichever
  # mode it falls on (docs/benchmarks.md, sixteenth round).
  warm() { "$RAMPART" scan --stop-after discover "$tree" >/dev/null 2>&1; }
  floor_ms=()
  full_ms=()
  for run in $(seq "$RUNS"); do
    for mode in parse model full; do
      case "$mode" in
        full) args=(--timings) ;;
        *) args=(--stop-after "$mode") ;;
      esac
      warm
      /usr/bin/time -o "$WORK/time" -f '%e %U %S %M' \
        "$RAMPART" scan --format json --output /dev/null "${args[@]}" "$tree" \
        2>"$WORK/stderr-$copies-$mode" || true
      # GNU time writes "Command exited with non-zero status 1" first when
      # there are findings; the figures are on the last line.
      read -r wall user sys rss < <(tail -n 1 "$WORK/time")
      printf '%-7s %-7s %-6s %8s %8s %8s %10s\n' "$copies" "$files" "$mode" "$wall" "$user" "$sys" "$rss"
      # The in-process total (`--timings`, to the microsecond, without the
      # process's start and exit) of the floor and of the full scan.
      total=$(sed -n 's/.*timing: total *\([0-9.]*\) ms.*/\1/p' "$WORK/stderr-$copies-$mode")
      case "$mode" in
        parse) floor_ms+=("$total") ;;
        full) full_ms+=("$total") ;;
      esac
    done
  done
  grep 'timing:' "$WORK/stderr-$copies-full" | sed "s/^/  f$copies /"
  floor=$(median "${floor_ms[@]}")
  full=$(median "${full_ms[@]}")
  awk -v c="$copies" -v a="${floor:-0}" -v b="${full:-0}" -v w="$WORK" 'BEGIN {
    if (a > 0) printf "  f%s in-process medians: floor %.1f ms, full %.1f ms, full / floor %.2f\n", c, a, b, b / a
    else printf "  f%s in-process medians: no timings were printed (see %s/stderr-%s-*)\n", c, w, c
  }'
done
