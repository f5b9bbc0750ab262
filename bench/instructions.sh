#!/usr/bin/env bash
# The work of the parse floor and of the full scan, counted rather than timed:
# instructions, and the data reads and writes that miss a simulated 1 MiB
# last-level cache, under valgrind's cachegrind, on one worker thread. On
# this shared machine a scan's time moves by more than a change is worth
# (docs/benchmarks.md, thirteenth round); the counts do not move with the
# machine, so what a change does to the work above the floor can be seen.
#
#   bash bench/instructions.sh                       # SIZES=10000
#   RAMPART=target/release/rampart SIZES="1000 10000" bash bench/instructions.sh
#
# Needs valgrind (apt-get install valgrind). A 10,000-file tree takes about
# a minute per mode. The profiles are left in $WORK (cachegrind-SIZE-MODE.out)
# for `cg_annotate --show=Ir,DLmr,DLmw --sort=DLmr FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES="${SIZES:-10000}"
WORK="${WORK:-/tmp/rampart-stages}"
command -v valgrind >/dev/null || { echo "valgrind is required (apt-get install valgrind)"; exit 2; }
if [[ -z "${RAMPART:-}" ]]; then
  cargo build --release --locked -p rampart
  RAMPART="$PWD/target/release/rampart"
fi
mkdir -p "$WORK"

echo "rampart $("$RAMPART" --version), valgrind $(valgrind --version)"
printf '%-7s %-6s %15s %13s %13s\n' size mode instructions d1_misses ll_misses
for copies in $SIZES; do
  tree="$WORK/f$copies"
  [[ -d "$tree" ]] || python3 bench/make_corpus.py --files "$copies" --out "$tree" >/dev/null
  declare -A counts=()
  for mode in parse full; do
    case "$mode" in
      full) args=() ;;
      *) args=(--stop-after "$mode") ;;
    esac
    out="$WORK/cachegrind-$copies-$mode.out"
    log="$WORK/cachegrind-$copies-$mode.log"
    # A profile left by an earlier run must not be read as this one's.
    rm -f "$out"
    # One worker thread: the same binary on the same tree then does the same
    # work in the same order. The 1 MiB last level is this machine's two
    # cores' second-level caches; its 32 MiB third level is shared with
    # whatever else runs on the host.
    status=0
    valgrind --tool=cachegrind --cache-sim=yes --LL=1048576,16,64 \
      --cachegrind-out-file="$out" \
      "$RAMPART" scan --threads 1 --format json --output /dev/null "${args[@]}" "$tree" \
      >/dev/null 2>"$log" || status=$?
    # A scan that reports findings exits 1; anything else is a failure.
    if [[ $status -gt 1 || ! -s "$out" ]]; then
      echo "the $mode run on f$copies failed (exit $status): see $log"
      exit 1
    fi
    # The profile's totals, named by its `events:` line.
    counts[$mode]=$(awk '
      /^events:/ { for (i = 2; i <= NF; i++) name[i] = $i }
      /^summary:/ { for (i = 2; i <= NF; i++) v[name[i]] = $i }
      END { printf "%.0f %.0f %.0f", v["Ir"], v["D1mr"] + v["D1mw"], v["DLmr"] + v["DLmw"] }
    ' "$out")
    printf '%-7s %-6s %15s %13s %13s\n' "$copies" "$mode" ${counts[$mode]}
  done
  read -r floor_ir floor_d1 floor_ll <<<"${counts[parse]}"
  read -r full_ir full_d1 full_ll <<<"${counts[full]}"
  awk -v c="$copies" -v a="$floor_ir" -v b="$full_ir" -v d="$floor_d1" -v e="$full_d1" \
    -v l="$floor_ll" -v m="$full_ll" 'BEGIN {
    printf "f%s full / floor: instructions %.3fx, D1 misses %.2fx, LL misses %.2fx\n",
      c, b / a, e / d, m / l
  }'
done
