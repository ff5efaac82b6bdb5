#!/usr/bin/env bash
# Shared-filesystem write volume of a sharded extraction, --keep features against --keep norms: the
# same images through 2 shards and the merge, one mode after the other. The volume is what the kernel
# accounted to each process as written to storage (GNU time's %O, file system outputs in 512-byte
# blocks: the fsynced data plus any metadata pages the process dirtied), summed over the shards and
# the merge, per image; beside it the sizes of the run's files. Numbers go to BENCHMARKS.md.
#
#   bash Tests/Benchmarks/keep_norms_bench.sh MODEL_DIR [images=4] [size=512]
set -euo pipefail
model=$1; images=${2:-4}; size=${3:-512}
normlab=$(pwd)/.build/debug/normlab
work=$(mktemp -d /tmp/normlab-keep-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/bench_dataset.sh"
db=$work/k.sqlite
bench_dataset "$work" "$images" "$db"
opts=(--db "$db" --dataset bench --model "$model" --batch-size 1 --resize "$size" --center-crop)
blocks() { /usr/bin/time -f %O -o "$1" "${@:2}"; }

for keep in features norms; do
  run="k-$keep"
  "$normlab" extract "${opts[@]}" --run "$run" --keep "$keep" --shards 2 --prepare 2> /dev/null
  for s in 0 1; do
    OPENBLAS_NUM_THREADS=1 blocks "$work/$run-$s.blocks" "$normlab" extract "${opts[@]}" --run "$run" --keep "$keep" --shard "$s/2" 2> /dev/null &
  done
  wait
  blocks "$work/$run-merge.blocks" "$normlab" extract --merge --db "$db" --run "$run" 2> /dev/null
  shard_bytes=$(( ($(cat "$work/$run-0.blocks") + $(cat "$work/$run-1.blocks")) * 512 ))
  merge_bytes=$(( $(cat "$work/$run-merge.blocks") * 512 ))
  files=$(du -cb "$work/k.features/$run"/*.npy | tail -1 | cut -f1)
  printf 'keep %-8s images %d  shards wrote %d B (%d B/image)  merge wrote %d B (%d B/image)  run files %d B (%d B/image)  [%s]\n' \
    "$keep" "$images" "$shard_bytes" $((shard_bytes / images)) "$merge_bytes" $((merge_bytes / images)) \
    "$files" $((files / images)) "$(cd "$work/k.features/$run" && ls | paste -sd' ' -)"
done
