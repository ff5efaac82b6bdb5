#!/usr/bin/env python3
"""Interleaved benchmark of the positional probe (experiment 3): `normlab bench probe` against the paper's
own `run_position_estimation` (run_experiments.py of JonasLoos/sd-representation-anomalies) on PyTorch CPU
with 2 threads, on the same token files, one layer per file. Prints a Markdown table of medians and ratios
and both sides' last-epoch accuracies (they should agree within float rounding).

    swift build -c release --product normlab
    /work/run-locked flock -x /work/bench.lock ../refenv/bin/python Tests/Benchmarks/probe_bench.py \
        --reference /tmp/run_experiments.py --images 100 --rounds 3

Token files: seeded NumPy noise plus a positional code (as make_probe_fixtures.py), float32 (N, C, H, W),
written to --dir for the SD-1.5 layer shapes given by --shapes (side×side×channels). The reference runs in a
subprocess per layer (`--torch-worker FILE`) with `.cuda()` patched to a no-op (it runs on the CPU) and
the imports its `main()` needs stubbed, as in make_probe_fixtures.py.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "FixtureGenerators"))


def write_tokens(path, images, channels, side, seed):
    import numpy as np
    from make_probe_fixtures import features
    rng = np.random.default_rng(seed)
    np.save(path, features(rng, channels, side, strength=3.0, images=images))


def torch_worker(reference, path, threads):
    import numpy as np
    import torch
    import torch.nn as nn
    from make_probe_fixtures import load_reference
    torch.set_num_threads(threads)
    module = load_reference(reference)
    torch.Tensor.cuda = lambda self, *a, **k: self
    nn.Module.cuda = lambda self, *a, **k: self
    array = np.load(path)
    reps = [{"layer": torch.from_numpy(array[n:n + 1])} for n in range(len(array))]
    cwd = os.getcwd()
    os.chdir(os.path.dirname(path))
    start = time.perf_counter()
    acc = module.run_position_estimation("bench", ["layer"], reps)
    seconds = time.perf_counter() - start
    os.chdir(cwd)
    print(json.dumps({"seconds": seconds, "accuracies": acc[0, -1].tolist()}))


def last_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True, help="the paper's run_experiments.py")
    ap.add_argument("--normlab", default=os.path.join(".build", "release", "normlab"))
    ap.add_argument("--shapes", default="64x320,32x640,8x1280", help="side x channels, comma-separated")
    ap.add_argument("--images", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dir", default="/tmp/normlab_probe_bench")
    ap.add_argument("--torch-worker", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.torch_worker:
        return torch_worker(os.path.abspath(a.reference), a.torch_worker, a.threads)
    os.makedirs(a.dir, exist_ok=True)
    rows = []
    for i, shape in enumerate(a.shapes.split(",")):
        side, channels = map(int, shape.split("x"))
        path = os.path.join(a.dir, f"tokens_{side}x{side}x{channels}_{a.images}.npy")
        if not os.path.exists(path):
            write_tokens(path, a.images, channels, side, seed=i)
        runs = {"normlab": [], "torch": []}
        acc = {}
        for _ in range(a.rounds):
            r = last_json([a.normlab, "bench", "probe", "--features", path, "--threads", str(a.threads), "--json"])
            runs["normlab"].append(r["seconds"][path])
            acc["normlab"] = r["accuracies"][path]
            r = last_json([sys.executable, os.path.abspath(__file__), "--reference", a.reference, "--threads",
                           str(a.threads), "--torch-worker", path])
            runs["torch"].append(r["seconds"])
            acc["torch"] = r["accuracies"]
        med = {k: statistics.median(v) for k, v in runs.items()}
        rows.append((f"{side}×{side}×{channels}", med, runs, acc))
        print(f"{shape}: {runs}", file=sys.stderr, flush=True)
    print(f"| layer (N = {a.images}, {a.threads} threads) | normlab s (median) | PyTorch s (median) | torch / normlab "
          "| last-epoch accuracy 8/16/32/64 normlab ; torch |")
    print("|---|---|---|---|---|")
    for name, med, runs, acc in rows:
        fmt = lambda v: "/".join(f"{x:.4f}" for x in v)
        print(f"| {name} | {med['normlab']:.2f} | {med['torch']:.2f} | {med['torch'] / med['normlab']:.2f} "
              f"| {fmt(acc['normlab'])} ; {fmt(acc['torch'])} |")


if __name__ == "__main__":
    main()
