#!/usr/bin/env python3
"""A full-size SD-1.5 pipeline folder with seeded random weights (fp16 safetensors, ~2.1 GB) for timing
normlab extract at the real model size: diffusers UNet2DConditionModel and AutoencoderKL, transformers
CLIPTextModel, each built from the configs in ../shared/configs after torch.manual_seed(0); the DDPM
scheduler config; the SD-1.5 tokenizer files from the test fixtures.

  /work/refenv/bin/python Tests/Benchmarks/make_bench_pipeline.py --configs ../shared/configs --out /tmp/normlab-bench/sd15
"""
import argparse
import os
import shutil

import torch
from bench_common import random_model
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

ap = argparse.ArgumentParser()
ap.add_argument("--configs", required=True)
ap.add_argument("--out", required=True)
a = ap.parse_args()
cfg = os.path.abspath(a.configs)
torch.set_num_threads(2)
unet = random_model(UNet2DConditionModel, os.path.join(cfg, "sd15_unet"), seed=0)
unet.half().save_pretrained(os.path.join(a.out, "unet"), safe_serialization=True)
del unet
vae = random_model(AutoencoderKL, os.path.join(cfg, "sd_vae"), seed=0)
vae.half().save_pretrained(os.path.join(a.out, "vae"), safe_serialization=True)
del vae
torch.manual_seed(0)
text = CLIPTextModel(CLIPTextConfig.from_json_file(os.path.join(cfg, "sd15_text_encoder", "config.json")))
text.half().save_pretrained(os.path.join(a.out, "text_encoder"), safe_serialization=True)
DDPMScheduler.from_config(DDPMScheduler.load_config(os.path.join(cfg, "sd_scheduler_ddpm"))).save_pretrained(os.path.join(a.out, "scheduler"))
tok = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "InferenceTests", "Fixtures", "tokenizer", "sd15")
os.makedirs(os.path.join(a.out, "tokenizer"), exist_ok=True)
for f in os.listdir(tok):
    shutil.copy(os.path.join(tok, f), os.path.join(a.out, "tokenizer", f))
print("wrote", a.out)
