"""ASHA's cost against its number of jobs: it must grow linearly (n log n at worst).

Promotions once scanned the top 1/eta of a rung, most of it promoted already, at every ask, so a
run cost O(jobs^2): 1000x of the embedded benchmark took 5 s, 3000x 52 s, 10000x did not end
in 10 minutes. The bench runs ASHA with 4 workers for growing job counts and prints the time
per thousand jobs and the growth exponent between successive sizes (1 = linear, 2 = quadratic).

Measured on a shared 2-core machine (mnist1d, 4 workers): 2,000 / 8,000 / 32,000 jobs took
0.32 / 0.85 / 8.8 s, against 0.39 / 2.2 / 117 s with the scan. Past ~15,600 new configurations
the NB201 space is exhausted and each new one costs its 32 rejected draws (``sample_unseen``):
a constant per job, which shows as a step in the time per thousand jobs, not as growth.

Run: ``python bench/bench_asha_scaling.py [--jobs 2000 8000 32000] [--benchmark mnist1d]``
"""

from __future__ import annotations

import argparse
import math
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, nargs="+", default=[2000, 8000, 32000])
    ap.add_argument("--benchmark", default="mnist1d", help="registered name or .parquet")
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()

    from nas_sim import api
    from nas_sim.budget import MAX_SECONDS

    bench = api.load_benchmark(args.benchmark)
    rows = []
    for n in args.jobs:
        t0 = time.perf_counter()
        res = api.run(bench, "asha", seed=0, budget=MAX_SECONDS, workers=args.workers, max_jobs=n)
        dt = time.perf_counter() - t0
        rows.append((res.summary.jobs, dt))
        print(
            f"{res.summary.jobs:>7,} jobs: {dt:7.2f} s  ({1000 * dt / res.summary.jobs:.3f} s per 1000 jobs)"
        )
    for (n0, t0_), (n1, t1) in zip(rows, rows[1:]):
        print(
            f"growth {n0:,} -> {n1:,} jobs: exponent {math.log(t1 / t0_) / math.log(n1 / n0):.2f}"
        )


if __name__ == "__main__":
    main()
