#!/usr/bin/env python3
"""Reference .npy files written by np.save, for the byte-exact reader/writer tests.

Run from the repository root: python3 Tests/FixtureGenerators/make_npy_fixtures.py
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "NPYFormatTests", "Fixtures")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(0)
arrays = {
    "labels_empty": np.zeros((0, 3), np.int64),
    "labels": np.array([[0, 2, 4], [0, 10, 30], [7, 0, 0], [123, 30, 30]], np.int64),
    "f32_3d": rng.standard_normal((2, 3, 4)).astype(np.float32),
    "f32_scalar": np.array(1.5, np.float32),
    "f32_vector": rng.standard_normal(1280).astype(np.float32),
    "f16": np.array([0.5, -2.0, 65504.0, 6e-8, np.inf], np.float16),
    "f64": np.array([[1.25, -3.5]], np.float64),
    "big_endian": np.arange(4, dtype=">f4"),
    "fortran": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
    "complex": np.zeros(2, np.complex64),
}
for name, a in arrays.items():
    np.save(os.path.join(OUT, name + ".npy"), a)
print("wrote", len(arrays), "files to", OUT)
