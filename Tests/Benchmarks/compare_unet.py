#!/usr/bin/env python3
"""Interleaved normlab vs PyTorch U-Net benchmark: alternates `normlab bench unet --json` and
torch_unet_bench.py for several rounds (waiting for a quiet machine before each run), then prints
a Markdown table of medians, the ratio, GFLOP and peak RSS. Standard library only.

    swift build -c release --product normlab
    python3 Tests/Benchmarks/compare_unet.py --python ../refenv/bin/python \
        --config ../shared/configs/sd15_unet/config.json --latent-size 64 --rounds 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def busy_cores(window=1.0):
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = snap()
    time.sleep(window)
    t1, i1 = snap()
    return (os.cpu_count() or 2) * (1 - (i1 - i0) / max(t1 - t0, 1))


def wait_quiet(limit=0.3, max_wait=120):
    start = time.time()
    while time.time() - start < max_wait:
        if busy_cores() < limit:
            return True
    return False


def last_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=os.path.join("..", "refenv", "bin", "python"))
    ap.add_argument("--normlab", default=os.path.join(".build", "release", "normlab"))
    ap.add_argument("--config", required=True)
    ap.add_argument("--latent-size", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--vae-config", help="benchmark the extract pipeline: VAE encoder + U-Net (image side 8·latent-size)")
    a = ap.parse_args()
    runs = {"normlab": [], "torch": []}
    for r in range(a.rounds):
        for name in ("normlab", "torch"):
            quiet = wait_quiet()
            if name == "normlab":
                if a.vae_config:
                    res = last_json([a.normlab, "bench", "pipeline", "--unet-config", a.config, "--vae-config", a.vae_config,
                                     "--image-size", str(8 * a.latent_size), "--reps", str(a.reps), "--json"])
                else:
                    res = last_json([a.normlab, "bench", "unet", "--config", a.config, "--latent-size", str(a.latent_size),
                                     "--reps", str(a.reps), "--json"])
            else:
                res = last_json([a.python, os.path.join(HERE, "torch_unet_bench.py"), "--config", a.config,
                                 "--latent-size", str(a.latent_size), "--reps", str(a.reps)]
                                + (["--vae-config", a.vae_config] if a.vae_config else []))
            res["quiet_start"] = quiet
            runs[name].append(res)
            print(f"round {r + 1} {name:8s} median {res['median_s']:.3f} s  min {res['min_s']:.3f} s  "
                  f"peak RSS {res['peak_rss_mib']:.0f} MiB{'' if quiet else '  (machine was busy)'}", file=sys.stderr)
    med = {k: statistics.median(x["median_s"] for x in v) for k, v in runs.items()}
    best = {k: min(x["min_s"] for x in v) for k, v in runs.items()}
    print(f"| implementation | median of run medians (s) | best (s) | run medians (s) | GFLOP | GFLOP/s | peak RSS MiB |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for k, v in runs.items():
        gf = v[0]["gflop"]
        medians = ", ".join("%.3f" % x["median_s"] for x in v)
        print(f"| {k} | {med[k]:.3f} | {best[k]:.3f} | {medians} | {gf:.1f} | "
              f"{gf / med[k]:.1f} | {max(x['peak_rss_mib'] for x in v):.0f} |")
    print(f"\nnormlab / torch median ratio: {med['normlab'] / med['torch']:.3f} "
          f"(< 1 means normlab is faster); rounds: {a.rounds}, reps per run: {a.reps}")
    print("\n```json\n" + json.dumps(runs) + "\n```")


if __name__ == "__main__":
    main()
