"""Golden dataset statistics (mean norm map, norm histograms, tokens above k x the image mean) in NumPy.

    ../refenv/bin/python Tests/FixtureGenerators/make_norm_stats_fixtures.py   # -> Tests/DetectorTests/Fixtures/normstats/

Input: the detector fixture run (Tests/DetectorTests/Fixtures/detect/: features.npy float16 (12, 64, 8, 8),
labels_patch.npy, labels_point.npy, written by make_detect_fixtures.py). Independent of normlab:

- token norm = L2 norm over channels of the float16 values, summed in float32 channel by channel (the
  feature store's documented definition of the stored norms);
- mean norm map = mean over images per position;
- groups: "labelled" = the tokens of every label (4 per 2x2 patch, 1 per point, each token once per image),
  "patch" = for every 2x2 patch at even coordinates of every image the smallest of its 4 norms, "all" = every token;
- histograms: np.histogram with 40 bins over [0, the largest token norm];
- above k (k = 2, 3, 5): tokens whose norm is strictly greater than k x the mean norm of their image; the
  labelled ones among them; images with at least one.

Rounding (an FMA, the order of the image mean) can move a norm by a few ulps, so the generator checks that
no value lies within 1e-6 (relative) of a bin edge or of a k x mean limit: then the counts cannot depend on it.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(__file__)
SRC = os.path.join(HERE, "..", "DetectorTests", "Fixtures", "detect")
OUT = os.path.join(HERE, "..", "DetectorTests", "Fixtures", "normstats")
BINS = 40
MULTIPLES = [2, 3, 5]
MARGIN = 1e-6


def main():
    x = np.load(os.path.join(SRC, "features.npy")).astype(np.float32)
    n, c, h, w = x.shape
    acc = np.zeros((n, h, w), dtype=np.float32)
    for ch in range(c):
        acc += x[:, ch] * x[:, ch]
    norms = np.sqrt(acc).astype(np.float64)                     # (n, h, w)
    labelled = np.zeros((n, h, w), dtype=bool)
    for r in np.load(os.path.join(SRC, "labels_patch.npy")):
        labelled[r[0], r[2]:r[2] + 2, r[1]:r[1] + 2] = True
    for r in np.load(os.path.join(SRC, "labels_point.npy")):
        labelled[r[0], r[2], r[1]] = True
    patch = np.minimum(np.minimum(norms[:, 0::2, 0::2], norms[:, 0::2, 1::2]), np.minimum(norms[:, 1::2, 0::2], norms[:, 1::2, 1::2]))
    hi = norms.max()
    edges = np.linspace(0, hi, BINS + 1)
    hist = lambda v: np.histogram(v, bins=BINS, range=(0, hi))[0].tolist()
    image_mean = norms.reshape(n, -1).mean(axis=1)
    above = []
    for k in MULTIPLES:
        over = norms > k * image_mean[:, None, None]
        above.append({"k": k, "tokens": int(over.sum()), "labelled_tokens": int((over & labelled).sum()),
                      "images": int(over.reshape(n, -1).any(axis=1).sum())})
        gap = np.abs(norms - k * image_mean[:, None, None]) / (k * image_mean[:, None, None])
        assert gap.min() > MARGIN, f"a norm lies within {MARGIN} of {k} x its image mean"
    inner = edges[1:-1]
    for v in (norms, patch):
        gap = np.abs(v.reshape(-1, 1) - inner.reshape(1, -1)).min() / hi
        assert gap > MARGIN, "a norm lies within the margin of a bin edge"
    out = {"images": n, "width": w, "height": h, "max_norm": float(hi), "mean_norms": norms.mean(axis=0).reshape(-1).tolist(),
           "labelled": hist(norms[labelled]), "patch": hist(patch), "all": hist(norms), "labelled_count": int(labelled.sum()),
           "above": above}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print({k: v for k, v in out.items() if k != "mean_norms"})


if __name__ == "__main__":
    main()
