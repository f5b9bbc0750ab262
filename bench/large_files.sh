#!/usr/bin/env bash
# Single large inputs: rampart on one file of each kind (Terraform, a plan's
# JSON, a multi-document Kubernetes file, a CloudFormation template) with
# about N resources or objects (bench/make_large_files.py), for each N in
# SIZES: wall time, peak memory, the file's size and the findings, the
# medians of RUNS runs. Time and memory should grow with the file, no faster.
# docs/benchmarks.md, "Large single files", reads it.
#
#   bash bench/large_files.sh                       # SIZES="1000 4000 16000" RUNS=3
#   RAMPART=target/release/rampart SIZES=16000 RUNS=1 bash bench/large_files.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES="${SIZES:-1000 4000 16000}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/rampart-large}"
source bench/lib.sh
RAMPART="$(release_binary)"
require_gnu_time

echo "rampart $("$RAMPART" --version), $(nproc) cores"
printf '%-15s %9s %10s %9s %12s %9s\n' kind resources file_kib wall_s peak_kib findings
for size in $SIZES; do
  tree="$WORK/r$size"
  [[ -d "$tree" ]] || python3 bench/make_large_files.py --resources "$size" --out "$tree"
  for kind in terraform plan kubernetes cloudformation; do
    bytes=$(du -k "$tree/$kind" | cut -f1)
    # A file larger than `--max-file-size` (16 MiB by default) is reported
    # and skipped, not scanned.
    if (( bytes > 16384 )); then
      printf '%-15s %9s %10s %s\n' "$kind" "$size" "$bytes" "larger than --max-file-size: not scanned"
      continue
    fi
    walls=()
    peaks=()
    for _ in $(seq "$RUNS"); do
      /usr/bin/time -o "$WORK/time" -f '%e %M' \
        "$RAMPART" scan --format json --output "$WORK/out.json" "$tree/$kind" 2>/dev/null || true
      read -r wall peak < <(tail -n 1 "$WORK/time")
      walls+=("$wall")
      peaks+=("$peak")
    done
    findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$WORK/out.json")
    printf '%-15s %9s %10s %9s %12s %9s\n' "$kind" "$size" "$bytes" "$(median "${walls[@]}")" "$(median "${peaks[@]}")" "$findings"
  done
done
