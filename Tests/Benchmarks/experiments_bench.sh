#!/usr/bin/env bash
# `normlab experiments run` with all three experiments against the extraction passes it replaces: `extract`
# of the same 45 layers on the full images, plus one `extract` per token size t of that size's layers on
# the images cropped by t on every side (the token-group passes), interleaved over --rounds. Prints per
# round the wall time of each side (model loading and weight hashing included: the extract side loads and
# hashes once per pass) and the compute time (experiments: its passes and the probe from experiment.json;
# extract: images ÷ its last progress rate, loading excluded). Numbers go to BENCHMARKS.md.
#
#   bash Tests/Benchmarks/experiments_bench.sh MODEL_DIR [rounds=2]     (NORMLAB_BIN=path: another normlab binary)
# Images: the five 256² photographs of the experiment fixtures (one batch of 5), labels from the same place.
set -euo pipefail
model=$1; rounds=${2:-2}
normlab=${NORMLAB_BIN:-$(pwd)/.build/debug/normlab}
py=/work/refenv/bin/python
fix=$(pwd)/Tests/InferenceTests/Fixtures/experiments
work=$(mktemp -d /tmp/normlab-exp-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=$work/b.sqlite
now() { date +%s.%N; }
rate() { grep -o '[0-9.]* img/s' "$1" | tail -1 | cut -d' ' -f1; }
n=$(ls "$fix/images" | wc -l)
"$normlab" dataset add --db "$db" full "$fix/images" > /dev/null 2>&1
for t in 8 16 32 64; do
  mkdir -p "$work/crop$t"
  $py -c "
import os, sys
from PIL import Image
src, dst, t = sys.argv[1], sys.argv[2], int(sys.argv[3])
for f in sorted(os.listdir(src)):
    img = Image.open(os.path.join(src, f)).convert('RGB'); w, h = img.size
    img.crop((t, t, w - t, h - t)).save(os.path.join(dst, f))" "$fix/images" "$work/crop$t" "$t"
  "$normlab" dataset add --db "$db" "crop$t" "$work/crop$t" > /dev/null 2>&1
done
common=(--db "$db" --model "$model" --batch-size "$n")
positions=$("$normlab" experiments run "${common[@]}" --dataset full --experiments anomalies --labels "$fix/labels.npy" \
  --positions all -o "$work/layers" 2> /dev/null && paste -sd, "$work/layers/positions.txt")
# Layers by token size (image width ÷ map width), from the maps of a first extraction.
"$normlab" extract "${common[@]}" --dataset full --positions "$positions" --run shapes 2> /dev/null
declare -A bysize
IFS=, read -ra names <<< "$positions"
for p in "${names[@]}"; do
  folder=$(echo "$p" | tr -d '[]')
  w=$($py -c "import numpy as np, sys; print(np.load(sys.argv[1], mmap_mode='r').shape[2])" "$work/b.features/shapes_$folder/norms.npy")
  t=$((256 / w)); bysize[$t]="${bysize[$t]:+${bysize[$t]},}$p"
done

for r in $(seq 1 "$rounds"); do
  t0=$(now)
  "$normlab" experiments run "${common[@]}" --dataset full --labels "$fix/labels.npy" -o "$work/exp$r" 2> "$work/exp$r.log"
  t1=$(now)
  computed=$($py -c "import json, sys; print(sum(json.load(open(sys.argv[1]))['seconds'].values()))" "$work/exp$r/experiment.json")
  extract_compute=0
  "$normlab" extract "${common[@]}" --dataset full --positions "$positions" --run "full$r" 2> "$work/full$r.log"
  extract_compute=$(echo "$extract_compute + $n / $(rate "$work/full$r.log")" | bc -l)
  for t in 8 16 32 64; do
    "$normlab" extract "${common[@]}" --dataset "crop$t" --positions "${bysize[$t]}" --run "crop$t-$r" 2> "$work/crop$t-$r.log"
    extract_compute=$(echo "$extract_compute + $n / $(rate "$work/crop$t-$r.log")" | bc -l)
  done
  t2=$(now)
  printf 'round %d  images %d  experiments: wall %.1f s (%.2f s/image), passes+probe %.1f s  |  extracts: wall %.1f s (%.2f s/image), compute %.1f s  |  wall ratio %.3f  compute ratio %.3f\n' \
    "$r" "$n" "$(echo "$t1 - $t0" | bc)" "$(echo "($t1 - $t0) / $n" | bc -l)" "$computed" \
    "$(echo "$t2 - $t1" | bc)" "$(echo "($t2 - $t1) / $n" | bc -l)" "$extract_compute" \
    "$(echo "($t1 - $t0) / ($t2 - $t1)" | bc -l)" "$(echo "$computed / $extract_compute" | bc -l)"
  $py -c "import json, sys; print('  experiment.json seconds:', json.load(open(sys.argv[1]))['seconds'])" "$work/exp$r/experiment.json"
done
