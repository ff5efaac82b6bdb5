#!/usr/bin/env bash
# Two release builds of normlab timed interleaved on the same machine (before, after, before, after…):
# bench unet, bench detect and bench labeling, each at a small size, so a change's effect on the three
# benchmarks can be read as medians and after/before ratios from one run. Output: one log per
# (round, build, bench) in OUT, then a table of every run's headline numbers (read from the logs).
#
#   bash Tests/Benchmarks/before_after.sh BEFORE_BIN AFTER_BIN OUT [rounds=3] [unet_config]
set -euo pipefail
before=$1; after=$2; out=$3; rounds=${4:-3}
config=${5:-/work/shared/configs/sd15_unet/config.json}
mkdir -p "$out"
run() {  # NAME BIN BENCH ARGS…
  local name=$1 bin=$2 bench=$3; shift 3
  "$bin" bench "$bench" "$@" > "$out/$name.log" 2>&1
}
for r in $(seq 1 "$rounds"); do
  for v in before after; do
    bin=$before; [ "$v" = after ] && bin=$after
    run "r$r-$v-unet" "$bin" unet --config "$config" --latent-size 32 --reps 3 --json
    run "r$r-$v-detect" "$bin" detect --images 500 --rounds 2
    run "r$r-$v-labeling" "$bin" labeling --toggles 100 --images 2000 --folder "$out/labeling-$v"
  done
done
