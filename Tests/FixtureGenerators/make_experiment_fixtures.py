#!/usr/bin/env python3
"""Golden fixtures for `normlab experiments run`: the paper's own experiment functions
(`run_experiments.py` of github.com/JonasLoos/sd-representation-anomalies) run through sdhelper 1.0.0's
`SD` class on CPU, on the tiny random-weight SD-1.5-style pipeline of make_pipeline_fixtures.py and five
real photographs.

    ../refenv/bin/python Tests/FixtureGenerators/make_experiment_fixtures.py RUN_EXPERIMENTS_PY

RUN_EXPERIMENTS_PY is the paper repository's run_experiments.py (e.g. `git show HEAD:run_experiments.py`
of a clone); sdhelper must be importable (`pip install --no-deps sdhelper==1.0.0`).

The model folder is loaded by sdhelper's own `SD(path, device='cpu')` (AutoPipelineForText2Image in
float16, then float32). What is patched, and why:
- `datasets` and `matplotlib.pyplot` are stubbed in sys.modules: run_experiments.py imports them for its
  `main()` and never uses them in the experiment functions (the images are passed in directly).
- `Tensor.cuda` / `Module.cuda` return the object unchanged: `run_position_estimation` moves everything to
  CUDA; on CPU its random stream (manual_seed(42), nn.Linear init, randperm per epoch) is the CPU one.
- `SD.img2repr` gets `batch_size=2` instead of its default 20, so five images make three batches and the
  per-batch reseeding is exercised (`normlab experiments run --batch-size 2`).
Nothing in the numbers is patched.

Photos: scikit-image 0.26 sample data (coffee, chelsea, camera, astronaut CC0 or public domain; rocket
public domain), each the paper's centred square crop resized to 256×256 with Pillow's bicubic resize, as
`dataset add --center-crop-resize 256` would; 256 makes the smallest map of the tiny U-Net 4×4, whose
cropped maps have empty border and inner groups.

Writes Tests/InferenceTests/Fixtures/experiments/ (beside the pipeline it runs): images/, labels.npy (up_blocks[1] patch labels
(image, x, y)), positions.txt, anomaly_norms.npy (L, M) float64, anomaly_norms_mean.npy,
anomaly_norms_std.npy, group_similarities.npy (L, 2, 3, 3) float32 (the reference's counting),
group_means.npy (the same with plain means over distinct pairs, computed here with NumPy from sdhelper's
similarity maps by brute force) and accuracies_cls.npy (L, 5, 4) float32.

Point labels: the paper's code has no point-label path, so point_labels.npy (image, x, y) on the conv_in grid
and anomaly_norms_points.npy (+ _mean, _std) are computed here with NumPy from sdhelper's representations, by
the region formula of `run_anomaly_analysis` with the conv_in grid in place of up_blocks[1]'s.

one_block_unet/: a U-Net with a single down and up block (so no up_blocks[1]), diffusers' default random
initialisation, for the refusal test; the tests pair it with the tiny pipeline's other parts.
"""
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import types

import numpy as np
import torch
import torch.nn as nn
from diffusers import UNet2DConditionModel
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..")
PIPE = os.path.join(TESTS, "InferenceTests", "Fixtures", "pipeline", "sd15_tiny")
TOK = os.path.join(TESTS, "InferenceTests", "Fixtures", "tokenizer", "sd15")
OUT = os.path.join(TESTS, "InferenceTests", "Fixtures", "experiments")
SIZE = 256
BATCH = 2


def model_folder():
    """The tiny pipeline as a diffusers folder sdhelper can load by path (model_index.json, tokenizer)."""
    d = tempfile.mkdtemp(prefix="normlab_exp_model_")
    for part in ("unet", "vae", "scheduler"):
        shutil.copytree(os.path.join(PIPE, part), os.path.join(d, part))
    os.makedirs(os.path.join(d, "text_encoder"))
    shutil.copy(os.path.join(PIPE, "text_encoder", "config.json"), os.path.join(d, "text_encoder"))
    shutil.copy(os.path.join(PIPE, "text_encoder", "model.fp16.safetensors"), os.path.join(d, "text_encoder", "model.safetensors"))
    shutil.copytree(TOK, os.path.join(d, "tokenizer"))
    index = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
             "feature_extractor": [None, None], "safety_checker": [None, None], "image_encoder": [None, None],
             "requires_safety_checker": False, "scheduler": ["diffusers", "PNDMScheduler"],
             "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
             "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]}
    json.dump(index, open(os.path.join(d, "model_index.json"), "w"))
    return d


