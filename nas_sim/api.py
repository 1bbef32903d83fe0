"""The Python API in one place: load a benchmark and an optimizer by name, simulate, save.

>>> from nas_sim import api
>>> result = api.run(benchmark="mnist1d", optimizer="rea", seed=0, budget="100x")
>>> result.summary.regret
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nas_sim import registry
from nas_sim.benchmark import Benchmark
from nas_sim.budget import Budget
from nas_sim.optimizer import Optimizer
from nas_sim.simulator import OverheadMode, SimulationResult, Simulator

DEFAULT_BENCHMARK = "mnist1d"
DEFAULT_OPTIMIZER = "rea"
DEFAULT_BUDGET = "100x"


def load_benchmark(name_or_path: str | os.PathLike[str] | Benchmark) -> Benchmark:
    """A registered benchmark name, a learning-curve set (``.parquet``) or a surrogate directory."""
    if isinstance(name_or_path, Benchmark):
        return name_or_path
    text = str(name_or_path)
    if text in registry.names("benchmark"):
        bench = registry.create("benchmark", text)
        bench.name = text
        return bench
    path = Path(text)
    if path.suffix == ".parquet" or path.is_file():
        return registry.create("benchmark", "tabular", path=path)
    if path.is_dir() and (path / "manifest.json").is_file():
        return registry.create("benchmark", "surrogate", path=path)
    raise registry.UnknownPluginError(
        f"unknown benchmark {text!r}: not a registered name (choose from: "
        f"{', '.join(registry.names('benchmark'))}), a learning-curve set (.parquet) or a "
        "surrogate directory"
    )


def make_optimizer(name: str | Optimizer, **kwargs: Any) -> Optimizer:
    if isinstance(name, Optimizer):
        return name
    opt = registry.create("optimizer", name, **kwargs)
    return opt  # type: ignore[no-any-return]


def run(
    benchmark: str | os.PathLike[str] | Benchmark = DEFAULT_BENCHMARK,
    optimizer: str | Optimizer = DEFAULT_OPTIMIZER,
    *,
    seed: int = 0,
    budget: str | float | Budget = DEFAULT_BUDGET,
    workers: int = 1,
    overhead: OverheadMode = "none",
    optimizer_kwargs: dict[str, Any] | None = None,
    max_jobs: int | None = None,
    progress: Any = None,
) -> SimulationResult:
    """Simulate one NAS run; see :class:`~nas_sim.simulator.Simulator`."""
    bench = load_benchmark(benchmark)
    opt = make_optimizer(optimizer, **(optimizer_kwargs or {}))
    sim = Simulator(
        bench,
        opt,
        budget=budget,
        n_workers=workers,
        overhead=overhead,
        seed=seed,
        max_jobs=max_jobs,
    )
    return sim.run(progress=progress)
