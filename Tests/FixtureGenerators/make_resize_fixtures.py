"""Golden fixtures for ImageIO's Pillow-compatible resize (Tests/ImageIOTests/Fixtures).

A deterministic 75x53 RGB source (PNG and JPEG), and Pillow's center-crop + BICUBIC resize of it
to 32x32 (down) and 80x80 (up), saved as raw bytes. Run: python3 Tests/FixtureGenerators/make_resize_fixtures.py
"""
import pathlib
import numpy as np
from PIL import Image

out = pathlib.Path(__file__).resolve().parent.parent / "ImageIOTests" / "Fixtures"
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)
h, w = 53, 75
yy, xx = np.mgrid[0:h, 0:w]
base = np.stack([xx * 3, yy * 4, (xx + yy) * 2], axis=-1) % 256
pixels = np.clip(base + rng.integers(-40, 40, size=(h, w, 3)), 0, 255).astype(np.uint8)
src = Image.fromarray(pixels, "RGB")
src.save(out / "source.png")
src.save(out / "source.jpg", quality=90)
for name in ["png", "jpg"]:
    img = Image.open(out / f"source.{name}").convert("RGB")
    # The paper's dataset-script box (an odd short side loses one row/column).
    w, h = img.size
    s = min(w, h)
    square = img.crop((w // 2 - s // 2, h // 2 - s // 2, w // 2 + s // 2, h // 2 + s // 2))
    (out / f"source_{name}_rgb.raw").write_bytes(np.asarray(img).tobytes())
    for size in [32, 80]:
        (out / f"source_{name}_{size}.raw").write_bytes(np.asarray(square.resize((size, size), Image.BICUBIC)).tobytes())
print("wrote", sorted(p.name for p in out.iterdir()))
