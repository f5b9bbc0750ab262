#!/usr/bin/env bash
# rampart against Checkov on the same trees, in the same run, alternating.
#
#   bash bench/compare.sh                 # sizes 100, 1000, 10000 and examples/agent-platform
#   bash bench/compare.sh --with-100k     # also rampart alone on 100,000 files
#
# Environment (defaults in brackets):
#   SIZES [100 1000 10000]   generated tree sizes both tools scan
#   RUNS [3]                 measured runs per tool and tree, after one warm-up each
#   SEED [1]                 seed of bench/make_corpus.py
#   WORK [/tmp/rampart-bench]            corpora and outputs (corpora are deleted at the end
#                                        unless KEEP_CORPORA=1)
#   CACHE [~/.cache/rampart-bench]       where the Checkov virtualenv lives (reused)
#   CHECKOV_VERSION [3.3.30]             the pinned Checkov from PyPI
#   CHECKOV_VENV [$CACHE/checkov-$CHECKOV_VERSION]  its virtualenv
#   RAMPART                              a rampart binary to use instead of building one
#   CHECKOV_ONCE_AFTER [1200]            seconds: when Checkov's warm-up on a tree takes
#                                        longer, that run is its only one on the tree
#
# Each run is measured by bench/measure.py (wall time by a monotonic clock, user and system CPU
# and peak RSS from os.wait4, and the peak PSS of the whole process tree, sampled, since Checkov
# forks workers); both tools write JSON to a file. rampart runs as `rampart scan --format json --output FILE DIR`; Checkov as
# `checkov --quiet --compact --skip-download -o json -d DIR` with BC_SKIP_MAPPING=TRUE, offline
# like rampart. Exit codes are recorded, not judged: both exit 1 when they find something.
# Results: bench/results/<date>-<commit>.json and .md (medians, Checkov/rampart ratios of the
# medians, recall on the planted violations, see bench/recall.py); the Markdown is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"

WITH_100K=0
for arg in "$@"; do
  case "$arg" in
    --with-100k) WITH_100K=1 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

SIZES="${SIZES:-100 1000 10000}"
RUNS="${RUNS:-3}"
SEED="${SEED:-1}"
WORK="${WORK:-/tmp/rampart-bench}"
CACHE="${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rampart-bench}"
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
CHECKOV_ONCE_AFTER="${CHECKOV_ONCE_AFTER:-1200}"

log() { printf '[compare] %s\n' "$*" >&2; }

# Checkov, pinned, in its own virtualenv (reused when it already has that version).
VENV="${CHECKOV_VENV:-$CACHE/checkov-$CHECKOV_VERSION}"
CHECKOV="$VENV/bin/checkov"
if ! "$CHECKOV" --version 2>/dev/null | grep -qx "$CHECKOV_VERSION"; then
  log "installing checkov==$CHECKOV_VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet "checkov==$CHECKOV_VERSION"
fi
# Offline, like rampart: no calls to Checkov's platform.
export BC_SKIP_MAPPING=TRUE

if [ -z "${RAMPART:-}" ]; then
  log "building rampart (release)"
  cargo build --release --locked -p rampart >&2
  RAMPART="$REPO/target/release/rampart"
fi

mkdir -p "$WORK/out"
RUNS_FILE="$WORK/runs.jsonl"
: > "$RUNS_FILE"

# Trees: name, path, whether Checkov scans it.
TREES=("agent-platform|$REPO/examples/agent-platform|1")
for size in $SIZES; do
  log "generating $size files"
  python3 bench/make_corpus.py --files "$size" --out "$WORK/corpus-$size" --seed "$SEED" >&2
  TREES+=("generated-$size|$WORK/corpus-$size|1")
done
if [ "$WITH_100K" = 1 ]; then
  log "generating 100000 files"
  python3 bench/make_corpus.py --files 100000 --out "$WORK/corpus-100000" --seed "$SEED" >&2
  TREES+=("generated-100000|$WORK/corpus-100000|0")
fi

# measure TREE PATH TOOL RUN: one run, appended to $RUNS_FILE; prints its wall time.
measure() {
  local tree="$1" dir="$2" tool="$3" run="$4"
  local out="$WORK/out/$tree-$tool.json" err="$WORK/out/$tree-$tool.err"
  local files
  files=$(find "$dir" -type f ! -name PLANTED.json | wc -l)
  local m
  if [ "$tool" = rampart ]; then
    m=$(python3 bench/measure.py --stdout /dev/null --stderr "$err" -- \
      "$RAMPART" scan --format json --output "$out" "$dir")
  else
    m=$(python3 bench/measure.py --stdout "$out" --stderr "$err" -- \
      "$CHECKOV" --quiet --compact --skip-download -o json -d "$dir")
  fi
  # The 1-minute load average after the run: other work on the machine shows here.
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  printf '{"tree": "%s", "corpus": "%s", "files": %d, "tool": "%s", "run": %d, "load1": %s, "output": "%s", "m": %s}\n' \
    "$tree" "$dir" "$files" "$tool" "$run" "$load" "$out" "$m" >> "$RUNS_FILE"
  local wall rss
  wall=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["wall"])' "$m")
  rss=$(python3 -c 'import json, sys; m = json.loads(sys.argv[1]); print(max(m["rss_kb"], m["pss_tree_kb"]) // 1024)' "$m")
  log "$tree $tool run $run: ${wall}s wall, ${rss} MiB, load $load"
  echo "$wall"
}

for entry in "${TREES[@]}"; do
  IFS='|' read -r tree dir with_checkov <<< "$entry"
  # Warm-up of each tool (run 0, not counted), then measured runs alternating r, c, r, c.
  measure "$tree" "$dir" rampart 0 > /dev/null
  checkov_runs="$RUNS"
  if [ "$with_checkov" = 1 ]; then
    wall=$(measure "$tree" "$dir" checkov 0)
    if python3 -c "import sys; sys.exit(0 if float('$wall') > float('$CHECKOV_ONCE_AFTER') else 1)"; then
      log "$tree: Checkov took ${wall}s, over ${CHECKOV_ONCE_AFTER}s: that run is its only one"
      checkov_runs=0
    fi
  else
    checkov_runs=0
  fi
  for ((i = 1; i <= RUNS; i++)); do
    measure "$tree" "$dir" rampart "$i" > /dev/null
    if [ "$i" -le "$checkov_runs" ]; then
      measure "$tree" "$dir" checkov "$i" > /dev/null
    fi
  done
done

# Where and with what this ran.
DATE=$(date -u +%Y-%m-%d)
COMMIT=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock || COMMIT="$COMMIT-dirty"
META="$WORK/meta.json"
python3 bench/meta.py --out "$META" --date "$DATE" --commit "$COMMIT" --runs "$RUNS" --seed "$SEED" \
  --rampart "$("$RAMPART" --version)" --checkov "$("$CHECKOV" --version)" --with-100k "$WITH_100K"

mkdir -p bench/results
python3 bench/report.py --runs "$RUNS_FILE" --meta "$META" \
  --json "bench/results/$DATE-$COMMIT.json" --markdown "bench/results/$DATE-$COMMIT.md"
log "wrote bench/results/$DATE-$COMMIT.json and .md"

if [ "${KEEP_CORPORA:-0}" != 1 ]; then
  rm -rf "$WORK"/corpus-*
fi
