#!/usr/bin/env python3
"""Real photographs with permissive licences for the image and pipeline tests, and Pillow's resize of them.

Source: the sample images bundled in the scikit-image 0.26.0 wheel (skimage/data), fetched with
    pip download --no-deps -d /tmp/skimg scikit-image==0.26.0 && (cd /tmp/skimg && unzip -o -q *.whl 'skimage/data/*')
Licences as scikit-image's `skimage.data` docstrings state them:
    coffee.png   CC0, photographer Rachel Michetti
    chelsea.png  CC0, photographer Stefan van der Walt
    camera.png   CC0, photographer Lav Varshney
    rocket.jpg   public domain, SpaceX (DSCOVR launch on Falcon 9)
Run: ../refenv/bin/python Tests/FixtureGenerators/make_photo_fixtures.py [SKIMAGE_DATA_DIR]

Writes
- Tests/ImageIOTests/Fixtures/photos/: crops of the originals (no resampling: a crop keeps the photo's
  own pixels; rocket.jpg as published) and Pillow's sdhelper-style resizes of them
  (`img.convert('RGB')`, optional paper centre-crop box, `img.resize((n, n))` = BICUBIC), as PNG.
- Tests/InferenceTests/Fixtures/pipeline/images/: three small photos for the end-to-end tests
  (a non-square JPEG at native size, a grayscale PNG, a non-square PNG for centre-crop + resize);
  make_pipeline_fixtures.py computes their representations.
"""
import pathlib
import sys

from PIL import Image

SRC = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/skimg/skimage/data")
ROOT = pathlib.Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "ImageIOTests" / "Fixtures" / "photos"
PIPE = ROOT / "InferenceTests" / "Fixtures" / "pipeline" / "images"


def paper_square(img):
    """The paper's dataset-script box (w//2-s//2, h//2-s//2, w//2+s//2, h//2+s//2), s = min(w, h)."""
    w, h = img.size
    s = min(w, h)
    return img.crop((w // 2 - s // 2, h // 2 - s // 2, w // 2 + s // 2, h // 2 + s // 2))


def resize_sources():
    PHOTOS.mkdir(parents=True, exist_ok=True)
    sources = {
        "coffee_240x160.png": Image.open(SRC / "coffee.png").crop((180, 100, 420, 260)),
        "camera_200x150.png": Image.open(SRC / "camera.png").crop((150, 60, 350, 210)),   # mode L
    }
    for name, img in sources.items():
        img.save(PHOTOS / name)
    (PHOTOS / "rocket.jpg").write_bytes((SRC / "rocket.jpg").read_bytes())   # 640x427, as published
    # (source, centre-crop first?, side): downscales and an upscale, with and without the crop.
    cases = [("coffee_240x160.png", True, 64), ("coffee_240x160.png", True, 200), ("coffee_240x160.png", False, 96),
             ("camera_200x150.png", True, 64), ("camera_200x150.png", False, 224),
             ("rocket.jpg", True, 224), ("rocket.jpg", False, 80)]
    for name, crop, n in cases:
        img = Image.open(PHOTOS / name).convert("RGB")
        if crop:
            img = paper_square(img)
        stem = name.rsplit(".", 1)[0]
        img.resize((n, n)).save(PHOTOS / f"{stem}__{'crop' if crop else 'full'}_{n}.png")


def pipeline_photos():
    PIPE.mkdir(parents=True, exist_ok=True)
    # Downscaled (LANCZOS) so that the tiny models stay fast in debug builds; still photographs.
    rocket = Image.open(SRC / "rocket.jpg").crop((100, 27, 580, 387)).resize((64, 48), Image.LANCZOS)
    rocket.save(PIPE / "rocket_64x48.jpg", quality=90)
    Image.open(SRC / "camera.png").resize((120, 90), Image.LANCZOS).save(PIPE / "camera_120x90.png")
    Image.open(SRC / "chelsea.png").resize((75, 50), Image.LANCZOS).save(PIPE / "chelsea_75x50.png")


if __name__ == "__main__":
    resize_sources()
    pipeline_photos()
    print("wrote", sorted(p.name for p in PHOTOS.iterdir()), sorted(p.name for p in PIPE.iterdir()))
