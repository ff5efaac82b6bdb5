#!/usr/bin/env python3
"""Golden fixtures for normlab's positional probe (`PositionProbe`): the paper's own
`run_position_estimation` (run_experiments.py of github.com/JonasLoos/sd-representation-anomalies,
commit 1230d539, sha256 d6f7a0d6…) on small fixed token arrays, on the CPU.

    ../refenv/bin/python Tests/FixtureGenerators/make_probe_fixtures.py RUN_EXPERIMENTS_PY

RUN_EXPERIMENTS_PY is that repository's run_experiments.py (e.g. `git show HEAD:run_experiments.py` of a
clone). What is patched, and why:
- `sdhelper`, `datasets`, `matplotlib.pyplot` (and `tqdm` if absent) are stubbed in sys.modules: the file
  imports them for `main()`; `run_position_estimation` gets its representations as an argument.
- `Tensor.cuda` / `Module.cuda` return the object unchanged: the function moves everything to CUDA; on the
  CPU its random stream (manual_seed(42) once, then per layer nn.Linear's initialisation and one randperm
  per epoch) is the CPU generator's, which is what normlab reproduces.
Nothing in the numbers is patched; the function runs in a temporary directory (it saves data/*.pt).

Inputs: six images (the reference trains on int(0.8·6) = 4, tests on 2) and four layers of different
shapes, float32 NCHW, seeded NumPy noise plus a sinusoidal code of the token's row and column strong
enough that five epochs of Adam at lr 1e-3 give accuracies between chance and 1. The 32×32 and 16×16
layers have 4096 and 1024 training tokens (8 and 2 batches of 512), the 12×12 one 576 (a short last batch).
Writes Tests/ExperimentsTests/Fixtures/probe/: features_<i>.npy (6, C, H, W) float32 and
accuracies.npy (4 layers, 5 epochs, 4 grids) float32, the reference's `accuracies_cls`.
"""
import importlib.util
import os
import sys
import tempfile
import types

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ExperimentsTests", "Fixtures", "probe")
IMAGES = 6
LAYERS = [(16, 32), (24, 16), (8, 12), (40, 4)]  # (channels, side)


def features(rng, channels, side, strength, images=IMAGES):
    """Noise plus a fixed random projection of sin/cos codes of row and column (several frequencies)."""
    pos = np.arange(side) / side
    codes = np.stack([f(2 * np.pi * k * pos) for k in (0.5, 1, 2) for f in (np.sin, np.cos)])  # (6, side)
    rows = rng.normal(size=(channels, 6)) @ codes  # (C, side)
    cols = rng.normal(size=(channels, 6)) @ codes
    signal = rows[:, :, None] + cols[:, None, :]  # (C, H, W)
    noise = rng.normal(size=(images, channels, side, side))
    return (strength * signal[None] + noise).astype(np.float32)


def load_reference(path):
    for name in ("sdhelper", "datasets", "matplotlib", "matplotlib.pyplot"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["sdhelper"].SD = None
    sys.modules["datasets"].load_from_disk = None
    try:
        import tqdm  # noqa: F401
    except ImportError:
        stub = types.ModuleType("tqdm")
        stub.tqdm = lambda it, *a, **k: it
        sys.modules["tqdm"] = stub
    spec = importlib.util.spec_from_file_location("run_experiments", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    reference = load_reference(os.path.abspath(sys.argv[1]))
    torch.Tensor.cuda = lambda self, *a, **k: self
    nn.Module.cuda = lambda self, *a, **k: self
    rng = np.random.default_rng(20240514)
    arrays = [features(rng, c, s, strength=10.0) for c, s in LAYERS]
    blocks = [f"layer{i}" for i in range(len(LAYERS))]
    representations = [{b: torch.from_numpy(a[n:n + 1]) for b, a in zip(blocks, arrays)} for n in range(IMAGES)]
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            accuracies = reference.run_position_estimation("fixture", blocks, representations)
        finally:
            os.chdir(cwd)
    os.makedirs(OUT, exist_ok=True)
    for i, a in enumerate(arrays):
        np.save(os.path.join(OUT, f"features_{i}.npy"), a)
    np.save(os.path.join(OUT, "accuracies.npy"), accuracies.numpy().astype(np.float32))
    np.set_printoptions(precision=4, suppress=True)
    print(accuracies.numpy())


if __name__ == "__main__":
    main()
