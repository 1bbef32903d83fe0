"""Surrogate query speed against the row gather it cannot beat, in the same run (issue 18).

Targets: 100,000 noisy curves <= 2 s and one curve <= 100 µs on CPU, identical alone or batched.
Each repeat times, interleaved: the gather of the 100,000 mean rows alone (``z[rows]``, the
floor), the noisy arrays (``sample_rows``), the 100,000 ``LearningCurve`` objects
(``curves``) and 2,000 single ``curve`` calls. Medians of wall and CPU (process) time; on a
loaded machine CPU time is the better estimate of an idle core's wall time.

Run: ``python bench/bench_surrogate_batch.py [--curves 100000] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from nas_sim import api


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--curves", type=int, default=100_000)
    ap.add_argument("--single", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    bench = api.load_benchmark("mnist1d-surrogate")
    rng = np.random.default_rng(0)
    archs = [bench.space.sample(rng) for _ in range(args.curves)]
    seeds = list(range(args.curves))
    rows = bench.rows(archs)  # also predicts every class's mean curve once
    z, _, _ = bench._arrays()
    singles = list(zip(archs[: args.single], seeds[: args.single]))

    def one_by_one() -> None:
        for a, s in singles:
            bench.curve(a, s)

    cases: dict[str, Callable[[], object]] = {
        "row gather z[rows] (floor)": lambda: z[rows],
        "sample_rows (noisy arrays)": lambda: bench.sample_rows(rows, np.asarray(seeds)),
        "curves (LearningCurve objects)": lambda: bench.curves(archs, seeds),
        f"{args.single} x curve (one at a time)": one_by_one,
    }
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    for _ in range(args.repeats):
        for name, fn in cases.items():
            got[name].append(timed(fn))
    print(
        f"mnist1d-surrogate, {args.curves:,} curves; medians of {args.repeats} interleaved repeats"
    )
    floor = statistics.median(w for w, _ in got["row gather z[rows] (floor)"])
    for name, runs in got.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        extra = ""
        if name.startswith(f"{args.single} x"):
            extra = f"  = {wall / args.single * 1e6:.0f} µs per curve wall, {cpu / args.single * 1e6:.0f} µs CPU"
        print(
            f"{name:<34} wall {wall:7.3f} s  CPU {cpu:7.3f} s  ({wall / floor:5.1f}x the gather){extra}"
        )
    batch = bench.curves(archs[:50], seeds[:50])
    same = all(
        np.array_equal(bench.curve(a, s)[m], c[m])
        for a, s, c in zip(archs[:50], seeds[:50], batch)
        for m in bench.metrics
    )
    print(f"alone == batched (50 curves, every metric, bit for bit): {same}")


if __name__ == "__main__":
    main()
