"""Golden fixtures for the detector: the thesis procedure in NumPy/torch on a small generated run.

    ../refenv/bin/python Tests/FixtureGenerators/make_detect_fixtures.py     # -> Tests/DetectorTests/Fixtures/detect/

Independent of normlab: the mean anomaly token (plain mean of the raw labelled tokens of the training
images, 4 tokens per 2x2 patch, 1 per point), torch.nn.functional.cosine_similarity of every token,
detection = similarity strictly greater than the threshold, thresholds np.linspace(0.6, 0.99, 20), and
TP/FP/FN, precision, recall, F1 per threshold for the token and the patch unit.

Data: 12 images x 64 channels x 8x8 tokens, float16. Background tokens are Gaussian noise; 2x2 anomaly
patches share one direction at several times the background norm, each with its own amount of noise
so that their similarities spread over the threshold range. Most patches are labelled (patch2x2), some
are not (false positives), one labelled patch is faint (false negatives), one single token is labelled
as a point, and one token is all zeros (similarity 0, never NaN).

Float order: normlab computes dot products with sgemm and takes |a| from the stored float32 norms, torch
sums in another order, so the two similarities differ in the last bits. The generator therefore
rejects any draw in which a similarity (of any token, so of any patch minimum too) lies within 1e-4 of
a threshold and tries the next seed: the expected counts then do not depend on summation order.
"""
import json
import os

import numpy as np
import torch

N, C, H, W = 12, 64, 8, 8
TRAIN_FRACTION = 0.75            # floor(0.75 * 12) = 9 training images
THRESHOLDS = np.linspace(0.6, 0.99, 20)
MARGIN = 1e-4
AT = 0.8                         # threshold of the detections file
OUT = os.path.join(os.path.dirname(__file__), "..", "DetectorTests", "Fixtures", "detect")


def draw(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (N, C, H, W))
    direction = rng.normal(0, 1, C)
    direction /= np.linalg.norm(direction)
    labelled, unlabelled = [], []
    for i in range(N):
        for _ in range(rng.integers(1, 3)):
            px, py = 2 * rng.integers(0, W // 2), 2 * rng.integers(0, H // 2)
            if (i, px, py) in labelled + unlabelled:
                continue
            strength, noise = rng.uniform(25, 40), rng.uniform(0.3, 6)
            for dx in (0, 1):
                for dy in (0, 1):
                    x[i, :, py + dy, px + dx] = strength * direction + noise * rng.normal(0, 1, C)
            (unlabelled if rng.uniform() < 0.2 else labelled).append((i, px, py))
    # A faint labelled patch in the test split: labelled, but hardly along the direction (FN).
    i, px, py = 10, 6, 0
    if (i, px, py) not in labelled + unlabelled:
        for dx in (0, 1):
            for dy in (0, 1):
                x[i, :, py + dy, px + dx] = 6 * direction + rng.normal(0, 1, C) * 1.5
        labelled.append((i, px, py))
    # A strong unlabelled patch in the test split (false positives there too).
    i, px, py = 9, 2, 4
    if (i, px, py) not in labelled + unlabelled:
        for dx in (0, 1):
            for dy in (0, 1):
                x[i, :, py + dy, px + dx] = 30 * direction + rng.normal(0, 1, C) * 1.0
        unlabelled.append((i, px, py))
    # One single labelled token (a point label) in a training image and one in a test image.
    points = [(2, 5, 7), (11, 1, 3)]
    for i, px, py in points:
        x[i, :, py, px] = 30 * direction + 4 * rng.normal(0, 1, C)
    # One all-zero token.
    x[9, :, 7, 7] = 0
    return x.astype(np.float16), sorted(labelled), sorted(points), sorted(unlabelled)


def prototype(f32, patches, points, train):
    tokens = []
    for i, px, py in patches:
        if i < train:
            tokens += [(i, px, py), (i, px + 1, py), (i, px, py + 1), (i, px + 1, py + 1)]
    tokens += [(i, px, py) for i, px, py in points if i < train]
    vectors = np.stack([f32[i, :, y, x].astype(np.float64) for i, x, y in tokens])
    return vectors.mean(axis=0).astype(np.float32), len(tokens)


def similarities(f32, proto):
    a = torch.from_numpy(f32)                                   # (N, C, H, W) float32
    b = torch.from_numpy(proto).reshape(1, C, 1, 1)
    return torch.nn.functional.cosine_similarity(a, b, dim=1, eps=1e-8).numpy()   # (N, H, W)


def curve(sims, patches, points, start, unit):
    thresholds = THRESHOLDS.astype(np.float32)
    s = sims[start:]
    if unit == "token":
        truth = {(i, x + dx, y + dy) for i, x, y in patches for dx in (0, 1) for dy in (0, 1)} | set(points)
        truth = {t for t in truth if t[0] >= start}
        score = {(start + i, x, y): s[i, y, x] for i in range(len(s)) for y in range(H) for x in range(W)}
    else:
        truth = {t for t in patches if t[0] >= start}
        score = {(start + i, x, y): min(s[i, y, x], s[i, y, x + 1], s[i, y + 1, x], s[i, y + 1, x + 1])
                 for i in range(len(s)) for y in range(0, H - 1, 2) for x in range(0, W - 1, 2)}
    rows = []
    for t in thresholds:
        detected = {k for k, v in score.items() if v > t}
        tp = len(detected & truth)
        fp, fn = len(detected) - tp, len(truth) - tp
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        rows.append(dict(threshold=float(t), tp=tp, fp=fp, fn=fn, precision=p, recall=r, f1=f1))
    return rows


def main():
    train = int(np.floor(TRAIN_FRACTION * N))
    for seed in range(1000):
        x, patches, points, unlabelled = draw(seed)
        f32 = x.astype(np.float32)
        proto, count = prototype(f32, patches, points, train)
        sims = similarities(f32, proto)
        closest = np.min(np.abs(sims[..., None] - np.append(THRESHOLDS.astype(np.float32), AT)))
        if closest > MARGIN:
            break
    else:
        raise SystemExit("no draw kept every similarity 1e-4 away from the thresholds")
    assert sims[9, 7, 7] == 0
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "features.npy"), x)
    np.save(os.path.join(OUT, "labels_patch.npy"), np.array(patches, dtype=np.int64).reshape(-1, 3))
    np.save(os.path.join(OUT, "labels_point.npy"), np.array(points, dtype=np.int64).reshape(-1, 3))
    np.save(os.path.join(OUT, "prototype.npy"), proto)
    test = sims[train:]
    at = sorted((train + i, int(xx), int(yy)) for i, yy, xx in zip(*np.nonzero(test > np.float32(AT))))
    expected = dict(
        seed=seed, closest_to_a_threshold=float(closest), train_fraction=TRAIN_FRACTION, train_images=train,
        token_count=count, thresholds="0.6:0.99:20", unlabelled_patches=[list(map(int, u)) for u in unlabelled],
        curves=dict(test_token=dict(start=train, unit="token", rows=curve(sims, patches, points, train, "token")),
                    test_patch=dict(start=train, unit="patch", rows=curve(sims, patches, points, train, "patch")),
                    all_token=dict(start=0, unit="token", rows=curve(sims, patches, points, 0, "token"))),
        detections=dict(threshold=AT, start=train, unit="token", rows=[list(r) for r in at]))
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, default=int)
    print(f"seed {seed}: {len(patches)} labelled patches, {len(unlabelled)} unlabelled, closest {closest:.2e}")


if __name__ == "__main__":
    main()
