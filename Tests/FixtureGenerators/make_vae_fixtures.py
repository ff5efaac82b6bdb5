#!/usr/bin/env python3
"""Golden VAE-encoder fixture: a tiny random AutoencoderKL with the SD VAE's structure; the expected
output is `quant_conv(encoder(x))` (the latent_dist moments) from diffusers on CPU.

    ../refenv/bin/python Tests/FixtureGenerators/make_vae_fixtures.py
"""
import logging
import os
import shutil

import numpy as np
import torch
from diffusers import AutoencoderKL

OUT = os.path.join(os.path.dirname(__file__), "..", "InferenceTests", "Fixtures", "vae", "tiny")


def main():
    logging.getLogger("diffusers").setLevel(logging.ERROR)
    torch.manual_seed(7)
    vae = AutoencoderKL(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 4,
                        up_block_types=["UpDecoderBlock2D"] * 4, block_out_channels=[8, 16, 16, 16],
                        layers_per_block=2, latent_channels=4, norm_num_groups=4, sample_size=32,
                        scaling_factor=0.18215).eval()
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, p in vae.named_parameters():
            if p.ndim == 1:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p[0].numel() ** 0.5)
        # A 24x40 image in [0, 1] (sdhelper feeds pixels/255 without mapping to [-1, 1]).
        x = torch.rand((1, 3, 24, 40), generator=g)
        m32 = vae.quant_conv(vae.encoder(x))
        v64 = AutoencoderKL.from_config(vae.config).eval().double()
        v64.load_state_dict(vae.state_dict())
        m64 = v64.quant_conv(v64.encoder(x.double()))
    rel = ((m32.double() - m64).abs().max() / m64.abs().max()).item()
    assert rel < 1e-5, f"float32 reference is off float64 by {rel:.2e}"
    shutil.rmtree(OUT, ignore_errors=True)
    vae.save_pretrained(os.path.join(OUT, "vae"))
    np.save(os.path.join(OUT, "image.npy"), x.numpy())
    np.save(os.path.join(OUT, "moments.npy"), m32.numpy())
    print("moments", tuple(m32.shape), "float32 vs float64", f"{rel:.1e}")


if __name__ == "__main__":
    main()
