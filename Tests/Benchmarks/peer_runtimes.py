#!/usr/bin/env python3
"""The models and the other runtimes for compare_runtimes.py (run with the reference venv's python).

  prepare --out DIR --unet-config C --vae-config C [--latent 64] [--image-size 512]
      Builds the SD-1.5 U-Net (torch.manual_seed(0)) and the VAE (seed 0) with random weights, saves them
      as a diffusers folder (DIR/unet, DIR/vae: what normlab loads), writes the inputs (.npy), PyTorch's
      outputs (U-Net truncated after up_blocks[1]; VAE encoder + quant_conv), exports both to ONNX and
      OpenVINO IR (fp32) and checks, before anything is timed, that ONNX Runtime and OpenVINO agree with
      PyTorch to --tol or are at least as close as PyTorch fp32 to the model run in float64 (a runtime
      that fails is recorded as such and not timed). Writes
      DIR/manifest.json; skipped when it exists, and a model's export when its IR exists (unless --force).
  time --out DIR --model unet|vae --backend torch|ort|ov [--reps 3] [--threads 2]
      One warm-up and --reps timed runs in this process; prints one JSON line (median_s, min_s,
      peak_rss_mib, agreement with PyTorch's saved output).
  pipeline --out DIR --backend torch|ort|ov [--batch 1] [--reps 3]
      What `normlab extract` computes per image: VAE encoder + quant_conv on the 512² image, the latent
      (mean · 0.18215), then the U-Net to up_blocks[1]; --batch images per pass (the ONNX and IR exports
      have a fixed batch of 1, so only PyTorch runs larger batches). One warm-up pass and --reps timed
      passes; prints one JSON line (median_s per pass, images_per_s, peak_rss_mib).
"""
import argparse
import json
import os
import statistics
import sys
import time

from bench_common import limit_threads, peak_rss_mib, random_model, timed

THREADS = int(os.environ.get("PEER_THREADS", "2"))
limit_threads(THREADS)
import numpy as np  # noqa: E402
import torch  # noqa: E402


def rel_diff(y, ref):
    """max |y − ref| / max |ref|: the agreement measure of every check here."""
    y = np.asarray(y, dtype=np.float32).reshape(ref.shape)
    return float(np.abs(y - ref).max() / np.abs(ref).max())


class UNetToUp1(torch.nn.Module):
    """diffusers' UNet2DConditionModel.forward for the SD-1.5 config, stopped after up_blocks[1]
    (no class/aug embeddings, no masks; upsample_size None since the latent is a multiple of 8)."""

    def __init__(self, unet):
        super().__init__()
        assert not unet.config.center_input_sample and unet.class_embedding is None
        self.time_proj, self.time_embedding, self.conv_in = unet.time_proj, unet.time_embedding, unet.conv_in
        self.down_blocks, self.mid_block = unet.down_blocks, unet.mid_block
        self.up_blocks = torch.nn.ModuleList([unet.up_blocks[0], unet.up_blocks[1]])

    def forward(self, sample, timestep, encoder_hidden_states):
        emb = self.time_embedding(self.time_proj(timestep.reshape(-1).expand(sample.shape[0])).to(sample.dtype), None)
        sample = self.conv_in(sample)
        res = (sample,)
        for blk in self.down_blocks:
            kw = {"encoder_hidden_states": encoder_hidden_states} if getattr(blk, "has_cross_attention", False) else {}
            sample, r = blk(hidden_states=sample, temb=emb, **kw)
            res += r
        sample = self.mid_block(sample, emb, encoder_hidden_states=encoder_hidden_states)
        for blk in self.up_blocks:
            rs, res = res[-len(blk.resnets):], res[: -len(blk.resnets)]
            kw = {"encoder_hidden_states": encoder_hidden_states} if getattr(blk, "has_cross_attention", False) else {}
            sample = blk(hidden_states=sample, temb=emb, res_hidden_states_tuple=rs, upsample_size=None, **kw)
        return sample


class VAEEncode(torch.nn.Module):
    """quant_conv(encoder(x)): the moments normlab's `VAEEncoder.moments` returns."""

    def __init__(self, vae):
        super().__init__()
        self.encoder, self.quant_conv = vae.encoder, vae.quant_conv

    def forward(self, x):
        return self.quant_conv(self.encoder(x))


