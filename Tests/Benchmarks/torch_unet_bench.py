#!/usr/bin/env python3
"""PyTorch/diffusers reference for `normlab bench unet`: the same U-Net config with random weights,
fp32, 2 threads, run to the given position (a forward hook raises to stop there, as in
../shared/anchors/measure_reference.py). Prints one JSON line: median_s, min_s, gflop, peak_rss_mib.

    ../refenv/bin/python Tests/Benchmarks/torch_unet_bench.py --config CONFIG.json --latent-size 64 --reps 3
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("MKL_NUM_THREADS", "2")
import torch  # noqa: E402
from diffusers import AutoencoderKL, UNet2DConditionModel  # noqa: E402


class Stop(Exception):
    pass


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--latent-size", type=int, default=64)
    ap.add_argument("--position", default="up_blocks[1]", help="up_blocks[i] or 'full'")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--vae-config", help="also time the VAE encoder on an image of 8·latent-size (the extract pipeline)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    with open(a.config) as f:
        cfg = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    unet = UNet2DConditionModel(**cfg).eval()
    if a.position != "full":
        idx = int(a.position.split("[")[1].rstrip("]"))

        def hook(mod, inp, out):
            raise Stop

        unet.up_blocks[idx].register_forward_hook(hook)
    g = torch.Generator().manual_seed(1)
    x = torch.randn((1, 4, a.latent_size, a.latent_size), generator=g)
    ctx = torch.randn((1, 77, cfg["cross_attention_dim"]), generator=g)
    t = torch.tensor(50, dtype=torch.int64)

    vae = None
    if a.vae_config:
        torch.manual_seed(2)
        with open(a.vae_config) as f:
            vae = AutoencoderKL(**{k: v for k, v in json.load(f).items() if not k.startswith("_")}).eval()
        image = torch.rand((1, 3, 8 * a.latent_size, 8 * a.latent_size), generator=g)

    def once():
        t0 = time.perf_counter()
        with torch.no_grad():
            lat = vae.encode(image).latent_dist.mean * vae.config.scaling_factor if vae is not None else x
            try:
                unet(lat, t, encoder_hidden_states=ctx)
            except Stop:
                pass
        return time.perf_counter() - t0

    warm = once()
    times = sorted(once() for _ in range(a.reps))
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc:
        once()
    print(json.dumps({"median_s": statistics.median(times), "min_s": times[0], "warmup_s": warm, "times_s": times,
                      "gflop": fc.get_total_flops() / 1e9, "peak_rss_mib": peak_rss_mib(),
                      "torch": torch.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
