"""Simulate one cell of a suite; what every executor runs in its workers.

:func:`execute` never raises for a run that fails: it returns the traceback, the driver records
the run as failed and the suite goes on. Workers return results instead of writing files, so only
the driver writes to the suite directory (a Ray cluster needs no shared filesystem). Benchmarks
are loaded once per worker process and reused, because a benchmark answers
``curve(arch, run_seed)`` without state that depends on earlier runs.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import dataclass, replace
from typing import Any

from nas_sim import api, registry
from nas_sim.benchmark import Benchmark
from nas_sim.optimizer import Optimizer
from nas_sim.simulator import SimulationResult, Simulator
from nas_sim.suite.spec import RunSpec

_benchmarks: dict[str, Benchmark] = {}
_plugins: set[str] = set()


class LCEUnavailableError(RuntimeError):
    """A suite cell asks for learning-curve extrapolation but no LCE package is installed."""


@dataclass(frozen=True)
class Outcome:
    """What a worker reports back: the run id, ``"ok"`` with the result, or ``"failed"`` with
    the error line and the traceback."""

    run_id: str
    status: str
    result: SimulationResult | None = None
    error: str = ""
    traceback: str = ""
    #: CPU and wall seconds the worker spent on the run (for progress and benchmarks; never
    #: written to result files, which must not depend on the machine)
    cpu_s: float = 0.0
    wall_s: float = 0.0


def benchmark_for(ref: str) -> Benchmark:
    bench = _benchmarks.get(ref)
    if bench is None:
        bench = _benchmarks[ref] = api.load_benchmark(ref)
    return bench


def build_optimizer(cell: RunSpec) -> Optimizer:
    """The cell's optimizer, composed with its LCE method by :func:`nas_sim.api.make_optimizer`
    (with the suite's ``[lce] wrapper``, default the registered ``lce`` wrapper). An LCE method
    or wrapper that is not installed is an :class:`LCEUnavailableError` of this cell alone."""
    inner = api.make_optimizer(cell.optimizer, cell.optimizer_params)
    if cell.lce is None:
        return inner
    try:
        return api.make_optimizer(
            inner,
            lce=cell.lce,
            lce_params=cell.lce_params,
            e_few=cell.e_few,
            wrapper=cell.lce_wrapper or api.DEFAULT_WRAPPER,
            wrapper_options=cell.lce_options,
        )
    except (registry.UnknownPluginError, registry.PluginError) as exc:
        raise LCEUnavailableError(str(exc)) from exc


def simulate(cell: RunSpec) -> SimulationResult:
    """Run the cell's simulation; the result's config records the cell and its run id."""
    bench = benchmark_for(cell.benchmark)
    opt = build_optimizer(cell)
    sim = Simulator(
        bench,
        opt,
        budget=cell.budget,
        n_workers=cell.workers,
        overhead=cell.overhead,  # type: ignore[arg-type]
        seed=cell.seed,
        max_jobs=cell.max_jobs,
    )
    result = sim.run()
    config = dict(result.config)
    config.update(
        label=cell.label,
        benchmark_label=cell.benchmark_label,
        lce=cell.lce,
        e_few=cell.e_few,
        suite_run=cell.as_dict(),
    )
    return replace(result, config=config)


def load_plugins(plugins: tuple[str, ...]) -> None:
    """Load user plugins (``--plugin``) once per process: workers do not inherit the driver's
    in-process registrations."""
    for spec in plugins:
        if spec not in _plugins:
            registry.load_plugin(spec)
            _plugins.add(spec)


def single_threaded() -> None:
    """Pin numerical libraries to one thread in this process.

    A run's floats must not depend on the executor: a reduction split over another number of
    threads sums in another order (torch, BLAS, OpenMP), and Ray gives a task one thread where a
    local pool would give it every core. Suites parallelise over runs instead. The environment
    covers libraries loaded later; threadpoolctl and torch cover those already loaded.
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def execute(cell_dict: dict[str, Any], plugins: tuple[str, ...] = ()) -> Outcome:
    """Simulate a cell given as a dict (so any executor can ship it); never raises."""
    cell = RunSpec.from_dict(cell_dict)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        single_threaded()
        load_plugins(plugins)
        result = simulate(cell)
    except Exception as exc:
        return Outcome(
            cell.run_id,
            "failed",
            None,
            f"{type(exc).__name__}: {exc}",
            traceback.format_exc(),
            time.process_time() - cpu0,
            time.perf_counter() - wall0,
        )
    return Outcome(
        cell.run_id,
        "ok",
        result,
        cpu_s=time.process_time() - cpu0,
        wall_s=time.perf_counter() - wall0,
    )
