"""What the PyTorch-side benchmark scripts share (torch_unet_bench.py, peer_runtimes.py): the thread
limits set before torch loads, peak RSS, the warm-up + timed-repetitions loop, and diffusers models
with seeded random weights built from a config. Import it before torch."""
import os
import statistics
import time


def limit_threads(n):
    """OpenMP/MKL threads for torch; takes effect only when called before torch is imported."""
    os.environ.setdefault("OMP_NUM_THREADS", str(n))
    os.environ.setdefault("MKL_NUM_THREADS", str(n))


def peak_rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed(call, reps):
    """One warm-up call, then `reps` timed calls. Returns (the last call's result, {median_s, min_s,
    warmup_s, times_s (sorted)})."""
    t0 = time.perf_counter()
    result = call()
    warm = time.perf_counter() - t0
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t0)
    times.sort()
    return result, {"median_s": statistics.median(times), "min_s": times[0], "warmup_s": warm, "times_s": times}


def random_model(cls, config, seed=0):
    """A diffusers model class (UNet2DConditionModel, AutoencoderKL…) built from `config` (a config.json
    or its folder) with the random weights torch.manual_seed(seed) gives, in eval mode."""
    import torch
    torch.manual_seed(seed)
    return cls.from_config(cls.load_config(config)).eval()
