"""The optimizer contract: checks every optimizer plugin can run against itself.

One call runs them all and raises :class:`ContractError` naming each broken rule::

    from nas_sim.testing import check_optimizer
    check_optimizer("my-optimizer", "my_curves.parquet")          # a registered name
    check_optimizer(MyOptimizer, "mnist1d", kwargs={"k": 5})        # a class or factory

In pytest, one test per rule::

    import pytest
    from nas_sim.testing import OPTIMIZER_CHECKS

    @pytest.mark.parametrize("check", OPTIMIZER_CHECKS, ids=lambda c: c.__name__)
    def test_contract(check):
        check(MyOptimizer, "my_curves.parquet")

The rules: requests are valid (an architecture of the space, ``1 <= to_epoch <= max_epochs``,
resumes only of idle runs the optimizer was told about, to a later epoch); the constructor's
hyperparameters are JSON-able; the same seed gives the same trajectory, in this process and in a
fresh one; different seeds give different trajectories; decisions never depend on test metrics;
``W = 4`` workers work (never ``None`` with nothing in flight); runs told as stopped by the LCE
framework (``Result(stopped=True, extrapolated=...)``) are handled.

The optimizer and benchmark are named, not passed as objects, wherever possible: the fresh-process
check rebuilds both from their names (a registered optimizer name or an importable
``module:qualname`` class/factory, plus ``plugins`` to load first; a registered benchmark name or
a learning-curve file). It is skipped for optimizers defined in ``__main__`` or inside functions.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from nas_sim import registry
from nas_sim.benchmark import Benchmark
from nas_sim.learning_curve import LearningCurve
from nas_sim.optimizer import Optimizer, Problem, Request, Result
from nas_sim.search_space import InvalidArchitectureError
from nas_sim.simulator import SimulationError, Simulator
from nas_sim.testing._common import ContractError, _check, _skip, run_checks

OptimizerSpec = str | Callable[..., Optimizer]
BenchmarkSpec = str | os.PathLike[str] | Benchmark

#: jobs per simulated run in the checks (enough to leave every built-in's random start-up phase)
DEFAULT_N_JOBS = 40
#: budget of the check runs: large, so that ``n_jobs`` ends them
_BUDGET = "100000x"


# --------------------------------------------------------------------------- recording driver
@dataclass
class _Recorder(Optimizer):
    """Wraps an optimizer under test: validates each request, records the trajectory, and can
    play the LCE framework (stop every ``stop_every``-th job halfway and tell it as stopped)."""

    inner: Optimizer
    stop_every: int = 0
    trace: list[list[Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        super().setup(problem, rng)
        self.name = self.inner.name
        self.runs_: dict[int, int] = {}  # run id -> epochs trained, for runs told so far
        self.busy_: set[int] = set()  # resumed runs in flight
        self.new_in_flight_ = 0
        self.next_run_id_ = 0  # the simulator numbers new runs in the order they are asked
        self.to_stop_: set[int] = set()
        self.n_stoppable_ = 0
        self.inner.setup(problem, rng)

    def hyperparameters(self) -> dict[str, object]:
        return self.inner.hyperparameters()

    def modeled_cost_s(self, operation: str) -> float:
        return self.inner.modeled_cost_s(operation)

    def _fail(self, message: str) -> None:
        self.errors.append(message)
        raise ContractError(message)

    def ask(self) -> Request | None:
        req = self.inner.ask()
        in_flight = self.new_in_flight_ + len(self.busy_)
        if req is None:
            if in_flight == 0:
                self._fail(
                    "ask() returned None while no job was running: the run would stop for good "
                    "(return None only while waiting for an outstanding result)"
                )
            self.trace.append(["none"])
            return None
        p = self.problem
        if not isinstance(req, Request):
            self._fail(f"ask() must return a Request or None, got {req!r}")
        if in_flight >= p.n_workers:
            self._fail(f"ask() was called with {in_flight} jobs in flight on {p.n_workers} workers")
        to = req.to_epoch
        if (
            isinstance(to, bool)
            or not isinstance(to, (int, np.integer))
            or not 1 <= to <= p.max_epochs
        ):
            self._fail(f"Request.to_epoch must be an int in [1, {p.max_epochs}], got {to!r}")
        try:
            p.space.validate(req.arch)
        except InvalidArchitectureError as exc:
            self._fail(f"ask() returned an architecture outside the search space: {exc}")
        self.trace.append(["ask", p.space.format(req.arch), int(to), req.resume])
        if req.resume is not None:
            rid = req.resume
            if rid not in self.runs_:
                self._fail(f"Request.resume={rid!r} names no run the optimizer was told about")
            if rid in self.busy_:
                self._fail(f"Request.resume={rid} resumes a run that is still training")
            if to <= self.runs_[rid]:
                self._fail(
                    f"Request.resume={rid} to epoch {to}, but that run already has "
                    f"{self.runs_[rid]} epochs"
                )
            self.busy_.add(rid)
            start = self.runs_[rid]
        else:
            rid = self.next_run_id_
            self.next_run_id_ += 1
            self.new_in_flight_ += 1
            start = 0
        if self.stop_every and to - start >= 2:
            self.n_stoppable_ += 1
            if self.n_stoppable_ % self.stop_every == 0:
                # the LCE framework trains a few epochs, then stops the run
                self.to_stop_.add(rid)
                return Request(req.arch, start + (to - start) // 2, resume=req.resume)
        return req

    def tell(self, result: Result) -> None:
        leaked = [k for k in result.curve if k.startswith("test_")]
        if leaked:
            self._fail(f"the optimizer was shown test metrics {leaked}")
        if result.run_id in self.busy_:
            self.busy_.discard(result.run_id)
        else:
            self.new_in_flight_ -= 1
        self.runs_[result.run_id] = result.epochs
        if result.run_id in self.to_stop_:
            self.to_stop_.discard(result.run_id)
            # what the LCE framework tells a single-fidelity optimizer about a stopped run
            result = replace(result, stopped=True, extrapolated=result.value)
        self.trace.append(
            ["tell", result.run_id, result.epochs, float(result.score), result.stopped]
        )
        self.inner.tell(result)


class _TestMetricsShuffled(Benchmark):
    """``inner`` with every test metric replaced by noise: an optimizer that never looks at test
    metrics behaves exactly as on ``inner``."""

    def __init__(self, inner: Benchmark) -> None:
        self.inner = inner
        self.name = inner.name

    space = property(lambda self: self.inner.space)
    max_epochs = property(lambda self: self.inner.max_epochs)
    metrics = property(lambda self: self.inner.metrics)
    objective = property(lambda self: self.inner.objective)
    best_known = property(lambda self: self.inner.best_known)
    mean_full_training_time_s = property(lambda self: self.inner.mean_full_training_time_s)

    def curve(self, arch: Any, run_seed: int) -> LearningCurve:
        c = self.inner.curve(arch, run_seed)
        rng = np.random.default_rng(run_seed)
        values = {
            k: (rng.random(v.shape) if k.startswith("test_") else v) for k, v in c.values.items()
        }
        return LearningCurve(values=values, epoch_time_s=c.epoch_time_s)

    def expected_final(self, arch: Any) -> tuple[float, float]:
        return self.inner.expected_final(arch)


# --------------------------------------------------------------------------- building blocks
def _make(optimizer: OptimizerSpec, kwargs: Mapping[str, Any] | None) -> Optimizer:
    kw = dict(kwargs or {})
    opt = (
        registry.create("optimizer", optimizer, **kw)
        if isinstance(optimizer, str)
        else optimizer(**kw)
    )
    if not isinstance(opt, Optimizer):
        raise ContractError(f"the factory returned {opt!r}, not an nas_sim.optimizer.Optimizer")
    return opt


def _bench(benchmark: BenchmarkSpec) -> Benchmark:
    from nas_sim.api import load_benchmark

    return load_benchmark(benchmark)


def _simulate(
    optimizer: OptimizerSpec,
    benchmark: Benchmark,
    *,
    kwargs: Mapping[str, Any] | None = None,
    seed: int = 0,
    n_workers: int = 1,
    n_jobs: int = DEFAULT_N_JOBS,
    stop_every: int = 0,
) -> list[list[Any]]:
    rec = _Recorder(_make(optimizer, kwargs), stop_every=stop_every)
    sim = Simulator(benchmark, rec, budget=_BUDGET, n_workers=n_workers, seed=seed, max_jobs=n_jobs)
    try:
        result = sim.run()
    except ContractError:
        raise
    except SimulationError as exc:
        raise ContractError(f"the simulator rejected a request: {exc}") from exc
    if result.summary.jobs < n_jobs:
        raise ContractError(
            f"the run stopped after {result.summary.jobs} of {n_jobs} jobs with budget left: "
            "ask() returned None with nothing in flight"
        )
    return rec.trace


def _first_difference(a: list[list[Any]], b: list[list[Any]]) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f"step {i}: {x} != {y}"
    return f"lengths {len(a)} != {len(b)}"


def _spec_of(optimizer: OptimizerSpec) -> str | None:
    if isinstance(optimizer, str):
        return optimizer
    module = getattr(optimizer, "__module__", None)
    qualname = getattr(optimizer, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<locals>" in qualname:
        return None
    return f"{module}:{qualname}"


def _benchmark_spec(benchmark: BenchmarkSpec) -> str | None:
    if not isinstance(benchmark, Benchmark):
        return os.fspath(benchmark)
    name = benchmark.name
    if name in registry.names("benchmark") or (name and Path(name).is_file()):
        return name
    return None


def _resolve(spec: str) -> OptimizerSpec:
    if ":" not in spec:
        return spec
    module, _, qualname = spec.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- the checks
def _loads_plugins(fn: Callable[..., None]) -> Callable[..., None]:
    """Every check loads the ``plugins`` it is given before building the optimizer, so each one
    works alone (a parametrised pytest run calls them one by one, in any order)."""

    @functools.wraps(fn)
    def run(*args: Any, plugins: Sequence[str] = (), **kwargs: Any) -> None:
        for spec in plugins:
            registry.load_plugin(spec)
        fn(*args, plugins=plugins, **kwargs)

    return run


@_check
@_loads_plugins
def check_requests_valid(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """ask() returns valid Requests, and the run never stalls (one worker)."""
    _simulate(optimizer, _bench(benchmark), kwargs=kwargs, n_jobs=n_jobs)


@_check
@_loads_plugins
def check_hyperparameters_json(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """hyperparameters() is JSON-able (it goes into every result file)."""
    hp = _make(optimizer, kwargs).hyperparameters()
    try:
        json.dumps(hp)
    except (TypeError, ValueError) as exc:
        raise ContractError(f"hyperparameters() is not JSON-able: {hp!r} ({exc})") from exc


@_check
@_loads_plugins
def check_deterministic(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """The same seed gives the same trajectory (in this process)."""
    bench = _bench(benchmark)
    a = _simulate(optimizer, bench, kwargs=kwargs, seed=7, n_jobs=n_jobs)
    b = _simulate(optimizer, bench, kwargs=kwargs, seed=7, n_jobs=n_jobs)
    if a != b:
        raise ContractError(
            "two runs with the same seed differ at "
            + _first_difference(a, b)
            + " (draw every random choice from the generator given to setup())"
        )


@_check
@_loads_plugins
def check_seeds_differ(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """Different seeds give different trajectories (the optimizer uses its generator)."""
    bench = _bench(benchmark)
    asks = [
        [
            step
            for step in _simulate(optimizer, bench, kwargs=kwargs, seed=s, n_jobs=n_jobs)
            if step[0] == "ask"
        ]
        for s in (0, 1)
    ]
    if asks[0] == asks[1]:
        raise ContractError(
            "seeds 0 and 1 gave the same requests: the optimizer ignores the generator it is given"
        )


@_check
@_loads_plugins
def check_reproducible_in_fresh_process(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """A fresh Python process replays the same trajectory from the same seed."""
    opt_spec, bench_spec = _spec_of(optimizer), _benchmark_spec(benchmark)
    if opt_spec is None:
        _skip(f"{optimizer!r} has no importable name (defined in __main__ or a function)")
    if bench_spec is None:
        _skip("the benchmark has no registered name or file to reload it from")
    here = json.loads(
        json.dumps(_simulate(optimizer, _bench(benchmark), kwargs=kwargs, seed=3, n_jobs=n_jobs))
    )
    job = {
        "optimizer": opt_spec,
        "benchmark": bench_spec,
        "kwargs": dict(kwargs or {}),
        "plugins": list(plugins),
        "seed": 3,
        "n_jobs": n_jobs,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "nas_sim.testing.optimizers", json.dumps(job)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ContractError(f"the fresh process failed:\n{proc.stderr[-3000:]}")
    there = json.loads(proc.stdout.strip().splitlines()[-1])
    if here != there:
        raise ContractError(
            "a fresh process gave another trajectory for the same seed, first at "
            + _first_difference(here, there)
            + " (iteration order of sets/dicts of objects, id(), hash randomisation, or global RNGs?)"
        )


@_check
@_loads_plugins
def check_blind_to_test_metrics(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """Scrambling the benchmark's test metrics changes nothing the optimizer does."""
    bench = _bench(benchmark)
    a = _simulate(optimizer, bench, kwargs=kwargs, seed=5, n_jobs=n_jobs)
    b = _simulate(optimizer, _TestMetricsShuffled(bench), kwargs=kwargs, seed=5, n_jobs=n_jobs)
    if a != b:
        raise ContractError(
            "the optimizer's requests depend on test metrics, first at " + _first_difference(a, b)
        )