def paper_square(img):
    w, h = img.size
    s = min(w, h)
    return img.crop((w // 2 - s // 2, h // 2 - s // 2, w // 2 + s // 2, h // 2 + s // 2))


def photos():
    import skimage.data as data
    names = ["coffee", "chelsea", "camera", "astronaut", "rocket"]
    os.makedirs(os.path.join(OUT, "images"), exist_ok=True)
    images = []
    for i, name in enumerate(names):
        a = getattr(data, name)()
        img = paper_square(Image.fromarray(a).convert("RGB")).resize((SIZE, SIZE))
        img.save(os.path.join(OUT, "images", f"{i}_{name}.png"))
        images.append(Image.open(os.path.join(OUT, "images", f"{i}_{name}.png")).convert("RGB"))
    return images


def load_reference(path):
    import sdhelper  # noqa: F401  (imports diffusers/transformers before the stubs exist: they probe for matplotlib)
    stubs = {"datasets": types.SimpleNamespace(load_from_disk=None), "matplotlib": types.ModuleType("matplotlib"),
             "matplotlib.pyplot": types.ModuleType("matplotlib.pyplot")}
    sys.modules.update(stubs)
    spec = importlib.util.spec_from_file_location("run_experiments", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in stubs:
        del sys.modules[name]
    return mod


def labels(images, sd, blocks):
    """Patch labels on the up_blocks[1] grid: each image's highest-norm token there, plus grid corners and
    edges (regions cut off by the map border) and a few random ones."""
    reps = sd.img2repr(images, ["up_blocks[1].upsamplers[0]"], 50, seed=42)
    rows = []
    for i, r in enumerate(reps):
        norms = r["up_blocks[1].upsamplers[0]"][0].float().norm(dim=0)
        y, x = divmod(int(norms.argmax()), norms.shape[1])
        rows.append((i, x, y))
    n = reps[0]["up_blocks[1].upsamplers[0]"].shape[-1]
    rows += [(0, 0, 0), (1, n - 1, n - 1), (2, n - 1, 3), (3, 5, n - 1), (4, 0, n // 2)]
    rng = np.random.default_rng(14)
    rows += [(int(rng.integers(0, len(images))), int(rng.integers(0, n)), int(rng.integers(0, n))) for _ in range(7)]
    return np.array(rows, dtype=np.int64)


def plain_means(sd, images, block):
    """Mean cosine between token groups over distinct pairs, brute force over sdhelper's similarity maps."""
    w, h = images[0].size
    reps = sd.img2repr(images, extract_positions=[block], step=50, seed=42)
    t = w // reps[0][block].shape[-1]
    cropped = sd.img2repr([img.crop((t, t, w - t, h - t)) for img in images], extract_positions=[block], step=50, seed=42)
    full = torch.stack([x.cosine_similarity(x) for x in reps]).double().numpy()
    maps = [torch.stack([x.cosine_similarity(x) for x in cropped]).double().numpy(), full[:, 1:-1, 1:-1, 1:-1, 1:-1]]
    out = np.zeros((2, 3, 3))
    for k, m in enumerate(maps):
        hh, ww = m.shape[1], m.shape[2]
        group = np.full((hh, ww), 2)
        group[0, :] = group[-1, :] = group[:, 0] = group[:, -1] = 1
        for y in (0, hh - 1):
            for x in (0, ww - 1):
                group[y, x] = 0
        g = group.reshape(-1)
        flat = m.reshape(len(m), hh * ww, hh * ww)
        distinct = ~np.eye(hh * ww, dtype=bool)
        for a in range(3):
            for b in range(3):
                mask = np.outer(g == a, g == b) & distinct
                out[k, a, b] = flat[:, mask].mean() if mask.any() else np.nan
    return out


def point_labels(reps):
    """Point labels on the conv_in grid: each image's highest-norm conv_in token, grid corners and edges, and
    a few random ones."""
    rows = []
    for i, r in enumerate(reps):
        norms = r["conv_in"][0].float().norm(dim=0)
        y, x = divmod(int(norms.argmax()), norms.shape[1])
        rows.append((i, x, y))
    n = reps[0]["conv_in"].shape[-1]
    rows += [(0, 0, 0), (1, n - 1, n - 1), (2, n - 1, 7), (3, 11, n - 1), (4, 0, n // 2)]
    rng = np.random.default_rng(41)
    rows += [(int(rng.integers(0, len(reps))), int(rng.integers(0, n)), int(rng.integers(0, n))) for _ in range(7)]
    return np.array(rows, dtype=np.int64)


def point_norms(reps, blocks, rows):
    """`run_anomaly_analysis`'s region formula with the conv_in grid as the reference grid, in NumPy."""
    h_ref = reps[0]["conv_in"].shape[2]
    out = np.zeros((len(blocks), len(rows)))
    for j, (img, x, y) in enumerate(rows.tolist()):
        for i, block in enumerate(blocks):
            r = reps[img][block][0].to(torch.float32).numpy().astype(np.float64)
            norms = np.sqrt((r * r).sum(axis=0))
            s = norms.shape[0] / h_ref
            ys, xs, offset = int(y * s), int(x * s), max(1, int(2 * s))
            out[i, j] = norms[ys:ys + offset, xs:xs + offset].mean() / norms.mean()
    return out


def one_block_unet():
    torch.manual_seed(7)
    unet = UNet2DConditionModel(sample_size=8, block_out_channels=[8], norm_num_groups=4, layers_per_block=1,
                                attention_head_dim=2, cross_attention_dim=8, down_block_types=["CrossAttnDownBlock2D"],
                                up_block_types=["CrossAttnUpBlock2D"]).eval()
    unet.save_pretrained(os.path.join(OUT, "one_block_unet"))


def main():
    ref = load_reference(sys.argv[1])
    from sdhelper import SD
    torch.set_num_threads(2)
    nn.Module.cuda = lambda self, *a, **k: self
    torch.Tensor.cuda = lambda self, *a, **k: self
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    images = photos()
    sd = SD(model_folder(), device="cpu", disable_progress_bar=True)
    original = sd.img2repr
    sd.img2repr = lambda *a, **k: original(*a, **{**k, "batch_size": BATCH})
    blocks = [b for bl in ref.sd15_all_blocks.values() for b in bl]
    with open(os.path.join(OUT, "positions.txt"), "w") as f:
        f.write("".join(b + "\n" for b in blocks))
    work = tempfile.mkdtemp(prefix="normlab_exp_work_")
    os.chdir(work)
    os.makedirs("labeler")
    lab = labels(images, sd, blocks)
    np.save(os.path.join(OUT, "labels.npy"), lab)
    np.save("labeler/high_norm_anomalies_tiny.npy", lab)

    norms, _ = ref.run_anomaly_analysis("tiny", blocks, images, sd)
    np.save(os.path.join(OUT, "anomaly_norms.npy"), norms.astype(np.float64))
    np.save(os.path.join(OUT, "anomaly_norms_mean.npy"), torch.load("data/up1_anomaly_norms_mean_tiny.pt", weights_only=False).astype(np.float64))
    np.save(os.path.join(OUT, "anomaly_norms_std.npy"), torch.load("data/up1_anomaly_norms_std_tiny.pt", weights_only=False).astype(np.float64))

    groups = ref.run_token_group_similarities("tiny", blocks, images, sd)
    sims = np.stack([np.stack([groups[b][0].numpy(), groups[b][1].numpy()]) for b in blocks]).astype(np.float32)
    np.save(os.path.join(OUT, "group_similarities.npy"), sims)
    np.save(os.path.join(OUT, "group_means.npy"), np.stack([plain_means(sd, images, b) for b in blocks]).astype(np.float32))

    representations = sd.img2repr(images, blocks, 50, seed=42)
    acc = ref.run_position_estimation("tiny", blocks, representations)
    np.save(os.path.join(OUT, "accuracies_cls.npy"), acc.numpy().astype(np.float32))

    points = point_labels(representations)
    np.save(os.path.join(OUT, "point_labels.npy"), points)
    pn = point_norms(representations, blocks, points)
    np.save(os.path.join(OUT, "anomaly_norms_points.npy"), pn)
    np.save(os.path.join(OUT, "anomaly_norms_points_mean.npy"), pn.mean(axis=1))
    np.save(os.path.join(OUT, "anomaly_norms_points_std.npy"), pn.std(axis=1))
    one_block_unet()
    print("wrote", OUT, "labels", lab.shape, "sims", sims.shape, "acc", tuple(acc.shape))


if __name__ == "__main__":
    main()
