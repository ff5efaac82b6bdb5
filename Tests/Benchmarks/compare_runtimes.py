#!/usr/bin/env python3
"""normlab against OpenVINO, ONNX Runtime and PyTorch on the same random-weight models, interleaved.

The SD-1.5 U-Net truncated after up_blocks[1] (latent 64) and the VAE encoder + quant_conv (512² image),
fp32, 2 threads each. `peer_runtimes.py prepare` (reference venv) saves the models once as a diffusers
folder, which normlab loads, exports them to ONNX and OpenVINO IR and checks those against PyTorch;
then every round runs each runtime in its own process (normlab, OpenVINO, ONNX Runtime, PyTorch, …,
waiting for a quiet machine before each), and the script prints per model a Markdown table of the
median of the run medians, normlab's ratio to each runtime, agreement with PyTorch and peak RSS.
With --profile the last normlab run of each model also prints its per-op-kind profile.

    swift build -c release --product normlab
    python3 Tests/Benchmarks/compare_runtimes.py --python ../refenv/bin/python \\
        --unet-config ../shared/configs/sd15_unet --vae-config ../shared/configs/sd_vae --models unet,vae --rounds 3
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare_unet import wait_quiet  # noqa: E402

RUNTIMES = ("normlab", "ov", "ort", "torch")
LABELS = {"normlab": "normlab", "ov": "OpenVINO fp32", "ort": "ONNX Runtime CPU EP", "torch": "PyTorch eager"}


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-4000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


def normlab_cmd(a, model, out_npy, profile):
    if model == "unet":
        cmd = [a.normlab, "bench", "unet", "--model", a.work, "--sample", f"{a.work}/sample.npy",
               "--context", f"{a.work}/context.npy", "--latent-size", str(a.latent)]
    else:
        cmd = [a.normlab, "bench", "vae", "--model", a.work, "--image", f"{a.work}/image.npy", "--image-size", str(a.image_size)]
    return cmd + ["--reps", str(a.reps), "--threads", "2", "--output", out_npy, "--json"] + (["--profile"] if profile else [])


def agreement(y_path, ref_path, python):
    """max |y − ref| / max |ref| (numpy from the reference venv)."""
    code = ("import numpy as np,sys; y=np.load(sys.argv[1]); r=np.load(sys.argv[2]); "
            "print(float(np.abs(y.reshape(r.shape)-r).max()/np.abs(r).max()))")
    return float(subprocess.run([python, "-c", code, y_path, ref_path], check=True, capture_output=True, text=True).stdout)


def measure(a, model, manifest):
    runs = {r: [] for r in a.runtimes if a.time_unchecked or manifest.get(f"{model}_{r}_ok", True)}
    for r in a.runtimes:
        if not manifest.get(f"{model}_{r}_ok", True):
            print(f"{model}: {LABELS[r]} {'timed although' if r in runs else 'not timed:'} it disagrees with PyTorch by "
                  f"{manifest[f'{model}_{r}_agreement']:.2e} (float64: {manifest[f'{model}_{r}_error_vs_fp64']:.2e}, "
                  f"PyTorch fp32 {manifest[f'{model}_torch_error_vs_fp64']:.2e})", flush=True)
    profile = ""
    for rnd in range(a.rounds):
        for rt in runs:
            quiet = wait_quiet(max_wait=a.quiet_wait)
            if rt == "normlab":
                out_npy = os.path.join(a.work, f"{model}_normlab.npy")
                res, err = run_json(normlab_cmd(a, model, out_npy, a.profile and rnd == a.rounds - 1))
                res["agreement"] = agreement(out_npy, os.path.join(a.work, f"{model}_torch.npy"), a.python)
                res["error_vs_fp64"] = agreement(out_npy, os.path.join(a.work, f"{model}_fp64.npy"), a.python)
                if "profile_s" in res:
                    profile = err[err.index("per op kind"):]
            else:
                res, _ = run_json([a.python, os.path.join(HERE, "peer_runtimes.py"), "time", "--out", a.work,
                                   "--model", model, "--backend", rt, "--reps", str(a.reps)])
            res["quiet_start"] = quiet
            runs[rt].append(res)
            print(f"{model} round {rnd + 1} {rt:8s} median {res['median_s']:.3f} s  min {res['min_s']:.3f} s  "
                  f"peak RSS {res['peak_rss_mib']:.0f} MiB  agreement {res['agreement']:.1e}"
                  f"{'' if quiet else '  (machine was busy)'}", file=sys.stderr, flush=True)
    return runs, profile


def table(model, runs, profile, gflop):
    med = {k: statistics.median(x["median_s"] for x in v) for k, v in runs.items()}
    lines = [f"### {model}", "", "| runtime | median of run medians (s) | best (s) | run medians (s) | normlab / runtime "
             "| GFLOP/s | max rel. diff to PyTorch | to float64 | peak RSS running MiB | peak RSS loading MiB |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for k, v in runs.items():
        meds = ", ".join("%.3f" % x["median_s"] for x in v)
        lines.append(f"| {LABELS[k]} {v[0].get('version', '')} | {med[k]:.3f} | {min(x['min_s'] for x in v):.3f} | {meds} | "
                     f"{med['normlab'] / med[k]:.3f} | {gflop / med[k]:.1f} | {max(x['agreement'] for x in v):.1e} | "
                     f"{max(x['error_vs_fp64'] for x in v):.1e} | "
                     f"{max(x['peak_rss_mib'] for x in v):.0f} | {max(x['load_peak_rss_mib'] for x in v):.0f} |")
    lines.append(f"\nGFLOP per run (normlab's count, 2·m·n·k of every GEMM): {gflop:.1f}. "
                 "normlab / runtime < 1 means normlab is faster.")
    if profile:
        lines += ["", "normlab profile (last round):", "```", profile.rstrip(), "```"]
    return "\n".join(lines)


def add_common_args(ap):
    """The interpreter, binary, configs and work folder every comparison script takes."""
    ap.add_argument("--python", default=os.path.join("..", "refenv", "bin", "python"))
    ap.add_argument("--normlab", default=os.path.join(".build", "release", "normlab"))
    ap.add_argument("--unet-config", required=True, help="diffusers U-Net config folder")
    ap.add_argument("--vae-config", required=True, help="diffusers AutoencoderKL config folder")
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/normlab-runtimes"),
                    help="where the saved models, exports and inputs live (about 8 GB)")


def main():
    ap = argparse.ArgumentParser()
    add_common_args(ap)
    ap.add_argument("--models", default="unet,vae")
    ap.add_argument("--runtimes", default=",".join(RUNTIMES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--latent", type=int, default=64)
    ap.add_argument("--image-size", type=int, default=512)
    ap.add_argument("--profile", action="store_true", help="profile normlab in the last round")
    ap.add_argument("--quiet-wait", type=float, default=120, help="seconds to wait for a quiet machine before each run")
    ap.add_argument("--time-unchecked", action="store_true",
                    help="also time runtimes whose export failed the agreement check (they are reported as such)")
    a = ap.parse_args()
    a.runtimes = a.runtimes.split(",")
    subprocess.run([a.python, os.path.join(HERE, "peer_runtimes.py"), "prepare", "--out", a.work, "--unet-config",
                    a.unet_config, "--vae-config", a.vae_config, "--latent", str(a.latent), "--image-size",
                    str(a.image_size)], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(a.work, "manifest.json")) as f:
        manifest = json.load(f)
    print("Export checks: " + json.dumps({k: v for k, v in manifest.items() if "agreement" in k or "fp64" in k or "version" in k}))
    results = {}
    for model in a.models.split(","):
        runs, profile = measure(a, model, manifest)
        results[model] = runs
        print(table(model, runs, profile, runs["normlab"][0]["gflop"] if "normlab" in runs else 0) + "\n", flush=True)
    print("```json\n" + json.dumps(results) + "\n```")


if __name__ == "__main__":
    main()
