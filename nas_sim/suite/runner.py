"""Simulate one cell of a suite; what every executor runs in its workers.

:func:`execute` never raises for a run that fails: it returns the traceback, the driver records
the run as failed and the suite goes on. Workers return results instead of writing files, so only
the driver writes to the suite directory (a Ray cluster needs no shared filesystem). Benchmarks
are loaded once per worker process and reused, because a benchmark answers
``curve(arch, run_seed)`` without state that depends on earlier runs.
"""

from __future__ import annotations

import importlib
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
    """The cell's optimizer, wrapped in the LCE framework when the cell names an LCE method.

    The method is ``registry.create("lce", name, **lce_params)``; it wraps the inner optimizer
    itself (``method.wrap(inner, e_few=E, **lce_options)``, so the core needs no import of the LCE
    package), unless the suite names a wrapper (``module:attribute``), which is then called as
    ``wrapper(inner, method, e_few=E, **lce_options)``.
    """
    inner = registry.create("optimizer", cell.optimizer, **cell.optimizer_params)
    if cell.lce is None:
        return inner  # type: ignore[no-any-return]
    if cell.lce not in registry.names("lce"):
        known = registry.names("lce")
        raise LCEUnavailableError(
            f"LCE method {cell.lce!r} is not registered ("
            + (
                f"registered: {', '.join(known)}"
                if known
                else "no LCE package is installed: install the project's lce package or "
                "register one under 'nas_sim.lce'"
            )
            + ")"
        )
    method = registry.create("lce", cell.lce, **cell.lce_params)
    if cell.lce_wrapper:
        wrapper = _load_wrapper(cell.lce_wrapper)
        return wrapper(inner, method, e_few=cell.e_few, **cell.lce_options)  # type: ignore[no-any-return]
    wrap = getattr(method, "wrap", None)
    if wrap is None:
        raise LCEUnavailableError(
            f"LCE method {cell.lce!r} ({type(method).__name__}) has no wrap(optimizer, **options) "
            "method to build the LCE framework around an optimizer; set [lce] wrapper = "
            "'module:attribute' in the suite file"
        )
    return wrap(inner, e_few=cell.e_few, **cell.lce_options)  # type: ignore[no-any-return]


def _load_wrapper(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise LCEUnavailableError(
            f"the LCE wrapper {spec!r} cannot be loaded ({exc}); install the package that provides "
            "it or remove [lce] wrapper from the suite file to let the method wrap the optimizer"
        ) from exc


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
