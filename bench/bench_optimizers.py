"""Optimizer benchmark: mean regret over seeds, against random search, plus BANANAS' overhead.

    python bench/bench_optimizers.py                        # mnist1d if generated, else synthetic
    python bench/bench_optimizers.py --benchmark synthetic --seeds 30 --processes 2
    python bench/bench_optimizers.py --benchmark frozen-surrogate:4000   # a 4,000-class table

Prints, per optimizer, the mean (and standard error of) regret at fractions of the budget and
its ratio to random search's in the same run; wall time of the whole sweep; whether every
optimizer replays the same trajectory from the same seed; and BANANAS' optimizer time per
iteration (ask + tell, refits included), measured with one worker and ``overhead="measured"``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from pathlib import Path

import numpy as np

FRACTIONS = (0.1, 0.25, 0.5, 1.0)
_CACHE: dict = {}
SYNTHETIC = Path("/tmp/nas_sim_bench_synthetic_50ep.parquet")


def _frozen_surrogate(n_classes: int | None) -> str:
    """``mnist1d-surrogate`` frozen into a table (``SurrogateBenchmark.freeze``), written to a
    temporary file. Rebuilt on every call, so a refitted surrogate is never shadowed by a stale
    file."""
    from nas_sim import api
    from nas_sim.benchmarks.curve_set import write_curve_set

    b = api.load_benchmark("mnist1d-surrogate")
    try:
        cs = b.freeze(n_classes)  # type: ignore[attr-defined]
    except ValueError as exc:
        raise SystemExit(f"frozen-surrogate:N: {exc}") from None
    path = Path(f"/tmp/nas_sim_bench_frozen_surrogate_{n_classes or 'all'}.parquet")
    write_curve_set(cs, path)
    return str(path)


def _benchmark_spec(name: str) -> str:
    if name.startswith("frozen-surrogate"):
        _, _, n = name.partition(":")
        if n and not n.isdigit():
            raise SystemExit(f"frozen-surrogate:N needs a whole number of classes N, got {n!r}")
        return _frozen_surrogate(int(n) if n else None)
    if name != "synthetic":
        return name
    if not SYNTHETIC.is_file():
        from nas_sim.benchmarks.curve_set import write_curve_set
        from nas_sim.benchmarks.synthetic import synthetic_nb201_set

        # ~300 covered classes, 3 seeds, 50 epochs: the shape of the embedded set
        write_curve_set(synthetic_nb201_set(n_archs=300, n_seeds=3, max_epochs=50), SYNTHETIC)
    return str(SYNTHETIC)


def _one(
    job: tuple[str, str, int, str],
) -> tuple[str, int, list[float], list[float | None], float, str | None]:
    bench, opt, seed, budget = job
    import torch

    torch.set_num_threads(1)
    from nas_sim import api

    if bench not in _CACHE:  # one load per worker process
        _CACHE[bench] = api.load_benchmark(bench)
    t0 = time.process_time()  # CPU seconds: robust to other load on the machine
    r = api.run(_CACHE[bench], opt, seed=seed, budget=budget)
    cpu = time.process_time() - t0
    return opt, seed, r.trajectory.time_s, r.trajectory.regret, cpu, r.summary.incumbent


def _archs(bench) -> list[str]:  # type: ignore[no-untyped-def]
    """Every architecture of the benchmark: a tabular one's distinct strings, else the space's
    isomorphism classes (a surrogate covers them all)."""
    if hasattr(bench, "curve_set"):
        return sorted(set(bench.curve_set.archs))
    return [bench.space.format(a) for a in bench.space.unique_architectures()]


def _regret_at(times: list[float], regrets: list[float | None], t: float) -> float:
    """Regret of the incumbent at simulated time t (before the first full training: NaN)."""
    i = int(np.searchsorted(np.asarray(times), t, side="right")) - 1
    if i < 0 or regrets[i] is None:
        return float("nan")
    return float(regrets[i])  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--benchmark",
        default=None,
        help="mnist1d | synthetic | frozen-surrogate[:N] (one surrogate curve per class, all "
        "classes or N of them) | a registered name | a .parquet path",
    )
    ap.add_argument(
        "--optimizers", default=None, help="comma-separated (default: every registered optimizer)"
    )
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--budget", default="100x")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--overhead-seeds", type=int, default=3, help="BANANAS overhead runs (0: skip)")
    args = ap.parse_args()

    from nas_sim import api, registry

    args.optimizers = args.optimizers or ",".join(registry.names("optimizer"))
    from nas_sim.benchmarks.embedded import MNIST1D_SET

    name = args.benchmark or ("mnist1d" if MNIST1D_SET.is_file() else "synthetic")
    bench = _benchmark_spec(name)
    b = api.load_benchmark(bench)
    budget_s = b.mean_full_training_time_s * float(args.budget.rstrip("x"))
    opts = args.optimizers.split(",")
    print(
        f"benchmark {name}: E_max={b.max_epochs}, {b.space.size} architectures, budget "
        f"{args.budget} = {budget_s:.0f} s simulated; {args.seeds} seeds; "
        f"{args.processes} processes"
    )

    jobs = [(bench, o, s, args.budget) for o in opts for s in range(args.seeds)]
    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(args.processes) as pool:
        out = pool.map(_one, jobs, chunksize=1)
    wall = time.perf_counter() - t0
    per_opt_s = {o: sum(r[4] for r in out if r[0] == o) for o in opts}

    table = {o: np.full((args.seeds, len(FRACTIONS)), np.nan) for o in opts}
    for o, s, times, regrets, *_ in out:
        table[o][s] = [_regret_at(times, regrets, f * budget_s) for f in FRACTIONS]
    print(
        f"\nmean regret (x100, test {b.test_metric}) at fractions of the budget; "
        "ratio = mean / mean of rs (< 1: better than random search)"
    )
    head = "".join(f"{f:>8.0%} {'ratio':>6}" for f in FRACTIONS)
    print(f"{'optimizer':<10}{head}   CPU s/run")
    base = np.nanmean(table["rs"], axis=0) if "rs" in table else None
    for o in opts:
        m = np.nanmean(table[o], axis=0)
        cells = ""
        for j in range(len(FRACTIONS)):
            ratio = m[j] / base[j] if base is not None and base[j] > 0 else float("nan")
            cells += f"{100 * m[j]:>8.3f} {ratio:>6.2f}"
        print(f"{o:<10}{cells}   {per_opt_s[o] / args.seeds:8.2f}")
    missing = {o: int(np.isnan(table[o]).sum(axis=0)[0]) for o in opts}
    print(
        f"runs without a fully trained incumbent at {FRACTIONS[0]:.0%} (left out of the mean): "
        + ", ".join(f"{o} {missing[o]}" for o in opts)
    )
    # Search quality apart from validation/test disagreement: how far the final incumbent's
    # expected validation metric is from the best expected validation metric in the table.
    sign = 1.0 if b.maximize else -1.0
    finals = {a: b.expected_final(b.space.parse(a)) for a in _archs(b)}
    best_val = max(sign * v for v, _ in finals.values())
    val_regret = {o: [] for o in opts}
    for o, _, _, _, _, inc in out:
        if inc is not None:
            val_regret[o].append(best_val - sign * b.expected_final(b.space.parse(inc))[0])
    print(
        "final validation regret (x100; best expected val - incumbent's), ratio to rs: "
        + ", ".join(
            f"{o} {100 * np.mean(val_regret[o]):.3f} "
            f"({np.mean(val_regret[o]) / max(np.mean(val_regret['rs']), 1e-12):.2f})"
            for o in opts
            if val_regret[o] and "rs" in val_regret
        )
    )
    # The floor an optimizer that always finds the best validation architecture would reach: on
    # a noisy benchmark, validation/test disagreement bounds how far any search can beat RS.
    if b.best_known is not None:
        oracle = max(finals.values(), key=lambda vt: sign * vt[0])[1]
        print(
            "test regret (x100) of the architecture with the best expected validation metric "
            f"(a perfect validation search): {100 * sign * (b.best_known.test - oracle):.3f}"
        )
    se = {o: np.nanstd(table[o][:, -1]) / np.sqrt(args.seeds) for o in opts}
    print(
        "final regret standard error (x100): " + ", ".join(f"{o} {100 * se[o]:.3f}" for o in opts)
    )
    cpu = sum(per_opt_s.values())
    print(
        f"\nwall time for {len(jobs)} runs on {args.processes} processes: {wall:.1f} s; "
        f"CPU time of the runs {cpu:.1f} s, i.e. {cpu / args.processes:.1f} s on "
        f"{args.processes} idle cores (target <= 600 s)"
    )

    # same seed, same trajectory (in this process)
    same = {}
    b_obj = api.load_benchmark(bench)
    for o in opts:
        a = api.run(b_obj, o, seed=0, budget=args.budget).trajectory.as_dict()
        c = api.run(b_obj, o, seed=0, budget=args.budget).trajectory.as_dict()
        same[o] = a == c
    print("same seed, same trajectory: " + ", ".join(f"{o} {same[o]}" for o in opts))

    if "bananas" in opts and args.overhead_seeds > 0:
        _bananas_overhead(bench, args.budget, args.overhead_seeds)


def _timed_class():  # type: ignore[no-untyped-def]
    from nas_sim.optimizer import Optimizer

    class Timed(Optimizer):
        """Measures the wrapped optimizer's ask + tell seconds per iteration."""

        def __init__(self, inner, timed):  # type: ignore[no-untyped-def]
            self.inner, self.timed = inner, timed
            self.name = inner.name

        def setup(self, problem, rng):  # type: ignore[no-untyped-def]
            self.inner.setup(problem, rng)

        def ask(self):  # type: ignore[no-untyped-def]
            t, c = time.perf_counter(), time.process_time()
            out = self.inner.ask()
            self.timed.append([time.perf_counter() - t, time.process_time() - c])
            return out

        def tell(self, result):  # type: ignore[no-untyped-def]
            t, c = time.perf_counter(), time.process_time()
            self.inner.tell(result)
            self.timed[-1][0] += time.perf_counter() - t
            self.timed[-1][1] += time.process_time() - c

    return Timed


