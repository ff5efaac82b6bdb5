#!/usr/bin/env python3
"""PNG colour-mode fixtures: small gray, gray+alpha, palette (with transparency), RGBA and 16-bit
images, and Pillow's `convert('RGB')` of each as raw RGB bytes (the reference conversion).

    ../refenv/bin/python Tests/FixtureGenerators/make_png_mode_fixtures.py
"""
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "ImageIOTests", "Fixtures", "modes")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(5)
rgba = rng.integers(0, 256, (6, 9, 4), dtype=np.uint8)
rgba[0, :, 3] = 0          # fully transparent row: Pillow keeps its colour
images = {
    "gray": Image.fromarray(rgba[:, :, 0], "L"),
    "gray_alpha": Image.fromarray(rgba[:, :, :2], "LA"),
    "rgba": Image.fromarray(rgba, "RGBA"),
    "palette": Image.fromarray(rgba[:, :, :3], "RGB").quantize(colors=7),
}
images["palette"].info["transparency"] = 2
for name, im in images.items():
    path = os.path.join(OUT, name + ".png")
    im.save(path)
    with Image.open(path) as reread:
        rgb = np.asarray(reread.convert("RGB"))
    rgb.tofile(os.path.join(OUT, name + ".rgb"))
    print(name, im.mode, rgb.shape)