def load_torch(out, model):
    from diffusers import AutoencoderKL, UNet2DConditionModel
    if model == "unet":
        return UNetToUp1(UNet2DConditionModel.from_pretrained(os.path.join(out, "unet")).eval()).eval()
    return VAEEncode(AutoencoderKL.from_pretrained(os.path.join(out, "vae")).eval()).eval()


def inputs(out, model):
    """Feeds in the models' input order, as numpy arrays."""
    if model == "unet":
        return [np.load(os.path.join(out, "sample.npy")), np.array([50], dtype=np.int64), np.load(os.path.join(out, "context.npy"))]
    return [np.load(os.path.join(out, "image.npy"))]


def export(out, model, module, feeds):
    """ONNX (torch.onnx's TorchScript exporter, opset 18; weights as external data above 2 GB) and
    OpenVINO IR converted from that ONNX file, fp32 weights."""
    import openvino as ov
    path = os.path.join(out, f"{model}.onnx")
    args = tuple(torch.from_numpy(f) for f in feeds)
    names = ["sample", "timestep", "encoder_hidden_states"] if model == "unet" else ["image"]
    with torch.no_grad():
        torch.onnx.export(module, args, path, dynamo=False, opset_version=18, input_names=names, output_names=["y"],
                          do_constant_folding=True)
    ov.save_model(ov.convert_model(path), os.path.join(out, f"{model}.xml"), compress_to_fp16=False)


def session(out, model, backend):
    """A callable feeds → output array for one runtime, 2 threads, fp32."""
    if backend == "torch":
        module = load_torch(out, model)

        def run(feeds):
            with torch.no_grad():
                return module(*(torch.from_numpy(f) for f in feeds)).numpy()
        return run, torch.__version__
    if backend == "ort":
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = THREADS, 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(os.path.join(out, f"{model}.onnx"), so, providers=["CPUExecutionProvider"])
        names = [i.name for i in sess.get_inputs()]
        return (lambda feeds: sess.run(None, dict(zip(names, feeds)))[0]), ort.__version__
    if backend == "ov":
        import openvino as ov
        compiled = ov.Core().compile_model(os.path.join(out, f"{model}.xml"), "CPU",
                                           {"INFERENCE_NUM_THREADS": THREADS, "INFERENCE_PRECISION_HINT": "f32"})
        req = compiled.create_infer_request()

        def run(feeds):
            req.infer(feeds)
            return req.get_output_tensor(0).data.copy()
        return run, ov.__version__
    raise SystemExit(f"unknown backend {backend}")


