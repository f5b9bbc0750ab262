#!/usr/bin/env bash
# Benchmark: rampart against Checkov on the same corpora, in the same run.
#
#   bash tools/bench/run.sh            # needs hyperfine and checkov on PATH
#
# Corpora: the example platform once (a pre-commit-sized repository) and 50
# renamed copies of it (a monorepo: Kubernetes, Dockerfiles, Terraform with a
# local module, a plan, CloudFormation). Each tool scans every framework it
# supports in the corpus; output goes to /dev/null; exit codes are ignored
# (both exit non-zero when they find something).
set -euo pipefail
cd "$(dirname "$0")/../.."

COPIES="${COPIES:-50}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/rampart-bench}"

command -v hyperfine >/dev/null || { echo "hyperfine is required (apt-get install hyperfine)"; exit 2; }
command -v checkov >/dev/null || { echo "checkov is required (pip install checkov)"; exit 2; }

cargo build --release --locked -p rampart
RAMPART="$PWD/target/release/rampart"
# Checkov must not call its platform: this benchmark runs offline, like rampart.
export BC_SKIP_MAPPING=TRUE

python3 tools/bench/make-corpus.py "$WORK/one" 1
python3 tools/bench/make-corpus.py "$WORK/many" "$COPIES"

echo "rampart $("$RAMPART" --version)"
echo "checkov $(checkov --version)"
nproc
for corpus in one many; do
  hyperfine --warmup 1 --runs "$RUNS" --ignore-failure \
    --export-markdown "$WORK/$corpus.md" \
    -n "rampart ($corpus)" "$RAMPART scan --format json --output /dev/null $WORK/$corpus" \
    -n "checkov ($corpus)" "checkov --quiet --compact --skip-download -o json -d $WORK/$corpus > /dev/null"
done
cat "$WORK/one.md" "$WORK/many.md"
