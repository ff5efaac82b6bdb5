#!/usr/bin/env python3
"""Golden end-to-end fixtures for `normlab represent`: tiny random SD pipelines (U-Net, VAE, CLIP text
encoder with the real 49408-token vocabulary, scheduler), images, and the representations that
sdhelper's `img2repr` steps give on CPU with diffusers (docs/reference-pipeline.md §1): weights loaded as
float16, pixels/255 in channels_last, `latent_dist.sample()` after `manual_seed`, noise from
`randn_like` of the channels_last latents, DDIM add_noise, `scale_model_input`, hooks.

    ../refenv/bin/python Tests/FixtureGenerators/make_pipeline_fixtures.py
Needs the tokenizer fixture (make_tokenizer_fixtures.py) and the photos (make_photo_fixtures.py) first; the pipeline folders get no copy of it:
the tests link Tests/InferenceTests/Fixtures/tokenizer/<sd15|sd21> in as tokenizer/.
"""
import json
import logging
import os
import shutil

import numpy as np
import torch
from diffusers import AutoencoderKL, DDIMScheduler, EulerDiscreteScheduler, PNDMScheduler, UNet2DConditionModel
from PIL import Image
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

HERE = os.path.dirname(__file__)
FIX = os.path.join(HERE, "..", "InferenceTests", "Fixtures")
OUT = os.path.join(FIX, "pipeline")
SCHED = json.load(open(os.path.join(HERE, "..", "..", "..", "shared", "configs", "sd_scheduler_ddpm", "scheduler_config.json")))
POSITIONS = ["conv_in", "down_blocks[1]", "mid_block", "up_blocks[1]"]


def perturb(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p[0].numel() ** 0.5)


def build(name, act, scheduler_cls, tok_dir, seed):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    torch.manual_seed(seed)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=8, intermediate_size=16, num_attention_heads=2,
                                        num_hidden_layers=2, max_position_embeddings=77, hidden_act=act)).eval()
    perturb(text, seed)
    text.to(torch.float16).save_pretrained(os.path.join(d, "text_encoder"), variant="fp16")
    vae = AutoencoderKL(down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                        block_out_channels=[8, 16, 16, 16], layers_per_block=2, latent_channels=4, norm_num_groups=4,
                        scaling_factor=0.18215).eval()
    perturb(vae, seed + 1)
    vae.save_pretrained(os.path.join(d, "vae"))
    unet = UNet2DConditionModel(sample_size=8, block_out_channels=[8, 8, 16, 16], norm_num_groups=4, layers_per_block=2,
                                attention_head_dim=2, cross_attention_dim=8,
                                down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
                                up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3).eval()
    perturb(unet, seed + 2)
    # fp32 U-Net file for SD-1.5 (normlab must round it to fp16 like sdhelper); the fp16 variant for Turbo.
    if act == "gelu":
        unet.to(torch.float16).save_pretrained(os.path.join(d, "unet"), variant="fp16")
    else:
        unet.save_pretrained(os.path.join(d, "unet"))
    scheduler_cls.from_config(SCHED).save_pretrained(os.path.join(d, "scheduler"))
    return d


def load(d, tok_dir):
    """As sdhelper: every component in float16, then cast to float32 (CPU)."""
    f16 = torch.float16
    text = CLIPTextModel.from_pretrained(os.path.join(d, "text_encoder"), variant="fp16", torch_dtype=f16).float().eval()
    vae = AutoencoderKL.from_pretrained(os.path.join(d, "vae"), torch_dtype=f16).float().eval()
    variant = "fp16" if os.path.exists(os.path.join(d, "unet", "diffusion_pytorch_model.fp16.safetensors")) else None
    unet = UNet2DConditionModel.from_pretrained(os.path.join(d, "unet"), torch_dtype=f16, variant=variant).float().eval()
    cls = json.load(open(os.path.join(d, "scheduler", "scheduler_config.json")))["_class_name"]
    sched = {"PNDMScheduler": PNDMScheduler, "EulerDiscreteScheduler": EulerDiscreteScheduler}[cls].from_pretrained(os.path.join(d, "scheduler"))
    return text, vae, unet, sched, CLIPTokenizer.from_pretrained(tok_dir)


