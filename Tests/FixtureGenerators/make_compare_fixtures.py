"""Golden values for `normlab compare` on the paper's published label files.

    git clone https://github.com/JonasLoos/sd-representation-anomalies /tmp/sra    # commit 1230d53
    ../refenv/bin/python Tests/FixtureGenerators/make_compare_fixtures.py /tmp/sra/labeler
        # -> Tests/DetectorTests/Fixtures/compare/

Copies labeler/high_norm_anomalies_{sd15,sd21,sdturbo}.npy (int64 (N, 3) rows (image, x, y) of the
upper-left token of each labelled 2x2 patch, 500 ImageNet-subset images, 32x32 grid) unchanged and writes
expected.json: for every pair of files and tolerance 0, 1, 2 the matched count, Jaccard index and the
images with anomalies in each and in both.

Independent of normlab: two patches match when they are in the same image and |dx| <= t and |dy| <= t;
matching is one-to-one, the largest such matching, found per image with SciPy's linear_sum_assignment
(Hungarian method) on the 0/1 "near" matrix. At t = 0 it is checked against the plain set intersection.
"""
import itertools
import json
import os
import shutil
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment

MODELS = ["sd15", "sd21", "sdturbo"]
IMAGES = 500
OUT = os.path.join(os.path.dirname(__file__), "..", "DetectorTests", "Fixtures", "compare")


def matched(a, b, t):
    total = 0
    for image in np.intersect1d(a[:, 0], b[:, 0]):
        pa, pb = a[a[:, 0] == image, 1:], b[b[:, 0] == image, 1:]
        near = (np.abs(pa[:, None, :] - pb[None, :, :]) <= t).all(axis=2)
        rows, cols = linear_sum_assignment(near, maximize=True)
        total += int(near[rows, cols].sum())
    return total


def main(src):
    os.makedirs(OUT, exist_ok=True)
    labels = {}
    for m in MODELS:
        name = f"high_norm_anomalies_{m}.npy"
        shutil.copyfile(os.path.join(src, name), os.path.join(OUT, name))
        a = np.load(os.path.join(OUT, name))
        assert a.dtype == np.int64 and a.ndim == 2 and a.shape[1] == 3
        labels[m] = np.unique(a, axis=0)
    pairs = []
    for x, y in itertools.combinations(MODELS, 2):
        a, b = labels[x], labels[y]
        exact = len(set(map(tuple, a.tolist())) & set(map(tuple, b.tolist())))
        for t in (0, 1, 2):
            k = matched(a, b, t)
            if t == 0:
                assert k == exact
            ia, ib = set(a[:, 0].tolist()), set(b[:, 0].tolist())
            pairs.append({"a": x, "b": y, "tolerance": t, "anomalies_a": len(a), "anomalies_b": len(b), "matched": k,
                          "jaccard": k / (len(a) + len(b) - k), "images_a": len(ia), "images_b": len(ib),
                          "images_both": len(ia & ib)})
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"images": IMAGES, "runs": MODELS, "pairs": pairs}, f, indent=1)
        f.write("\n")
    for p in pairs:
        print(p["a"], p["b"], p["tolerance"], p["matched"], round(p["jaccard"], 4))


if __name__ == "__main__":
    main(sys.argv[1])
