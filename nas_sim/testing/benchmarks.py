"""The benchmark contract: checks every benchmark plugin can run against itself.

One call runs them all and raises :class:`~nas_sim.testing.ContractError` naming each broken rule::

    from nas_sim.testing import check_benchmark
    check_benchmark("my-benchmark")                                  # a registered name
    check_benchmark("tabular", kwargs={"path": "my_curves.parquet"})  # a factory with arguments
    check_benchmark(MyBenchmark())                                   # an object

In pytest, one test per rule::

    @pytest.mark.parametrize("check", BENCHMARK_CHECKS, ids=lambda c: c.__name__)
    def test_contract(check):
        check("my-benchmark")

The rules: ``curve(arch, run_seed)`` is pure (the same arguments give the same curve, whatever
was asked in between); the batched ``curves`` equals single calls; every metric and
``epoch_time_s`` has shape ``(max_epochs,)``, accuracies lie in [0, 1], losses and epoch times are
non-negative, and the objective and its test twin are metrics; an optimizer never observes a test
metric (``LearningCurve.observed``); ``best_known``, where given, is an architecture of the space
whose expected finals it reports and which no sampled architecture beats; a benchmark fitted to
data (``training_final_range``) predicts no final value more than :data:`RANGE_TOLERANCE` beyond
what its training runs reached.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from nas_sim import registry
from nas_sim.benchmark import Benchmark
from nas_sim.learning_curve import LearningCurve, higher_is_better
from nas_sim.search_space import Architecture
from nas_sim.testing._common import ContractError, _check, _skip, run_checks

BenchmarkSpec = str | os.PathLike[str] | Benchmark

#: architectures sampled per check
DEFAULT_N_ARCHS = 12
#: relative tolerance for batched-vs-single and best_known comparisons (float32 surrogates)
_RTOL = 1e-6

#: how far (in the metric's units) a fitted benchmark's expected final may pass the training range
RANGE_TOLERANCE = 0.01

_cache: dict[tuple[str, str], Benchmark] = {}


def _bench(benchmark: BenchmarkSpec, kwargs: Mapping[str, Any] | None) -> Benchmark:
    if isinstance(benchmark, Benchmark):
        return benchmark
    text = os.fspath(benchmark)
    key = (text, repr(sorted((kwargs or {}).items())))
    if key not in _cache:
        if kwargs:
            bench = registry.create("benchmark", text, **kwargs)
        else:
            from nas_sim.api import load_benchmark

            bench = load_benchmark(text)
        if not isinstance(bench, Benchmark):
            raise ContractError(f"{text!r} gave {bench!r}, not an nas_sim.benchmark.Benchmark")
        _cache[key] = bench
    return _cache[key]


def _sample(bench: Benchmark, n: int, seed: int = 0) -> tuple[list[Architecture], list[int]]:
    rng = np.random.default_rng(seed)
    archs = [bench.space.sample(rng) for _ in range(n)]
    return archs, [int(s) for s in rng.integers(0, 2**31, size=n)]


def _same(a: LearningCurve, b: LearningCurve, rtol: float = 0.0) -> str | None:
    """None when the curves agree (within ``rtol``), else what differs."""
    if set(a.values) != set(b.values):
        return f"metrics {sorted(a.values)} != {sorted(b.values)}"
    pairs = [(k, a[k], b[k]) for k in a.values] + [("epoch_time_s", a.epoch_time_s, b.epoch_time_s)]
    for k, x, y in pairs:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.shape != y.shape or not np.allclose(x, y, rtol=rtol, atol=0.0, equal_nan=True):
            return f"{k} differs: {x[:5]}... != {y[:5]}..."
    return None


# --------------------------------------------------------------------------- the checks
@_check
def check_curve_is_pure(
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    n_archs: int = DEFAULT_N_ARCHS,
) -> None:
    """The same (arch, run_seed) gives the same curve, whatever was asked in between; different
    run seeds of a noisy benchmark may differ, but are each reproducible."""
    bench = _bench(benchmark, kwargs)
    archs, seeds = _sample(bench, n_archs)
    first = [bench.curve(a, s) for a, s in zip(archs, seeds)]
    others, other_seeds = _sample(bench, n_archs, seed=1)
    bench.curves(others, other_seeds)
    for a, s, c in zip(reversed(archs), reversed(seeds), reversed(first)):
        diff = _same(c, bench.curve(a, s))
        if diff:
            raise ContractError(
                f"curve({bench.space.format(a)!r}, {s}) changed between calls: {diff}"
            )


@_check
def check_batched_curves_match_single_calls(
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    n_archs: int = DEFAULT_N_ARCHS,
) -> None:
    """``curves(archs, run_seeds)`` equals ``[curve(a, s) ...]`` and checks its arguments."""
    bench = _bench(benchmark, kwargs)
    archs, seeds = _sample(bench, n_archs)
    batched = bench.curves(archs, seeds)
    if len(batched) != len(archs):
        raise ContractError(f"curves() returned {len(batched)} curves for {len(archs)} archs")
    for i, (a, s, c) in enumerate(zip(archs, seeds, batched)):
        diff = _same(c, bench.curve(a, s), rtol=_RTOL)
        if diff:
            raise ContractError(f"curves()[{i}] != curve({bench.space.format(a)!r}, {s}): {diff}")
    try:
        bench.curves(archs, seeds[:-1])
    except ValueError:
        return
    raise ContractError("curves() with fewer run seeds than architectures must raise ValueError")


@_check
def check_metric_shapes_and_ranges(
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    n_archs: int = DEFAULT_N_ARCHS,
) -> None:
    """Every metric and ``epoch_time_s`` has shape (max_epochs,); accuracies are fractions in
    [0, 1], losses and epoch times non-negative; the objective and its test twin exist."""
    bench = _bench(benchmark, kwargs)
    e = bench.max_epochs
    metrics = tuple(bench.metrics)
    if bench.objective not in metrics:
        raise ContractError(f"objective {bench.objective!r} is not one of the metrics {metrics}")
    if bench.test_metric not in metrics and bench.best_known is not None:
        raise ContractError(f"test metric {bench.test_metric!r} missing but best_known is given")
    archs, seeds = _sample(bench, n_archs)
    for a, s, c in zip(archs, seeds, bench.curves(archs, seeds)):
        where = f"curve({bench.space.format(a)!r}, {s})"
        if set(c.values) != set(metrics):
            raise ContractError(
                f"{where} has metrics {sorted(c.values)}, expected {sorted(metrics)}"
            )
        t = np.asarray(c.epoch_time_s, dtype=np.float64)
        if t.shape != (e,) or not np.isfinite(t).all() or (t < 0).any():
            raise ContractError(f"{where}: epoch_time_s must be finite, >= 0, shape ({e},)")
        for m in metrics:
            v = np.asarray(c[m], dtype=np.float64)
            if v.shape != (e,):
                raise ContractError(f"{where}: {m} has shape {v.shape}, expected ({e},)")
            ok = v[np.isfinite(v)]
            if np.isinf(v).any():
                raise ContractError(f"{where}: {m} has an infinite value")
            if higher_is_better(m) and ((ok < 0) | (ok > 1)).any():
                raise ContractError(f"{where}: {m} outside [0, 1]; accuracies are fractions")
            if not higher_is_better(m) and (ok < 0).any():
                raise ContractError(f"{where}: {m} is negative; losses are >= 0")


@_check
def check_test_metrics_never_observed(
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    n_archs: int = DEFAULT_N_ARCHS,
) -> None:
    """What an optimizer is told (``curve.observed(k)``) holds the objective's first ``k`` values
    and no test metric."""
    bench = _bench(benchmark, kwargs)
    archs, seeds = _sample(bench, n_archs)
    k = max(1, bench.max_epochs // 2)
    for c in bench.curves(archs, seeds):
        seen = c.observed(k)
        leaked = sorted(m for m in seen if m.startswith("test"))
        if leaked:
            raise ContractError(f"observed() exposes test metrics {leaked}")
        if bench.objective not in seen:
            raise ContractError(f"observed() lacks the objective {bench.objective!r}")
        if not np.array_equal(seen[bench.objective], c[bench.objective][:k], equal_nan=True):
            raise ContractError("observed(k) is not the first k values of the curve")


@_check
def check_best_known_is_consistent(
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    n_archs: int = DEFAULT_N_ARCHS,
) -> None:
    """``best_known`` is an architecture of the space, reports its ``expected_final`` values, and
    no sampled architecture has a better expected final test metric."""
    bench = _bench(benchmark, kwargs)
    best = bench.best_known
    if best is None:
        _skip("best_known is None (the optimum is unknown)")
        return
    space = bench.space
    arch = space.parse(best.arch)
    space.validate(arch)
    val, test = bench.expected_final(arch)
    if not np.allclose([val, test], [best.val, best.test], rtol=_RTOL, atol=1e-12):
        raise ContractError(
            f"best_known reports ({best.val}, {best.test}) but expected_final({best.arch!r}) is "
            f"({val}, {test})"
        )
    sign = 1.0 if bench.maximize else -1.0
    archs, _ = _sample(bench, 4 * n_archs)
    for a in archs:
        t = bench.expected_final(a)[1]
        if sign * t > sign * best.test + 1e-9:
            raise ContractError(
                f"{space.format(a)!r} has expected final test {t}, better than best_known "
                f"{best.test}"
            )


@_check
def check_predictions_within_training_range(
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    n_archs: int = DEFAULT_N_ARCHS,
) -> None:
    """A benchmark fitted to data predicts no expected final (validation or test objective) more
    than :data:`RANGE_TOLERANCE` above the highest (below the lowest, for losses) final value of
    its training runs: anything beyond is an extrapolation artefact a search would chase."""
    bench = _bench(benchmark, kwargs)
    ranges = bench.training_final_range
    if ranges is None:
        _skip("not fitted to data (training_final_range is None)")
        return
    space = bench.space
    archs, _ = _sample(bench, 4 * n_archs)
    if bench.best_known is not None:
        archs.append(space.parse(bench.best_known.arch))
    for a in archs:
        for metric, value in zip((bench.objective, bench.test_metric), bench.expected_final(a)):
            if metric not in ranges:
                continue
            lo, hi = ranges[metric]
            if value > hi + RANGE_TOLERANCE or value < lo - RANGE_TOLERANCE:
                raise ContractError(
                    f"{space.format(a)!r} has expected final {metric} {value}, outside the "
                    f"training range [{lo}, {hi}] ± {RANGE_TOLERANCE}"
                )


BENCHMARK_CHECKS: tuple[Callable[..., None], ...] = (
    check_curve_is_pure,
    check_batched_curves_match_single_calls,
    check_metric_shapes_and_ranges,
    check_test_metrics_never_observed,
    check_best_known_is_consistent,
    check_predictions_within_training_range,
)


def check_benchmark(
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    n_archs: int = DEFAULT_N_ARCHS,
    checks: Sequence[Callable[..., None]] = BENCHMARK_CHECKS,
) -> list[str]:
    """Run the benchmark checks; raise :class:`ContractError` listing every failure.

    benchmark : a registered name (created with ``kwargs`` when given), a learning-curve file or
        surrogate directory, or a Benchmark object. Returns the skipped checks with the reason.
    """
    return run_checks(benchmark, tuple(checks), benchmark, kwargs=kwargs, n_archs=n_archs)