def img2repr(parts, images, prompt, seed=42, step=50):
    text, vae, unet, sched, tok = parts
    ddim = DDIMScheduler.from_config(sched.config)
    captured = {}
    hooks = []
    for p in POSITIONS:
        mod = unet
        for piece in p.replace("]", "").split("."):
            name, _, idx = piece.partition("[")
            mod = getattr(mod, name)
            if idx:
                mod = mod[int(idx)]
        hooks.append(mod.register_forward_hook(lambda m, i, o, p=p: captured.__setitem__(p, (o[0] if isinstance(o, tuple) else o).detach().clone())))
    with torch.no_grad():
        torch.manual_seed(seed)
        x = torch.tensor(np.array([np.asarray(i) for i in images]), dtype=torch.float32).permute(0, 3, 1, 2) / 255.0
        latents = vae.encode(x).latent_dist.sample() * vae.config.scaling_factor
        assert not latents.is_contiguous(), "expected channels_last latents (docs/reference-pipeline.md §1.5)"
        noise = torch.randn_like(latents[None, 0]).expand(latents.shape)
        t = torch.tensor(step, dtype=torch.int64)
        x_t = ddim.add_noise(latents, noise, t)
        x_in = sched.scale_model_input(x_t, t)
        ids = tok([prompt] * len(images), padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
        emb = text(ids)[0]
        unet(x_in, t, encoder_hidden_states=emb)
    for h in hooks:
        h.remove()
    return captured


def save(d, tag, captured):
    for p, v in captured.items():
        np.save(os.path.join(d, "expected", f"{tag}__{p}.npy"), v.numpy())


def images():
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:32, 0:32]
    base = np.stack([xx * 7, yy * 5, (xx * yy) % 256], -1).astype(np.int64)
    imgs = [np.clip(base + rng.integers(-60, 60, base.shape), 0, 255).astype(np.uint8) for _ in range(3)]
    return [Image.fromarray(a, "RGB") for a in imgs]


def paper_square(img):
    """The paper's dataset-script centre crop, s = min(w, h)."""
    w, h = img.size
    s = min(w, h)
    return img.crop((w // 2 - s // 2, h // 2 - s // 2, w // 2 + s // 2, h // 2 + s // 2))


def photos(img_dir):
    """Real photographs (make_photo_fixtures.py), prepared as sdhelper does: convert('RGB'), then
    the optional centre crop and `img.resize((n, n))` (Pillow's default BICUBIC)."""
    def load(name):
        return Image.open(os.path.join(img_dir, name)).convert("RGB")
    return {
        "rocket_jpeg": load("rocket_64x48.jpg"),                            # JPEG, native 64x48
        "camera_resize32": load("camera_120x90.png").resize((32, 32)),       # grayscale, --resize 32
        "chelsea_crop_resize32": paper_square(load("chelsea_75x50.png")).resize((32, 32)),  # --center-crop --resize 32
    }


def main():
    logging.getLogger("diffusers").setLevel(logging.ERROR)
    logging.getLogger("transformers").setLevel(logging.ERROR)
    torch.set_num_threads(2)
    ims = images()
    img_dir = os.path.join(OUT, "images")
    os.makedirs(img_dir, exist_ok=True)
    for i, im in enumerate(ims):
        im.save(os.path.join(img_dir, f"img{i}.png"))
    # A grayscale, non-square image (24x40) to exercise convert('RGB') and a non-square latent.
    gray = Image.fromarray(np.asarray(ims[0])[4:28, :, :].mean(-1).astype(np.uint8).repeat(2, 1)[:, :40], "L")
    gray.save(os.path.join(img_dir, "gray_24x40.png"))
    for name, act, cls, tok in (("sd15_tiny", "quick_gelu", PNDMScheduler, "sd15"), ("turbo_tiny", "gelu", EulerDiscreteScheduler, "sd21")):
        d = build(name, act, cls, tok, seed=200 if act == "quick_gelu" else 300)
        if cls is EulerDiscreteScheduler:
            cfg = json.load(open(os.path.join(d, "scheduler", "scheduler_config.json")))
            cfg["timestep_spacing"] = "trailing"
            json.dump(cfg, open(os.path.join(d, "scheduler", "scheduler_config.json"), "w"), indent=1)
        tok_dir = os.path.join(FIX, "tokenizer", tok)
        if tok == "sd21":   # the SD-2.1 folder holds only its special tokens; borrow the vocabulary
            tmp = "/tmp/normlab_tok_sd21"
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(tok_dir, tmp)
            for f in ("vocab.json", "merges.txt"):
                shutil.copy(os.path.join(FIX, "tokenizer", "sd15", f), tmp)
            tok_dir = tmp
        parts = load(d, tok_dir)
        os.makedirs(os.path.join(d, "expected"))
        save(d, "img0_empty", img2repr(parts, [ims[0]], ""))
        save(d, "img0_cat", img2repr(parts, [ims[0]], "a photo of a cat!"))
        save(d, "gray_empty", img2repr(parts, [gray.convert("RGB")], ""))
        save(d, "batch3_empty", img2repr(parts, ims, ""))
        for tag, photo in photos(img_dir).items():
            save(d, f"{tag}_empty", img2repr(parts, [photo], ""))
        print(name, "done")


if __name__ == "__main__":
    main()
