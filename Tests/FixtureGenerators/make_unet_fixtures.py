#!/usr/bin/env python3
"""Golden U-Net fixtures for normlab's Swift inference tests, computed with PyTorch + diffusers.

Builds tiny random-init UNet2DConditionModel's with the exact block structure of SD-1.5 / SD-2.1,
saves each as a diffusers folder and records the forward-hook output of every position normlab
supports (semantics of sdhelper: a tuple output keeps element 0).

Run from the repository root with a venv that has torch + diffusers (see BENCHMARKS.md / README):
    ../refenv/bin/python Tests/FixtureGenerators/make_unet_fixtures.py
Writes Tests/InferenceTests/Fixtures/unet/<name>/ . CI only reads the committed outputs.
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import logging
from diffusers import UNet2DConditionModel
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "InferenceTests", "Fixtures", "unet")

BASE = dict(
    sample_size=8, in_channels=4, out_channels=4, layers_per_block=2,
    down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
    up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
    act_fn="silu", center_input_sample=False, downsample_padding=1, flip_sin_to_cos=True, freq_shift=0,
    mid_block_scale_factor=1, norm_eps=1e-5,
)

FIXTURES = [
    # SD-1.5 style: conv proj_in/proj_out, int attention_head_dim (= number of heads), fp32 weights.
    dict(name="sd15_tiny", latent=(8, 8), timestep=50, dtype="fp32", layout="pipeline",
         config=dict(BASE, block_out_channels=[8, 8, 16, 16], norm_num_groups=4, attention_head_dim=2,
                     cross_attention_dim=24, use_linear_projection=False)),
    # SD-2.1 style: Linear projections, per-block head list, upcast_attention; fp16 variant file.
    dict(name="sd21_tiny_fp16", latent=(16, 16), timestep=999, dtype="fp16", layout="pipeline",
         config=dict(BASE, block_out_channels=[16, 16, 32, 32], norm_num_groups=4,
                     attention_head_dim=[1, 2, 4, 4], cross_attention_dim=40, use_linear_projection=True,
                     upcast_attention=True)),
    # Non-square latent whose downsampled sides become odd (12x20 -> 6x10 -> 3x5 -> 2x3); bf16 weights;
    # a flat folder holding config.json + the weights directly.
    dict(name="nonsquare_bf16", latent=(12, 20), timestep=0, dtype="bf16", layout="flat",
         config=dict(BASE, block_out_channels=[8, 16, 16, 16], norm_num_groups=4, attention_head_dim=[1, 2, 2, 2],
                     cross_attention_dim=24, use_linear_projection=False)),
]


def positions(unet):
    """Every hookable position name normlab supports, mapped to its module."""
    out = {"conv_in": unet.conv_in, "mid_block": unet.mid_block, "conv_out": unet.conv_out}
    for kind, blocks in (("down_blocks", unet.down_blocks), ("up_blocks", unet.up_blocks)):
        for i, block in enumerate(blocks):
            out[f"{kind}[{i}]"] = block
            for sub in ("resnets", "attentions", "downsamplers", "upsamplers"):
                for j, m in enumerate(getattr(block, sub, None) or []):
                    out[f"{kind}[{i}].{sub}[{j}]"] = m
    for sub in ("resnets", "attentions"):
        for j, m in enumerate(getattr(unet.mid_block, sub)):
            out[f"mid_block.{sub}[{j}]"] = m
    return out


def perturb(unet, seed):
    """Random, non-trivial values for every parameter (norm gains off 1, biases off 0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in unet.named_parameters():
            if p.ndim == 1:
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.2 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)


def run(unet, latent, t, ctx, dtype):
    unet = unet.to(dtype)
    captured = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: captured.__setitem__(n, (o[0] if isinstance(o, tuple) else o).detach().clone()))
             for n, m in positions(unet).items()]
    with torch.no_grad():
        unet(latent.to(dtype), torch.tensor(t, dtype=torch.int64), encoder_hidden_states=ctx.to(dtype))
    for h in hooks:
        h.remove()
    return captured


def make(fx, seed):
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(**fx["config"]).eval()
    perturb(unet, seed)
    # Round the weights to the stored dtype first so that the reference sees exactly the file's values.
    store_dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[fx["dtype"]]
    unet = unet.to(store_dtype).to(torch.float32)
    h, w = fx["latent"]
    g = torch.Generator().manual_seed(seed + 1)
    latent = torch.randn((1, 4, h, w), generator=g)
    ctx = torch.randn((1, 77, fx["config"]["cross_attention_dim"]), generator=g)

    ref = run(unet, latent, fx["timestep"], ctx, torch.float32)
    ref64 = run(unet, latent, fx["timestep"], ctx, torch.float64)
    for k, v in ref.items():
        rel = (v.double() - ref64[k]).abs().max().item() / ref64[k].abs().max().item()
        assert rel < 1e-5, f"{fx['name']} {k}: float32 reference is off float64 by {rel:.2e}"

    d = os.path.join(OUT, fx["name"])
    shutil.rmtree(d, ignore_errors=True)
    wdir = os.path.join(d, "unet") if fx["layout"] == "pipeline" else d
    os.makedirs(wdir)
    unet.to(store_dtype).save_pretrained(wdir, variant="fp16" if fx["dtype"] == "fp16" else None)
    unet.to(torch.float32)
    np.save(os.path.join(d, "latent.npy"), latent.numpy())
    np.save(os.path.join(d, "context.npy"), ctx.numpy())
    save_file({k: v.contiguous() for k, v in ref.items()}, os.path.join(d, "expected.safetensors"))
    with open(os.path.join(d, "fixture.json"), "w") as f:
        json.dump({"timestep": fx["timestep"], "weights": fx["dtype"], "layout": fx["layout"],
                   "positions": sorted(ref), "torch": torch.__version__,
                   "generator": "Tests/FixtureGenerators/make_unet_fixtures.py"}, f, indent=1)
    print(f"{fx['name']}: {len(ref)} positions, up_blocks[1] {tuple(ref['up_blocks[1]'].shape)}")


if __name__ == "__main__":
    logging.getLogger("diffusers").setLevel(logging.ERROR)
    torch.set_num_threads(2)
    for i, fx in enumerate(FIXTURES):
        make(fx, seed=100 + i)
    sys.exit(0)