@_check
@_loads_plugins
def check_parallel_workers(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """Four asynchronous workers: valid requests, no stall, and reproducible."""
    bench = _bench(benchmark)
    a = _simulate(optimizer, bench, kwargs=kwargs, seed=11, n_workers=4, n_jobs=n_jobs)
    b = _simulate(optimizer, bench, kwargs=kwargs, seed=11, n_workers=4, n_jobs=n_jobs)
    if a != b:
        raise ContractError(
            "with 4 workers, the same seed gave another trajectory at " + _first_difference(a, b)
        )


@_check
@_loads_plugins
def check_stopped_results(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
) -> None:
    """Runs stopped early by the LCE framework (told with ``stopped=True`` and an extrapolated
    value) are handled, with one and with two workers."""
    bench = _bench(benchmark)
    for workers in (1, 2):
        trace = _simulate(
            optimizer,
            bench,
            kwargs=kwargs,
            seed=13,
            n_workers=workers,
            n_jobs=n_jobs,
            stop_every=2,
        )
        if not any(step[0] == "tell" and step[4] for step in trace):
            raise ContractError(
                "no run was stopped: every request trained a single epoch, so the check proves "
                "nothing; use a benchmark with more epochs"
            )


#: every check, in order; each takes ``(optimizer, benchmark, *, kwargs=, plugins=, n_jobs=)``
OPTIMIZER_CHECKS: tuple[Callable[..., None], ...] = (
    check_requests_valid,
    check_hyperparameters_json,
    check_deterministic,
    check_seeds_differ,
    check_reproducible_in_fresh_process,
    check_blind_to_test_metrics,
    check_parallel_workers,
    check_stopped_results,
)


def check_optimizer(
    optimizer: OptimizerSpec,
    benchmark: BenchmarkSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    plugins: Sequence[str] = (),
    n_jobs: int = DEFAULT_N_JOBS,
    checks: Sequence[Callable[..., None]] = OPTIMIZER_CHECKS,
) -> list[str]:
    """Run the contract checks; raise :class:`ContractError` listing every failure.

    optimizer : a registered name, or an Optimizer class / factory called with ``kwargs``.
    benchmark : a registered benchmark name, a learning-curve file, or a Benchmark object (the
        fresh-process check needs one of the first two, or a benchmark whose ``name`` is its file).
    plugins : modules or ``.py`` files to load (``registry.load_plugin``) before building the
        optimizer in the fresh process (loaded here too).
    Returns the names of the checks that were skipped, with the reason.
    """
    return run_checks(
        optimizer,
        tuple(checks),
        optimizer,
        benchmark,
        kwargs=kwargs,
        plugins=plugins,
        n_jobs=n_jobs,
    )


def _replay(job: dict[str, Any]) -> list[list[Any]]:
    for spec in job["plugins"]:
        registry.load_plugin(spec)
    return _simulate(
        _resolve(job["optimizer"]),
        _bench(job["benchmark"]),
        kwargs=job["kwargs"],
        seed=job["seed"],
        n_jobs=job["n_jobs"],
    )


if __name__ == "__main__":  # the fresh process of check_reproducible_in_fresh_process
    print(json.dumps(_replay(json.loads(sys.argv[1]))))
