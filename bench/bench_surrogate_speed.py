"""Surrogate query and fit speed (issue 4 targets).

    python bench/bench_surrogate_speed.py [--artifact DIR] [--fit-curves 20000]

Prints: median time of one noisy curve after loading (target <= 1 ms), 10,000 batched curves on
CPU (<= 0.5 s), 1,000,000 curves through the torch path (CPU here; CUDA where available,
target <= 1 s on a GPU), and the fit time on ~20,000 synthetic curves (<= 5 min on 2 cores).
The baseline in the same run is the tabular benchmark's lookup of one curve.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from nas_sim.benchmarks.surrogate.benchmark import (
    MNIST1D_SURROGATE,
    TINY_SURROGATE,
    SurrogateBenchmark,
)


def _timeit(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    default = (
        MNIST1D_SURROGATE if (MNIST1D_SURROGATE / "manifest.json").exists() else TINY_SURROGATE
    )
    ap.add_argument("--artifact", type=Path, default=default)
    ap.add_argument("--fit-curves", type=int, default=20000)
    ap.add_argument("--fit-epochs", type=int, default=50)
    ap.add_argument("--skip-fit", action="store_true")
    ap.add_argument("--cpu-torch-curves", type=int, default=100_000)
    args = ap.parse_args()

    t = time.perf_counter()
    bench = SurrogateBenchmark.from_path(args.artifact)
    load_s = time.perf_counter() - t
    rng = np.random.default_rng(0)
    archs = [bench.space.sample(rng) for _ in range(10_000)]
    t = time.perf_counter()
    bench.curve(archs[0], 0)  # first query predicts the whole mean table
    warm_s = time.perf_counter() - t
    print(f"artifact {args.artifact} (E={bench.max_epochs}, metrics={len(bench.metrics)})")
    print(f"load: {load_s:.3f} s; first query (predicts all classes): {warm_s:.3f} s")

    i = iter(range(10**9))
    single = _timeit(lambda: bench.curve(archs[next(i) % 10_000], next(i)), 2000)
    med = statistics.median(single)
    print(
        f"one noisy curve: median {med * 1e3:.3f} ms (target <= 1 ms) "
        f"p90 {np.quantile(single, 0.9) * 1e3:.3f} ms"
    )
    try:
        from nas_sim.benchmarks.embedded import MNIST1D_SET
        from nas_sim.benchmarks.tabular import TabularBenchmark

        tab = TabularBenchmark.from_path(MNIST1D_SET)
        tarchs = list(tab._rows)
        j = iter(range(10**9))
        base = statistics.median(
            _timeit(lambda: tab.curve(tarchs[next(j) % len(tarchs)], next(j)), 2000)
        )
        print(
            f"baseline tabular lookup: median {base * 1e6:.1f} us (surrogate/tabular = {med / base:.1f}x)"
        )
    except Exception as exc:  # the tabular set may be absent in a clone
        print(f"baseline tabular lookup: unavailable ({exc})")

    seeds = list(range(10_000))
    batch = _timeit(lambda: bench.curves(archs, seeds), 5)
    print(
        f"10,000 curves batched (LearningCurve objects): median {statistics.median(batch):.3f} s "
        "(target <= 0.5 s)"
    )
    rows = bench.rows(archs)
    arr = _timeit(lambda: bench.sample_rows(rows, np.arange(10_000)), 5)
    print(f"10,000 curves batched (arrays, numpy): median {statistics.median(arr):.3f} s")

    try:
        import torch
    except ImportError:
        print("torch not installed: no torch/CUDA figures")
    else:
        devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        for dev in devices:
            # 1M on a GPU (the target); on CPU 100k, which is enough to see the per-curve cost
            n = 1_000_000 if dev == "cuda" else args.cpu_torch_curves
            r = torch.as_tensor(np.random.default_rng(1).integers(0, len(bench._keys), size=n))
            s = torch.arange(n, dtype=torch.int64)
            r, s = r.to(dev), s.to(dev)
            bench.sample_rows_torch(r[:1000], s[:1000], device=dev)  # warm up, move the table

            def run(r=r, s=s, dev=dev) -> None:  # type: ignore[no-untyped-def]
                out = bench.sample_rows_torch(r, s, device=dev)
                if dev == "cuda":
                    torch.cuda.synchronize()
                del out

            ts = _timeit(run, 3)
            name = (
                torch.cuda.get_device_name()
                if dev == "cuda"
                else f"cpu ({torch.get_num_threads()} threads)"
            )
            med_t = statistics.median(ts)
            print(
                f"{n:,} curves, torch on {name}: median {med_t:.3f} s "
                f"({med_t / n * 1e6:.2f} us/curve; target 1,000,000 <= 1 s on a GPU)"
            )
        if not torch.cuda.is_available():
            print("no CUDA device on this machine: the GPU target is not measured here")

    if not args.skip_fit:
        from nas_sim.benchmarks.surrogate import fit_surrogate
        from nas_sim.benchmarks.synthetic import synthetic_nb201_set

        n_seeds = max(1, round(args.fit_curves / 6466))
        cs = synthetic_nb201_set(n_archs=None, n_seeds=n_seeds, max_epochs=args.fit_epochs)
        t = time.perf_counter()
        fit_surrogate(cs, "nb201", noise="window", seed=0)
        print(
            f"fit on {cs.n_runs} synthetic curves x {cs.max_epochs} epochs x "
            f"{len(cs.metrics)} metrics (svd+lgb+window, LightGBM 1 thread per booster): "
            f"{time.perf_counter() - t:.1f} s (target <= 300 s)"
        )


if __name__ == "__main__":
    main()
