"""Golden fixture for `normlab norm-images`: the original notebook's norm images, computed by NumPy.

    ../refenv/bin/python Tests/FixtureGenerators/make_norm_image_fixtures.py   # -> Tests/LabelServerTests/Fixtures/norm-images/

The notebook (labeler/generate_norm_images.ipynb in JonasLoos/sd-representation-anomalies, and
experiments/data/data_labeler/ in JonasLoos/thesis) writes, for representation i of a run:

    norm = r[block].squeeze(0).norm(dim=0).numpy()
    norm /= norm.max()
    norm *= 255
    img = Image.fromarray(norm.astype(np.uint8))
    img.save(target_folder / f"norm_{i:04d}.png")

so the maximum is per image, the arithmetic float32 (divide, then multiply, then truncate) and the
file number the image index with four digits. Here the same three lines run on the float32 norms of
a small float16 (N, C, H, W) feature array (the dtype normlab stores).

Every token has at most two nonzero channels: the squares of float16 values are exact in float32, so
a token's float32 norm is sqrt(round(a² + b²)) whatever the summation order, and the expected bytes
depend only on the notebook's formula. Image 0 includes norms where the float32 order gives another
byte than the exact floor(255 · n / max) (found by search, counted and printed below); image 2 has a
zero token and a maximum that many tokens share.

Writes features.npy (float16 (3, 5, 6, 9): 6 rows, 9 columns) and expected.npy (uint8 (3, 6, 9)).
"""
import os

import numpy as np

N, C, H, W = 3, 5, 6, 9
OUT = os.path.join(os.path.dirname(__file__), "..", "LabelServerTests", "Fixtures", "norm-images")


def notebook(norm):
    norm = norm.astype(np.float32).copy()
    norm /= norm.max()
    norm *= 255
    return norm.astype(np.uint8)


def exact_floor(norm):
    return np.floor(255 * norm.astype(np.float64) / np.float64(norm.max()))


def float16_values(low, high):
    v = np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32)
    return v[np.isfinite(v) & (v >= low) & (v < high)]


def tricky_pairs(maximum, count):
    """(a, b) float16 pairs whose float32 norm n < maximum makes float32 (n / max) * 255 cross an
    integer that the exact quotient does not reach."""
    a, b = float16_values(1, maximum), float16_values(1, 300)[::7]
    A, B = np.meshgrid(a, b)
    n = np.sqrt((A * A + B * B).astype(np.float32)).astype(np.float32)
    f = ((n / np.float32(maximum)).astype(np.float32) * np.float32(255)).astype(np.float32)
    bad = (n < maximum) & (np.floor(f) != np.floor(255 * n.astype(np.float64) / maximum))
    pairs, seen = [], set()
    for i, j in np.argwhere(bad):
        if n[i, j] not in seen:
            seen.add(n[i, j])
            pairs.append((A[i, j], B[i, j]))
    return pairs[:count]


def main():
    rng = np.random.default_rng(7)
    tokens = H * W
    pairs = np.zeros((N, tokens, 2), np.float32)
    pools = float16_values(0, 1999), float16_values(0, 300)
    for i in range(N):
        pairs[i, :, 0] = rng.choice(pools[0], tokens)
        pairs[i, :, 1] = rng.choice(pools[1], tokens)
    tricky = tricky_pairs(np.float32(1999.0), 8)
    pairs[0, 0] = (1999.0, 0.0)                        # image 0's maximum
    pairs[0, 1:1 + len(tricky)] = tricky
    pairs[2, :, :] = (384.0, 512.0)                    # norm 640 everywhere (255) ...
    pairs[2, 7] = (0.0, 0.0)                           # ... but one zero token
    features = np.zeros((N, C, H, W), np.float16)
    for i in range(N):
        perm = rng.permutation(tokens)
        for t in range(tokens):
            a, b = pairs[i, perm[t]]
            ca, cb = rng.choice(C, 2, replace=False)
            features[i, ca, t // W, t % W] = a * rng.choice([-1, 1])
            features[i, cb, t // W, t % W] = b * rng.choice([-1, 1])
    norms = np.linalg.norm(features.astype(np.float32), axis=1)
    expected = np.stack([notebook(norms[i]) for i in range(N)])
    differing = sum(int((expected[i] != exact_floor(norms[i])).sum()) for i in range(N))
    print(f"{len(tricky)} tricky norms planted; {differing} pixel(s) where the notebook's float32 order "
          "differs from exact floor(255 n / max)")
    assert differing >= 4
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "features.npy"), features)
    np.save(os.path.join(OUT, "expected.npy"), expected)


if __name__ == "__main__":
    main()
