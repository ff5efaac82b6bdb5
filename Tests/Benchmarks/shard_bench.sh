#!/usr/bin/env bash
# Sharded extraction on one machine: the same images as 1 shard (OpenBLAS on every core) and as 2
# concurrent shards (one core each), interleaved over --rounds, then the merge. Prints per round the
# wall time (model loading and weight hashing included), the shards' steady rate (img/s from their
# last progress line, loading excluded) and the merge time. Numbers go to BENCHMARKS.md.
#
#   bash Tests/Benchmarks/shard_bench.sh MODEL_DIR [images=8] [size=256] [rounds=2]
set -euo pipefail
model=$1; images=${2:-8}; size=${3:-256}; rounds=${4:-2}
normlab=$(pwd)/.build/debug/normlab
work=$(mktemp -d /tmp/normlab-shard-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/bench_dataset.sh"
db=$work/b.sqlite
bench_dataset "$work" "$images" "$db"
opts=(--db "$db" --dataset bench --model "$model" --batch-size 1 --resize "$size" --center-crop)
now() { date +%s.%N; }
rate() { grep -o '[0-9.]* img/s' "$1" | tail -1 | cut -d' ' -f1; }

for r in $(seq 1 "$rounds"); do
  for shards in 1 2; do
    run="r${r}s${shards}"
    "$normlab" extract "${opts[@]}" --run "$run" --shards "$shards" --prepare 2> /dev/null
    t0=$(now)
    pids=()
    for s in $(seq 0 $((shards - 1))); do
      OPENBLAS_NUM_THREADS=$((2 / shards)) "$normlab" extract "${opts[@]}" --run "$run" --shard "$s/$shards" 2> "$work/$run-$s.log" &
      pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    t1=$(now)
    "$normlab" extract --merge --db "$db" --run "$run" 2> /dev/null
    t2=$(now)
    rates=$(for s in $(seq 0 $((shards - 1))); do rate "$work/$run-$s.log"; done | paste -sd+ -)
    printf 'round %d  shards %d  images %d  wall %.1f s  %.3f img/s  steady %s img/s  merge %.3f s  (%.2f ms/image)\n' \
      "$r" "$shards" "$images" "$(echo "$t1 - $t0" | bc)" "$(echo "$images / ($t1 - $t0)" | bc -l)" "$rates" \
      "$(echo "$t2 - $t1" | bc)" "$(echo "1000 * ($t2 - $t1) / $images" | bc -l)"
  done
done
du -b "$work/b.features/r1s1/features.npy" "$work/b.features/r1s1/norms.npy"
