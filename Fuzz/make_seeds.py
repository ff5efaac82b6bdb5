"""Writes the generated part of the fuzz seed corpora (Fuzz/corpus/<target>/gen-*): small valid
inputs of each format made by the reference libraries (numpy, safetensors, Pillow), plus copies of
repository fixtures. Run from the repository root:  ../refenv/bin/python Fuzz/make_seeds.py
"""
import io
import json
import os
import shutil
import struct

import numpy as np
from PIL import Image
from safetensors.numpy import save

C = "Fuzz/corpus"


def put(target, name, data):
    os.makedirs(f"{C}/{target}", exist_ok=True)
    with open(f"{C}/{target}/{name}", "wb") as f:
        f.write(data)


def npy(a, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, a)
    else:
        np.lib.format.write_array(buf, a, version=version)
    return buf.getvalue()


def copy(target, path, name=None):
    os.makedirs(f"{C}/{target}", exist_ok=True)
    shutil.copy(path, f"{C}/{target}/{name or os.path.basename(path)}")


rng = np.random.default_rng(0)
# .npy: every dtype normlab reads, several ranks, format versions 1, 2 and 3.
for i, a in enumerate([np.zeros((0, 3), np.int64), np.arange(12, dtype=np.int64).reshape(4, 3),
                       rng.standard_normal((2, 3, 4)).astype(np.float32), np.float32(1.5),
                       rng.standard_normal(5).astype(np.float16), rng.standard_normal((1, 2)),
                       np.arange(6, dtype=np.int32), np.arange(4, dtype=np.uint8)]):
    put("npy", f"gen-{i}.npy", npy(a))
put("npy", "gen-v2.npy", npy(np.ones((2, 2), np.float32), version=(2, 0)))
put("npy", "gen-v3.npy", npy(np.ones((2, 3), np.int64), version=(3, 0)))
# Label files: int64 (N, 3) rows (image, x, y), and the notebook's empty float64 (0,).
put("labels-npy", "gen-labels.npy", npy(np.array([[0, 2, 4], [1, 10, 30], [3, 0, 0]], np.int64)))
put("labels-npy", "gen-empty-f64.npy", npy(np.zeros((0,), np.float64)))
put("labels-npy", "gen-labels-v3.npy", npy(np.array([[0, 2, 4]], np.int64), version=(3, 0)))
copy("labels-npy", "Tests/LabelStoreTests/Fixtures/high_norm_anomalies_sd15.npy")
# The original labeler's norm_XXXX.json files.
for i, v in enumerate([[], [{"x": 8, "y": 30}], [{"x": 0, "y": 0}, {"x": 62, "y": 62, "extra": True}]]):
    put("labels-json", f"gen-{i}.json", json.dumps(v).encode())
# Feature files (N, C, H, W), float16 and float32.
put("features-npy", "gen-f16.npy", npy(rng.standard_normal((2, 3, 4, 4)).astype(np.float16)))
put("features-npy", "gen-f32.npy", npy(rng.standard_normal((1, 2, 3, 5)).astype(np.float32)))
# safetensors: F32, F16, BF16-as-raw and an integer tensor, with metadata.
put("safetensors", "gen-0.safetensors", save({"a": np.ones((2, 3), np.float32), "b": np.arange(4, dtype=np.float16),
                                               "c": np.arange(3, dtype=np.int64)}, metadata={"format": "pt"}))
put("safetensors", "gen-1.safetensors", save({"conv.weight": rng.standard_normal((2, 1, 3, 3)).astype(np.float32)}))
# Model configs: every tiny fixture and the real SD configs.
for path in ["Tests/InferenceTests/Fixtures/unet/sd15_tiny/unet/config.json",
             "Tests/InferenceTests/Fixtures/unet/sd21_tiny_fp16/unet/config.json",
             "Tests/InferenceTests/Fixtures/unet/nonsquare_bf16/config.json",
             "Tests/InferenceTests/Fixtures/vae/tiny/vae/config.json",
             "Tests/InferenceTests/Fixtures/clip/gelu/text_encoder/config.json",
             "Tests/InferenceTests/Fixtures/pipeline/turbo_tiny/scheduler/scheduler_config.json"]:
    copy("config", path, path.replace("Tests/InferenceTests/Fixtures/", "").replace("/", "-"))
shared = os.environ.get("NORMLAB_SHARED", "../shared")  # the real configs beside the repository
for name in ["sd15_unet", "sd21_unet", "sd_vae", "sd15_text_encoder"]:
    path = f"{shared}/configs/{name}/config.json"
    if os.path.exists(path):
        copy("config", path, f"{name}.json")
