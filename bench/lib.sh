# Sourced by the benchmark scripts that time rampart with GNU time
# (bench/stages.sh, bench/large_files.sh), from the repository's root.

# The binary to time: $RAMPART, or the release build, made now.
release_binary() {
  if [[ -n "${RAMPART:-}" ]]; then
    echo "$RAMPART"
    return
  fi
  cargo build --release --locked -p rampart >&2
  echo "$PWD/target/release/rampart"
}

# GNU time's `-f`, which the shell's `time` has not.
require_gnu_time() {
  [[ -x /usr/bin/time ]] || { echo "/usr/bin/time is required (apt-get install time)" >&2; exit 2; }
}

# The median of the numbers given (the upper one of an even count).
median() {
  printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
