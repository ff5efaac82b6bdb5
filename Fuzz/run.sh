#!/usr/bin/env bash
# Usage: Fuzz/run.sh TARGET SECONDS [libFuzzer options...]
# Builds the fuzzer if needed, replays TARGET's committed crash inputs (Fuzz/regressions/TARGET),
# then fuzzes TARGET for SECONDS starting from its seed corpus (Fuzz/corpus/TARGET). New corpus
# entries go to Fuzz/.build/corpus/TARGET, crashes to Fuzz/.build/artifacts/TARGET, the log to
# Fuzz/.build/logs/TARGET.log. Exits non-zero on any crash, with the input's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: Fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: Fuzz/run.sh TARGET SECONDS}
shift 2
[ -d "$root/Fuzz/corpus/$target" ] || { echo "unknown fuzz target '$target' (targets: $(ls "$root/Fuzz/corpus" | tr '\n' ' '))" >&2; exit 2; }
bash "$root/Fuzz/build.sh"
work="$root/Fuzz/.build"
mkdir -p "$work/corpus/$target" "$work/artifacts/$target" "$work/logs"
cp -n "$root/Fuzz/corpus/$target/"* "$work/corpus/$target/" 2>/dev/null || true
export NORMLAB_FUZZ_TARGET=$target NORMLAB_FUZZ_ROOT=$root
# Scratch files of path-based parsers live in memory when /dev/shm exists.
[ -d /dev/shm ] && export TMPDIR=/dev/shm
# Leak checking is off: the Swift runtime's metadata caches look like leaks at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
fuzz=("$work/normlab-fuzz" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/$target/")
if compgen -G "$root/Fuzz/regressions/$target/*" > /dev/null; then
  "${fuzz[@]}" "$root/Fuzz/regressions/$target/"* > "$work/logs/$target.regressions.log" 2>&1 \
    || { tail -40 "$work/logs/$target.regressions.log" >&2; echo "fuzz $target: a committed regression input crashes" >&2; exit 1; }
fi
status=0
"${fuzz[@]}" -max_total_time="$seconds" "$@" "$work/corpus/$target" > "$work/logs/$target.log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/logs/$target.log" | tail -1)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$work/logs/$target.log" | tail -1)
echo "fuzz $target: ${seconds}s, ${runs:-?} executions, ${cov:-no coverage line}, corpus $(ls "$work/corpus/$target" | wc -l) inputs"
if [ "$status" -ne 0 ]; then
  tail -60 "$work/logs/$target.log" >&2
  echo "fuzz $target: FAILED (exit $status); input in $work/artifacts/$target/" >&2
  exit "$status"
fi
