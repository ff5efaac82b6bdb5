#!/usr/bin/env python3
"""Where the exported VAE encoder's extra fp32 error comes from (run with the reference venv's python,
after `peer_runtimes.py prepare`; reads DIR/vae.onnx, image.npy, vae_torch.npy, vae_fp64.npy).

Runs the exported graph in ONNX Runtime as it is, and again with every InstanceNormalization (the
exporter's form of GroupNorm: reshape to (N, groups, -1), InstanceNormalization, reshape back) replaced
by the same normalisation computed in float64 (Cast, ReduceMean, Sub, Mul, ReduceMean, Add, Sqrt,
Div, Cast). If the float64 norms bring the output to PyTorch fp32's distance from the float64 model,
the export check's miss is the runtimes' fp32 InstanceNormalization, not a different graph.

  vae_export_precision.py --out ~/.cache/normlab-runtimes
"""
import argparse
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def rel_diff(y, ref):
    return float(np.abs(y.reshape(ref.shape) - ref).max() / np.abs(ref).max())


def norms_in_float64(model):
    """A copy of `model` whose InstanceNormalization nodes compute in float64 (inputs of rank 3)."""
    g = model.graph
    nodes = []
    g.initializer.append(numpy_helper.from_array(np.array([2], dtype=np.int64), "nl_axes2"))
    g.initializer.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "nl_axes1"))
    for i, n in enumerate(g.node):
        if n.op_type != "InstanceNormalization":
            nodes.append(n)
            continue
        eps = next(a.f for a in n.attribute if a.name == "epsilon")
        x, scale, bias = n.input
        p = f"nl_in{i}_"
        g.initializer.append(numpy_helper.from_array(np.array(eps, dtype=np.float64), p + "eps"))
        nodes += [
            helper.make_node("Cast", [x], [p + "x"], to=TensorProto.DOUBLE),
            helper.make_node("ReduceMean", [p + "x", "nl_axes2"], [p + "mean"], keepdims=1),
            helper.make_node("Sub", [p + "x", p + "mean"], [p + "d"]),
            helper.make_node("Mul", [p + "d", p + "d"], [p + "d2"]),
            helper.make_node("ReduceMean", [p + "d2", "nl_axes2"], [p + "var"], keepdims=1),
            helper.make_node("Add", [p + "var", p + "eps"], [p + "ve"]),
            helper.make_node("Sqrt", [p + "ve"], [p + "std"]),
            helper.make_node("Div", [p + "d", p + "std"], [p + "z"]),
            helper.make_node("Cast", [p + "z"], [p + "zf"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", [scale, "nl_axes1"], [p + "s"]),
            helper.make_node("Unsqueeze", [bias, "nl_axes1"], [p + "b"]),
            helper.make_node("Mul", [p + "zf", p + "s"], [p + "zs"]),
            helper.make_node("Add", [p + "zs", p + "b"], list(n.output)),
        ]
    del g.node[:]
    g.node.extend(nodes)
    return model


def run(path_or_bytes, image, level):
    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = 2, 1
    so.graph_optimization_level = level
    sess = ort.InferenceSession(path_or_bytes, so, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: image})[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.expanduser("~/.cache/normlab-runtimes"))
    a = ap.parse_args()
    image = np.load(os.path.join(a.out, "image.npy"))
    torch_y, exact = np.load(os.path.join(a.out, "vae_torch.npy")), np.load(os.path.join(a.out, "vae_fp64.npy"))
    path = os.path.join(a.out, "vae.onnx")
    variants = [
        ("exported graph, all optimisations", path, ort.GraphOptimizationLevel.ORT_ENABLE_ALL),
        ("exported graph, no optimisations", path, ort.GraphOptimizationLevel.ORT_DISABLE_ALL),
        ("InstanceNormalization in float64", norms_in_float64(onnx.load(path)).SerializeToString(),
         ort.GraphOptimizationLevel.ORT_ENABLE_ALL),
    ]
    print(f"PyTorch fp32 vs float64: {rel_diff(torch_y, exact):.2e}")
    for name, model, level in variants:
        y = run(model, image, level)
        print(f"ONNX Runtime, {name}: vs PyTorch {rel_diff(y, torch_y):.2e}, vs float64 {rel_diff(y, exact):.2e}")


if __name__ == "__main__":
    main()
