#!/usr/bin/env python3
"""Golden CLIP text-encoder fixtures: tiny random CLIPTextModel's (quick_gelu like SD-1.5, gelu like
SD-2.1) from transformers on CPU; expected `last_hidden_state` for fixed token ids.
One is re-saved with Hub-style `text_model.` names (transformers 5 writes them without the prefix).

    ../refenv/bin/python Tests/FixtureGenerators/make_clip_fixtures.py
"""
import os
import shutil

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import CLIPTextConfig, CLIPTextModel

OUT = os.path.join(os.path.dirname(__file__), "..", "InferenceTests", "Fixtures", "clip")


def make(name, act, layers, hub_prefix, seed):
    torch.manual_seed(seed)
    cfg = CLIPTextConfig(vocab_size=1000, hidden_size=32, intermediate_size=64, num_attention_heads=4,
                         num_hidden_layers=layers, max_position_embeddings=77, hidden_act=act)
    model = CLIPTextModel(cfg).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if p.ndim == 1:
                p.copy_((1.0 if pname.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[-1] ** 0.5)
    ids = torch.tensor([[998, 5, 17, 300, 999] + [999] * 72, [998, 999] + [0] * 75])
    with torch.no_grad():
        out = model(ids).last_hidden_state
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(os.path.join(d, "text_encoder"))
    if hub_prefix:
        f = os.path.join(d, "text_encoder", "model.safetensors")
        save_file({("text_model." + k if not k.startswith("text_model.") else k): v for k, v in load_file(f).items()}, f)
    np.save(os.path.join(d, "ids.npy"), ids.numpy())
    np.save(os.path.join(d, "last_hidden_state.npy"), out.numpy())
    print(name, tuple(out.shape))


if __name__ == "__main__":
    make("quick_gelu", "quick_gelu", 2, hub_prefix=True, seed=11)
    make("gelu", "gelu", 3, hub_prefix=False, seed=12)
