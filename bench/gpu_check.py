"""The CUDA checks of issue 18, run by ``bench/gpu_check.sh`` (one prepared script, < 5 min).

1. Surrogate: 1,000,000 noisy curves of ``mnist1d-surrogate`` through ``sample_rows_torch`` on
   the device (target <= 1 s after a warm-up call), and the device's values against numpy's for
   the first 1,000 rows (float64 on both: the counter RNG is integer hashing, so only the
   transcendental functions can differ, by a few ulp).
2. WPM: nas-sim's WPM has no CUDA backend (its torch backend compiles CPU kernels), so there is
   nothing to time on a GPU; the script says so instead of timing a CPU run under a GPU label.

Without CUDA (``--device cpu``, what CI and a CPU machine run) the same code runs on the CPU with
``--curves`` as given, so the script itself is tested where no GPU is.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--curves", type=int, default=1_000_000)
    args = ap.parse_args()
    import torch

    from nas_sim import api

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("gpu_check: CUDA is not available here; run with --device cpu")
    bench = api.load_benchmark("mnist1d-surrogate")
    rng = np.random.default_rng(0)
    archs = [bench.space.sample(rng) for _ in range(min(args.curves, 15_625))]
    base = bench.rows(archs)
    rows = base[rng.integers(len(base), size=args.curves)]
    seeds = np.arange(args.curves, dtype=np.int64)

    def sync() -> None:
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    r_dev = torch.as_tensor(rows, device=args.device)
    s_dev = torch.as_tensor(seeds, device=args.device)
    bench.sample_rows_torch(r_dev[:1000], s_dev[:1000], device=args.device)  # warm-up, table move
    sync()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = bench.sample_rows_torch(r_dev, s_dev, device=args.device)
        sync()
        times.append(time.perf_counter() - t0)
    best = min(times)
    target = " (target <= 1 s on a GPU)" if args.device.startswith("cuda") else ""
    print(
        f"surrogate on {args.device}: {args.curves:,} noisy curves in {best:.3f} s "
        f"(best of 3){target}"
    )
    ref = bench.sample_rows(rows[:1000], seeds[:1000])
    worst = max(float(np.max(np.abs(out[m][:1000].cpu().numpy() - ref[m]))) for m in bench.metrics)
    print(f"device vs numpy, first 1,000 curves, max |difference| over every metric: {worst:.2e}")
    print("WPM on CUDA: not available (WPM's torch backend compiles CPU kernels); nothing timed")


if __name__ == "__main__":
    main()
