#!/usr/bin/env bash
# OpenBLAS vs BLIS vs oneDNN sgemm on the U-Net's GEMM shapes (gemm_libraries.c), rounds interleaved
# (OpenBLAS, BLIS, oneDNN, OpenBLAS, …); prints each library's median GFLOP/s over the rounds per shape
# and schedule, and the ratio to OpenBLAS. Needs libopenblas-dev, libblis-dev (pthread variant:
# libblis-pthread-dev) and libdnnl-dev. Usage: bash Tests/Benchmarks/gemm_libraries.sh [rounds] [calls]
set -euo pipefail
rounds=${1:-2}
calls=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
blis=/usr/lib/x86_64-linux-gnu/blis-pthread
cc -O2 -Werror=implicit-function-declaration -o "$out/openblas" "$here/gemm_libraries.c" -lopenblas -lpthread -lm
cc -O2 -Werror=implicit-function-declaration -DUSE_BLIS -o "$out/blis" "$here/gemm_libraries.c" -I/usr/include/x86_64-linux-gnu/blis-pthread \
   -L"$blis" -Wl,-rpath,"$blis" -lblis -lpthread -lm
cc -O2 -Werror=implicit-function-declaration -DUSE_DNNL -fopenmp -o "$out/onednn" "$here/gemm_libraries.c" -ldnnl -lpthread -lm
for r in $(seq "$rounds"); do
  for lib in openblas blis onednn; do
    echo "round $r: $lib" >&2
    "$out/$lib" "$calls" >> "$out/results.tsv"
  done
done
python3 - "$out/results.tsv" <<'PY'
import collections, statistics, sys
rates, err, what = collections.defaultdict(list), collections.defaultdict(float), {}
for line in open(sys.argv[1]):
    lib, shape, mode, gflops, e, w = line.rstrip("\n").split("\t")
    rates[(shape, mode, lib)].append(float(gflops))
    err[lib] = max(err[lib], float(e))
    what[shape] = w
libs = ["OpenBLAS", "BLIS", "oneDNN"]
print("| M×N×K (T: B transposed) | what | schedule | " + " | ".join(f"{l} GFLOP/s" for l in libs) + " | BLIS / OpenBLAS | oneDNN / OpenBLAS |")
print("|---|---|---|" + "---:|" * (len(libs) + 2))
for shape in what:
    for mode in ["1t", "split", "2t"]:
        med = {l: statistics.median(rates[(shape, mode, l)]) for l in libs}
        cells = " | ".join(f"{med[l]:.1f}" for l in libs)
        print(f"| {shape} | {what[shape]} | {mode} | {cells} | {med['BLIS'] / med['OpenBLAS']:.2f} | {med['oneDNN'] / med['OpenBLAS']:.2f} |")
print("largest relative error at the sampled entries: " + ", ".join(f"{l} {err[l]:.1e}" for l in libs))
PY
