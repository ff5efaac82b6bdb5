#!/usr/bin/env python3
"""torch.randn golden values for normlab's TorchGenerator tests, straight from torch on CPU.

    ../refenv/bin/python Tests/FixtureGenerators/make_rng_fixtures.py
Writes Tests/InferenceTests/Fixtures/rng/*.npy: for each seed and shape, `randn_<seed>_<n>.npy` is
torch.manual_seed(seed); torch.randn(n). `sdhelper_<seed>.npy` stacks sdhelper's two draws:
randn(1,4,16,16) (VAE sample, vector path) then randn_like of a channels_last (1,4,16,16) tensor
(the noise, scalar path), the latter in NCHW index order.
"""
import os

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "InferenceTests", "Fixtures", "rng")
os.makedirs(OUT, exist_ok=True)
assert torch.backends.cpu.get_cpu_capability() != "DEFAULT", "generate on an AVX2/AVX-512 machine"
for seed in (0, 42, 1234567, 2**32 - 1):
    for n in (3, 10, 15, 16, 37, 1000, 4096):
        torch.manual_seed(seed)
        np.save(os.path.join(OUT, f"randn_{seed}_{n}.npy"), torch.randn(n).numpy())
    torch.manual_seed(seed)
    a = torch.randn(1, 4, 16, 16)
    like = torch.empty(1, 16, 16, 4).permute(0, 3, 1, 2)
    b = torch.randn_like(like)
    assert not b.is_contiguous()
    np.save(os.path.join(OUT, f"sdhelper_{seed}.npy"), np.stack([a.numpy(), b.contiguous().numpy()]))
# Scalar-path cache across calls: randn(3) twice.
torch.manual_seed(0)
np.save(os.path.join(OUT, "randn_0_3_twice.npy"), torch.cat([torch.randn(3), torch.randn(3)]).numpy())
print("wrote", len(os.listdir(OUT)), "files")
