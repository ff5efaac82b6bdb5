#!/usr/bin/env bash
# Usage: Fuzz/run-all.sh SECONDS — every fuzz target for SECONDS each (the test suite's short run).
# Runs all targets even after a failure, then exits non-zero if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:?usage: Fuzz/run-all.sh SECONDS}
bash "$root/Fuzz/build.sh" || exit 1
failed=()
for dir in "$root"/Fuzz/corpus/*/; do
  target=$(basename "$dir")
  bash "$root/Fuzz/run.sh" "$target" "$seconds" || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then echo "fuzz: FAILED: ${failed[*]}" >&2; exit 1; fi
echo "fuzz: every target ran ${seconds}s without a crash"
