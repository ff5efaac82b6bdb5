#!/usr/bin/env python3
"""Scheduler goldens from diffusers: DDIMScheduler alphas_cumprod for the SD config, add_noise at
several timesteps, and EulerDiscreteScheduler's scale_model_input divisor on a fresh scheduler.

    ../refenv/bin/python Tests/FixtureGenerators/make_scheduler_fixtures.py
"""
import json
import os

import numpy as np
import torch
from diffusers import DDIMScheduler, EulerDiscreteScheduler

HERE = os.path.dirname(__file__)
OUT = os.path.join(HERE, "..", "InferenceTests", "Fixtures", "scheduler")
os.makedirs(OUT, exist_ok=True)
cfg = json.load(open(os.path.join(HERE, "..", "..", "..", "shared", "configs", "sd_scheduler_ddpm", "scheduler_config.json")))
json.dump(cfg, open(os.path.join(OUT, "scheduler_config.json"), "w"), indent=1)
ddim = DDIMScheduler.from_config(cfg)
np.save(os.path.join(OUT, "alphas_cumprod.npy"), ddim.alphas_cumprod.numpy().astype(np.float32))
g = torch.Generator().manual_seed(0)
x, noise = torch.randn(64, generator=g), torch.randn(64, generator=g)
rows = [ddim.add_noise(x, noise, torch.tensor([t])).numpy() for t in (0, 50, 500, 999)]
np.save(os.path.join(OUT, "add_noise_inputs.npy"), np.stack([x.numpy(), noise.numpy()]))
np.save(os.path.join(OUT, "add_noise_0_50_500_999.npy"), np.stack(rows))
scales = []
for t in (0, 50, 500, 999):
    euler = EulerDiscreteScheduler.from_config(cfg, timestep_spacing="trailing")
    one = torch.ones(1)
    scales.append(float(euler.scale_model_input(one, torch.tensor(float(t))).item()))  # = 1 / divisor
np.save(os.path.join(OUT, "euler_scaled_one_0_50_500_999.npy"), np.array(scales, np.float32))
print("ok", scales)