# Tokenizer files: a small CLIP-like vocabulary (the two special ids CLIP requires) and its merges,
# as vocab.json NUL merges.txt and as tokenizer.json.
letters = "abcdefghijklmnopqrstuvwxyz"
vocab = {c: i for i, c in enumerate(letters)}
vocab.update({c + "</w>": 26 + i for i, c in enumerate(letters)})
merges = ["c a", "ca t</w>", "p h", "ph o", "t o</w>"]
for m in merges:
    vocab.setdefault(m.replace(" ", ""), len(vocab))
vocab.update({"!": 0, "<|startoftext|>": 49406, "<|endoftext|>": 49407})
put("tokenizer-files", "gen-vocab-merges", json.dumps(vocab).encode() + b"\0" + ("#version: 0.2\n" + "\n".join(merges)).encode())
put("tokenizer-files", "gen-tokenizer-json", json.dumps({"model": {"vocab": vocab, "merges": [m.split(" ") for m in merges]},
                                                         "added_tokens": [{"id": 49407, "content": "<|endoftext|>"}]}).encode())
# Prompts: the tokenizer test's prompts.
expected = json.load(open("Tests/InferenceTests/Fixtures/tokenizer/expected_ids.json"))
for i, p in enumerate(expected["prompts"]):
    put("prompt", f"gen-{i}.txt", p.encode())
# Images: every PNG colour type and bit depth Pillow writes, interlaced too; baseline, progressive,
# gray and 4:2:0 / 4:4:4 JPEGs.
img = Image.fromarray(rng.integers(0, 256, (7, 5, 3), dtype=np.uint8))
for mode in ["RGB", "RGBA", "L", "LA", "P", "1", "I;16"]:
    buf = io.BytesIO()
    img.convert(mode).save(buf, "PNG")
    put("png", f"gen-{mode.replace(';', '')}.png", buf.getvalue())
buf = io.BytesIO()
img.convert("RGB").save(buf, "PNG", optimize=True)
put("png", "gen-optimized.png", buf.getvalue())
for f in os.listdir("Tests/ImageIOTests/Fixtures/modes"):
    if f.endswith(".png"):
        copy("png", f"Tests/ImageIOTests/Fixtures/modes/{f}")
for name, kw in [("baseline", {}), ("progressive", {"progressive": True}), ("444", {"subsampling": 0}),
                 ("q10", {"quality": 10})]:
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    put("jpeg", f"gen-{name}.jpg", buf.getvalue())
buf = io.BytesIO()
img.convert("L").save(buf, "JPEG")
put("jpeg", "gen-gray.jpg", buf.getvalue())
# HTTP API requests (Fuzz/Targets/APITargets.swift): a request name, a newline, its JSON body or
# query string, as the README's HTTP API section and the labeler send them.
api = {
    "new-annotation": ['{"x":2,"y":4,"kind":"patch2x2","annotator":"ann"}', '{"x":7,"y":5,"kind":"point","source":"accepted-suggestion"}',
                       '{"x":"two","y":2}'],
    "reviewed": ['{"reviewed":true,"annotator":"ann"}', '{"reviewed":"yes"}'],
    "new-suggestion-set": ['{"prototype":1,"threshold":0.8,"unit":"token","from":2}', '{"prototype":3,"threshold":-1}'],
    "decision": ['{"x":2,"y":0,"kind":"patch2x2","decision":"accept","annotator":"ann"}', '{"x":1,"y":1,"kind":"point","decision":"reject"}'],
    "place": ["x=2&y=4&kind=patch2x2&annotator=ann", "x=1&y=%30&kind=point"],
    "images": ["filter=unlabeled", "filter=anomalies"],
    "norm-map": ["colormap=viridis&scale=run", "scale=image"],
    "labels": ["kind=point"],
    "report": ["thresholds=0.6:0.99:20&prototype=3", "thresholds=0.5,0.7,0.9"],
    "curve": ["thresholds=0.1:0.9:5&unit=patch&from=1&prototype=2", "unit=token"],
    "detections": ["at=0.75&prototype=1", "at=-1e-3"],
    "next": ["after=3", ""],
    "prototype": ["prototype=12"],
    "path": ["17", "-1"],
}
for name, payloads in api.items():
    for i, p in enumerate(payloads):
        put("api", f"gen-{name}-{i}", f"{name}\n{p}".encode())
