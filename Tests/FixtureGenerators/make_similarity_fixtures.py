"""Golden fixtures for similarity maps: torch's cosine similarity of one token to every token of an image.

    ../refenv/bin/python Tests/FixtureGenerators/make_similarity_fixtures.py   # -> Tests/LabelServerTests/Fixtures/similarity/

Independent of normlab: torch.nn.functional.cosine_similarity over the channel axis, on the float16
features cast to float32, for each query token against every token of every image.

Data: 4 images x 24 channels x 5 high x 7 wide (not square, so a transposed grid cannot pass), float16.
Background tokens are Gaussian noise; a few tokens share one direction (they light up in each other's
maps), one points the opposite way (cosine near -1), and one token is all zeros (similarity 0, never NaN).

Writes features.npy (the run, for `normlab features import`), similarity.npy (float32, (Q, N, H, W): query
q's map in every image) and queries.json ([{"image", "x", "y"}, ...] in the order of similarity.npy).
"""
import json
import os

import numpy as np
import torch

N, C, H, W = 4, 24, 5, 7
OUT = os.path.join(os.path.dirname(__file__), "..", "LabelServerTests", "Fixtures", "similarity")
QUERIES = [(1, 4, 2), (0, 6, 0), (3, 0, 4)]    # (image, x, y): a planted token, a background token, the zero token


def features():
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, (N, C, H, W))
    direction = rng.normal(0, 1, C)
    direction /= np.linalg.norm(direction)
    for i, px, py, s in [(1, 4, 2, 20), (1, 1, 3, 12), (0, 2, 1, 15), (2, 5, 4, 9), (3, 3, 0, 30)]:
        x[i, :, py, px] = s * direction + rng.normal(0, 1, C)
    x[2, :, 0, 6] = -18 * direction + rng.normal(0, 1, C)
    x[3, :, 4, 0] = 0
    return x.astype(np.float16)


def main():
    f16 = features()
    f = torch.from_numpy(f16.astype(np.float32))
    maps = []
    for i, qx, qy in QUERIES:
        q = f[i, :, qy, qx][:, None, None]
        maps.append(torch.stack([torch.nn.functional.cosine_similarity(f[j], q, dim=0) for j in range(N)]))
    sim = torch.stack(maps).numpy().astype(np.float32)
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "features.npy"), f16)
    np.save(os.path.join(OUT, "similarity.npy"), sim)
    with open(os.path.join(OUT, "queries.json"), "w") as fh:
        json.dump([{"image": i, "x": x, "y": y} for i, x, y in QUERIES], fh, indent=1)
        fh.write("\n")
    print("similarity", sim.shape, "planted query in image 3:", sim[0, 3].max(), "opposite:", sim[0, 2, 0, 6])


if __name__ == "__main__":
    main()
