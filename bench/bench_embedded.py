"""Embedded benchmark: load time in a fresh process and full-curve lookup latency.

Targets (issue "Generate the embedded default benchmark"): load <= 1 s in a fresh process,
a full-curve lookup <= 50 µs.  Run: ``python bench/bench_embedded.py [--benchmark mnist1d]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

LOAD = (
    "import time; t=time.perf_counter(); from nas_sim import api; "
    "b=api.load_benchmark({name!r}); print(time.perf_counter()-t)"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--benchmark", default="mnist1d")
    ap.add_argument("--lookups", type=int, default=200_000)
    args = ap.parse_args()

    loads = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", LOAD.format(name=args.benchmark)],
            check=True,
            capture_output=True,
            text=True,
        )
        loads.append(float(out.stdout.strip().splitlines()[-1]))
    load = statistics.median(loads)
    print(
        f"load in a fresh process (imports included): median {load:.3f} s of 5 "
        f"(target <= 1 s: {'MET' if load <= 1 else 'MISSED'})"
    )

    import numpy as np

    from nas_sim import api

    bench = api.load_benchmark(args.benchmark)
    rng = np.random.default_rng(0)
    archs = [bench.space.sample(rng) for _ in range(1000)]
    seeds = rng.integers(0, 2**62, size=args.lookups).tolist()
    for a in archs:  # first touch builds the cached LearningCurve views
        bench.curve(a, 0)
    t0 = time.perf_counter()
    for i, s in enumerate(seeds):
        bench.curve(archs[i % 1000], s)
    per = (time.perf_counter() - t0) / args.lookups * 1e6
    cold_bench = api.load_benchmark(args.benchmark)
    t0 = time.perf_counter()
    for a in archs:
        cold_bench.curve(a, 0)
    cold = (time.perf_counter() - t0) / len(archs) * 1e6
    print(
        f"full-curve lookup: {per:.2f} µs warm, {cold:.2f} µs first touch "
        f"(target <= 50 µs: {'MET' if max(per, cold) <= 50 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
