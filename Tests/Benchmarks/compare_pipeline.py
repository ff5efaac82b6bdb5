#!/usr/bin/env python3
"""`extract`'s whole pipeline per image (VAE encoder + quant_conv on a 512² image, then the U-Net to
up_blocks[1]) in normlab, OpenVINO, ONNX Runtime and PyTorch, at batch 1 and batch N, interleaved.

normlab runs `bench pipeline` (seeded random weights: the time does not depend on their values), the
others `peer_runtimes.py pipeline` on the models `compare_runtimes.py` prepared in --work. Each entry is
its own process: one warm-up pass, then timed passes; the table gives images/s and peak RSS. The ONNX
and IR exports have a fixed batch of 1, so at batch N only normlab and PyTorch run.

    swift build -c release --product normlab
    python3 Tests/Benchmarks/compare_pipeline.py --python ../refenv/bin/python --unet-config ../shared/configs/sd15_unet \\
        --vae-config ../shared/configs/sd_vae --batch 4
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare_runtimes import LABELS, add_common_args, run_json  # noqa: E402
from compare_unet import wait_quiet  # noqa: E402


def entry(a, runtime, batch):
    reps = a.reps if batch == 1 else a.batch_reps
    if runtime == "normlab":
        return run_json([a.normlab, "bench", "pipeline", "--unet-config", os.path.join(a.unet_config, "config.json"),
                         "--vae-config", os.path.join(a.vae_config, "config.json"), "--batch", str(batch),
                         "--reps", str(reps), "--threads", "2", "--json"])[0]
    return run_json([a.python, os.path.join(HERE, "peer_runtimes.py"), "pipeline", "--out", a.work, "--backend", runtime,
                     "--batch", str(batch), "--reps", str(reps)])[0]


def main():
    ap = argparse.ArgumentParser()
    add_common_args(ap)
    ap.add_argument("--batch", type=int, default=4, help="the batched case's images per pass")
    ap.add_argument("--reps", type=int, default=3, help="timed passes at batch 1")
    ap.add_argument("--batch-reps", type=int, default=1, help="timed passes at batch N")
    ap.add_argument("--quiet-wait", type=float, default=20)
    a = ap.parse_args()
    plan = [("normlab", 1), ("ov", 1), ("ort", 1), ("torch", 1), ("normlab", a.batch), ("torch", a.batch)]
    rows = []
    for runtime, batch in plan:
        quiet = wait_quiet(max_wait=a.quiet_wait)
        r = entry(a, runtime, batch)
        rows.append((runtime, batch, r))
        print(f"{runtime} batch {batch}: {r['images_per_s']:.3f} images/s (pass median {r['median_s']:.3f} s), "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB{'' if quiet else ' (machine was busy)'}", file=sys.stderr, flush=True)
    base = rows[0][2]["images_per_s"]
    print("| runtime | batch | pass median (s) | passes (s) | images/s | normlab batch 1 / runtime (time per image) | peak RSS MiB |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for runtime, batch, r in rows:
        passes = ", ".join(f"{t:.3f}" for t in r["times_s"])
        print(f"| {LABELS[runtime]} {r.get('version', '')} | {batch} | {r['median_s']:.3f} | {passes} | {r['images_per_s']:.3f} | "
              f"{r['images_per_s'] / base:.3f} | {r['peak_rss_mib']:.0f} |")


if __name__ == "__main__":
    main()
