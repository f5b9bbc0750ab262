#!/usr/bin/env bash
# Peak memory over time: samples the resident set of one full `rampart scan`
# every 10 ms and prints "milliseconds since start, RSS MiB", then the scan's
# own stage timings (`--timings`). Shows in which stage the peak is reached;
# docs/benchmarks.md, "Where the memory goes", reads it.
#
#   bash bench/rss_curve.sh /tmp/rampart-stages/f100000
#   RAMPART=target/release/rampart bash bench/rss_curve.sh TREE
set -euo pipefail
tree="${1:?usage: rss_curve.sh TREE}"
RAMPART="${RAMPART:-$(dirname "$0")/../target/release/rampart}"
timings="$(mktemp)"
trap 'rm -f "$timings"' EXIT
"$RAMPART" scan --format json --output /dev/null --timings "$tree" 2>"$timings" &
pid=$!
start=$(date +%s%N)
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [[ -n "$rss" ]] && echo "$(( ($(date +%s%N) - start) / 1000000 )) $(( rss / 1024 ))"
  sleep 0.01
done
wait "$pid" || true
grep 'timing:' "$timings"