def _bananas_overhead(bench: str, budget: str, seeds: int) -> None:
    import torch

    torch.set_num_threads(1)
    from nas_sim import api

    _Timed = _timed_class()
    api.run(bench, "bananas", seed=99, budget="30x")  # warm-up: imports, allocator
    per_iter = []
    fits = 0
    for seed in range(seeds):
        opt = api.make_optimizer("bananas", {"ensemble_size": 5})
        timed: list[float] = []

        api.run(bench, _Timed(opt, timed), seed=seed, budget=budget)
        n_init = opt.num_init
        per_iter.extend(timed[n_init:])  # model-based iterations only
        fits += opt.n_fits_
    arr = np.asarray(per_iter) * 1000  # (iterations, [wall, cpu]) in ms
    print(
        f"\nBANANAS (ensemble 5, k={opt.k}, {opt.train_epochs} epochs) optimizer time per "
        f"model-based iteration (ask + tell, refits included) over {seeds} runs "
        f"({len(arr)} iterations, {fits} ensemble refits): CPU mean {arr[:, 1].mean():.1f} ms "
        f"per iteration, {arr[:, 1].sum() / max(fits, 1):.0f} ms per refit (all iterations' time "
        f"/ refits; most iterations reuse the last fit, so the median is ~0), max {arr[:, 1].max():.0f} ms; wall mean "
        f"{arr[:, 0].mean():.1f} ms (machine load inflates wall); target <= 50 ms"
    )


if __name__ == "__main__":
    main()