def prepare(a):
    manifest = os.path.join(a.out, "manifest.json")
    if os.path.exists(manifest) and not a.force:
        print(open(manifest).read())
        return
    from diffusers import AutoencoderKL, UNet2DConditionModel
    torch.set_num_threads(THREADS)
    os.makedirs(a.out, exist_ok=True)
    info = {"torch": torch.__version__, "tol": a.tol, "latent": a.latent, "image_size": a.image_size}
    g = torch.Generator().manual_seed(1)  # (rewritten on every prepare: the same values each time)
    np.save(os.path.join(a.out, "sample.npy"), torch.randn(1, 4, a.latent, a.latent, generator=g).numpy())
    np.save(os.path.join(a.out, "context.npy"), torch.randn(1, 77, 768, generator=g).numpy())
    np.save(os.path.join(a.out, "image.npy"), torch.rand(1, 3, a.image_size, a.image_size, generator=g).numpy())
    for model, cfg_dir, cls in (("unet", a.unet_config, UNet2DConditionModel), ("vae", a.vae_config, AutoencoderKL)):
        t0 = time.perf_counter()
        feeds = inputs(a.out, model)
        if a.force or not os.path.exists(os.path.join(a.out, f"{model}.xml")):
            random_model(cls, cfg_dir, seed=0).save_pretrained(os.path.join(a.out, model))
            module = load_torch(a.out, model)
            with torch.no_grad():
                np.save(os.path.join(a.out, f"{model}_torch.npy"), module(*(torch.from_numpy(f) for f in feeds)).numpy())
            export(a.out, model, module, feeds)
            del module
        if a.force or not os.path.exists(os.path.join(a.out, f"{model}_fp64.npy")):
            module = load_torch(a.out, model).double()
            with torch.no_grad():
                exact = module(*(torch.from_numpy(f).double() if f.dtype == np.float32 else torch.from_numpy(f) for f in feeds))
            np.save(os.path.join(a.out, f"{model}_fp64.npy"), exact.numpy())
            del module, exact
        ref, exact = (np.load(os.path.join(a.out, f"{model}_{k}.npy")) for k in ("torch", "fp64"))
        info[f"{model}_torch_error_vs_fp64"] = torch_err = rel_diff(ref, exact)
        for backend in ("ort", "ov"):
            run, version = session(a.out, model, backend)
            y = run(feeds)
            d, e = rel_diff(y, ref), rel_diff(y, exact)
            info[f"{model}_{backend}_agreement"], info[f"{model}_{backend}_error_vs_fp64"], info[f"{backend}_version"] = d, e, version
            print(f"{model} {backend} {version}: max|diff|/max|torch| = {d:.2e}; vs float64 {e:.2e} "
                  f"(PyTorch fp32 vs float64 {torch_err:.2e})", flush=True)
            # Agreeing with PyTorch to --tol, or being at least as close to the float64 result as PyTorch is;
            # a runtime that does neither is recorded and not timed (compare_runtimes.py skips it).
            info[f"{model}_{backend}_ok"] = ok = d <= a.tol or e <= torch_err
            if not ok:
                print(f"{model} on {backend} disagrees with PyTorch: {d:.2e} > {a.tol}, and is farther from float64 "
                      f"({e:.2e}) than PyTorch fp32 ({torch_err:.2e}): not timed", flush=True)
        print(f"{model}: saved, exported and checked in {time.perf_counter() - t0:.0f} s", flush=True)
    with open(manifest, "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps(info))


def time_one(a):
    torch.set_num_threads(THREADS)
    t0 = time.perf_counter()
    run, version = session(a.out, a.model, a.backend)
    load_s = time.perf_counter() - t0
    # As normlab's bench: the loading peak apart, then the peak while running with the model resident.
    load_peak = peak_rss_mib()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    feeds = inputs(a.out, a.model)
    y, timing = timed(lambda: run(feeds), a.reps)
    ref = np.load(os.path.join(a.out, f"{a.model}_torch.npy"))
    print(json.dumps({**timing, "load_s": load_s, "peak_rss_mib": peak_rss_mib(), "load_peak_rss_mib": load_peak, "version": version, "threads": THREADS,
                      "agreement": rel_diff(y, ref),
                      "error_vs_fp64": rel_diff(y, np.load(os.path.join(a.out, f"{a.model}_fp64.npy")))}))


def pipeline(a):
    """VAE encoder, latent, U-Net to up_blocks[1] for --batch images per pass (batch 1: the images in turn)."""
    if a.backend != "torch" and a.batch != 1:
        raise SystemExit(f"{a.backend}: the exports have a fixed batch of 1; use --batch 1 (or --backend torch)")
    torch.set_num_threads(THREADS)
    vae, _ = session(a.out, "vae", a.backend)
    unet, version = session(a.out, "unet", a.backend)
    image = np.repeat(np.load(os.path.join(a.out, "image.npy")), a.batch, axis=0)
    context = np.repeat(np.load(os.path.join(a.out, "context.npy")), a.batch, axis=0)
    timestep = np.array([50], dtype=np.int64)

    def one_pass():
        moments = vae([image])
        latent = np.ascontiguousarray(moments[:, :4] * np.float32(0.18215), dtype=np.float32)
        return unet([latent, timestep, context])
    one_pass()
    times = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        one_pass()
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(json.dumps({"median_s": median, "min_s": min(times), "times_s": sorted(times), "batch": a.batch,
                      "images_per_s": a.batch / median, "peak_rss_mib": peak_rss_mib(), "version": version, "threads": THREADS}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", required=True)
    p.add_argument("--unet-config", required=True)
    p.add_argument("--vae-config", required=True)
    p.add_argument("--latent", type=int, default=64)
    p.add_argument("--image-size", type=int, default=512)
    p.add_argument("--tol", type=float, default=1e-5)
    p.add_argument("--force", action="store_true")
    t = sub.add_parser("time")
    t.add_argument("--out", required=True)
    t.add_argument("--model", choices=["unet", "vae"], required=True)
    t.add_argument("--backend", choices=["torch", "ort", "ov"], required=True)
    t.add_argument("--reps", type=int, default=3)
    q = sub.add_parser("pipeline")
    q.add_argument("--out", required=True)
    q.add_argument("--backend", choices=["torch", "ort", "ov"], required=True)
    q.add_argument("--batch", type=int, default=1)
    q.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    {"prepare": prepare, "time": time_one, "pipeline": pipeline}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
