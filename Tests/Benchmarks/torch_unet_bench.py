#!/usr/bin/env python3
"""PyTorch/diffusers reference for `normlab bench unet`: the same U-Net config with random weights,
fp32, 2 threads, run to the given position (a forward hook on that block raises to stop the forward
there). Prints one JSON line: median_s, min_s, gflop, peak_rss_mib.

    ../refenv/bin/python Tests/Benchmarks/torch_unet_bench.py --config CONFIG.json --latent-size 64 --reps 3
"""
import argparse
import json

from bench_common import limit_threads, peak_rss_mib, random_model, timed

limit_threads(2)
import torch  # noqa: E402
from diffusers import AutoencoderKL, UNet2DConditionModel  # noqa: E402


class Stop(Exception):
    pass


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
    unet = random_model(UNet2DConditionModel, a.config, seed=0)
    if a.position != "full":
        idx = int(a.position.split("[")[1].rstrip("]"))

        def hook(mod, inp, out):
            raise Stop

        unet.up_blocks[idx].register_forward_hook(hook)
    g = torch.Generator().manual_seed(1)
    x = torch.randn((1, 4, a.latent_size, a.latent_size), generator=g)
    ctx = torch.randn((1, 77, unet.config.cross_attention_dim), generator=g)
    t = torch.tensor(50, dtype=torch.int64)

    vae = None
    if a.vae_config:
        vae = random_model(AutoencoderKL, a.vae_config, seed=2)
        image = torch.rand((1, 3, 8 * a.latent_size, 8 * a.latent_size), generator=g)

    def once():
        with torch.no_grad():
            lat = vae.encode(image).latent_dist.mean * vae.config.scaling_factor if vae is not None else x
            try:
                unet(lat, t, encoder_hidden_states=ctx)
            except Stop:
                pass

    _, timing = timed(once, a.reps)
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc:
        once()
    print(json.dumps({**timing, "gflop": fc.get_total_flops() / 1e9, "peak_rss_mib": peak_rss_mib(),
                      "torch": torch.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
