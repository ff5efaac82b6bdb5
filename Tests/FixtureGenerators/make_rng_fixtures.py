#!/usr/bin/env python3
"""torch.randn golden values for normlab's TorchGenerator tests, straight from torch on CPU.

    ../refenv/bin/python Tests/FixtureGenerators/make_rng_fixtures.py
Writes Tests/InferenceTests/Fixtures/rng/*.npy: for each seed and shape, `randn_<seed>_<n>.npy` is
torch.manual_seed(seed); torch.randn(n). `sdhelper_<seed>.npy` stacks sdhelper's two draws:
randn(1,4,16,16) (VAE sample, vector path) then randn_like of a channels_last (1,4,16,16) tensor
(the noise, scalar path), the latter in NCHW index order.
`linear_<seed>_<in>_<out>.npy` is nn.Linear(in, out)'s default initialisation after manual_seed(seed)
(weight then bias, flattened: kaiming_uniform_ and uniform_), `randperm_<seed>_<n>.npy` is
torch.randperm(n) (int64), and `probe_stream_42.npy` the draws of two probe layers in a row: Linear(5, 8),
randperm(300) twice, Linear(3, 4), randperm(77) twice (float32, permutations as numbers).
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
# uniform_ (through nn.Linear's initialisation, as the positional probe draws it) and randperm.
for seed in (0, 42, 2**32 - 1):
    for fan_in, fan_out in ((1, 3), (7, 5), (320, 128), (1280, 16)):
        torch.manual_seed(seed)
        lin = torch.nn.Linear(fan_in, fan_out)
        both = torch.cat([lin.weight.detach().flatten(), lin.bias.detach()])
        np.save(os.path.join(OUT, f"linear_{seed}_{fan_in}_{fan_out}.npy"), both.numpy())
    for n in (1, 2, 17, 1000, 20000):
        torch.manual_seed(seed)
        np.save(os.path.join(OUT, f"randperm_{seed}_{n}.npy"), torch.randperm(n).numpy())
torch.manual_seed(42)
stream = []
for fan_in, fan_out, n in ((5, 8, 300), (3, 4, 77)):
    lin = torch.nn.Linear(fan_in, fan_out)
    stream += [lin.weight.detach().flatten().float(), lin.bias.detach().float()]
    stream += [torch.randperm(n).float() for _ in range(2)]
np.save(os.path.join(OUT, "probe_stream_42.npy"), torch.cat(stream).numpy())
print("wrote", len(os.listdir(OUT)), "files")
