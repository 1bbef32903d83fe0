"""The Python API in one place: load a benchmark and an optimizer by name, simulate, save.

>>> from nas_sim import api
>>> result = api.run(benchmark="mnist1d", optimizer="rea", seed=0, budget="100x")
>>> result.summary.regret
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nas_sim import registry
from nas_sim.benchmark import Benchmark
from nas_sim.budget import Budget
from nas_sim.defaults import DEFAULT_BENCHMARK, DEFAULT_BUDGET, DEFAULT_OPTIMIZER, DEFAULT_WRAPPER
from nas_sim.optimizer import Optimizer
from nas_sim.simulator import OverheadMode, SimulationResult, Simulator


def load_benchmark(name_or_path: str | os.PathLike[str] | Benchmark) -> Benchmark:
    """A registered benchmark name, a learning-curve set (``.parquet``) or a surrogate directory."""
    if isinstance(name_or_path, Benchmark):
        return name_or_path
    text = str(name_or_path)
    if text in registry.names("benchmark"):
        needs = registry.required_arguments("benchmark", text)
        if needs:
            raise registry.UnknownPluginError(
                f"benchmark {text!r} is a factory that needs {', '.join(needs)}: give the file "
                "or directory itself instead of the name (a learning-curve set .parquet, or a "
                "surrogate directory), e.g. --benchmark my_table.parquet"
            )
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


def make_optimizer(
    name: str | Optimizer | type[Optimizer],
    params: Mapping[str, Any] | None = None,
    *,
    lce: str | None = None,
    lce_params: Mapping[str, Any] | None = None,
    e_few: int | None = None,
    wrapper: str = DEFAULT_WRAPPER,
    wrapper_options: Mapping[str, Any] | None = None,
    lce_defaults: str = "wrapper",
) -> Optimizer:
    """The optimizer ``name`` (a registered name or an Optimizer subclass, built with ``params``,
    or an instance), composed with the LCE method ``lce`` when one is given: the one place where
    "optimizer + LCE" is assembled, for the CLI, suites and scripts alike.

    The composition is itself a plugin: ``wrapper`` names a class registered under the
    ``nas_sim.wrappers`` entry points (default ``"lce"``, the LCE framework) or a
    ``"module:attribute"``, and is called as
    ``wrapper(optimizer, method, e_few=e_few, **wrapper_options)`` with
    ``method = registry.create("lce", lce, **lce_params)``. A freeze-thaw framework plugs in the
    same way. ``lce_defaults="wrapper"`` (default) fills in the method's ``wrapper_defaults``
    (affordable settings for predicting every candidate, e.g. a short WPM chain) for parameters
    not in ``lce_params``; ``"method"`` keeps the method's own defaults (WPM: Domhan's full
    chain). Unknown or unloadable plugins raise :class:`~nas_sim.registry.UnknownPluginError` /
    :class:`~nas_sim.registry.PluginError`; bad LCE parameters or options raise
    :class:`CompositionError` naming the part they belong to.
    """
    if isinstance(name, Optimizer):
        if params:
            raise ValueError("params are for a registered name or a class, not an instance")
        opt = name
    elif isinstance(name, type) and issubclass(name, Optimizer):
        # a class, as Optuna takes a sampler: built with params like a registered name
        opt = name(**(params or {}))
        if not opt.name:
            opt.name = name.__name__
    elif isinstance(name, str):
        opt = registry.create("optimizer", name, **(params or {}))
    else:
        raise TypeError(
            f"optimizer must be a registered name ({', '.join(registry.names('optimizer'))}), an "
            f"Optimizer subclass or an Optimizer instance, got {name!r}"
        )
    if lce is None:
        if lce_params or e_few is not None or wrapper_options:
            raise ValueError("lce_params, e_few and wrapper_options need an LCE method (lce=...)")
        return opt  # type: ignore[no-any-return]
    if e_few is None:
        raise ValueError(f"LCE method {lce!r} needs e_few (epochs of partial training)")
    known = registry.names("lce")
    if lce not in known:
        raise registry.UnknownPluginError(
            f"unknown LCE method {lce!r}; "
            + (
                f"choose from: {', '.join(known)}"
                if known
                else "no LCE package is installed: install nas-sim's lce methods or register "
                "one under 'nas_sim.lce'"
            )
        )
    if lce_defaults not in ("wrapper", "method"):
        raise ValueError(f"lce_defaults must be 'wrapper' or 'method', got {lce_defaults!r}")
    params = dict(lce_params or {})
    if lce_defaults == "wrapper":
        params = {**getattr(registry.get("lce", lce), "wrapper_defaults", {}), **params}
    try:
        method = registry.create("lce", lce, **params)
    except (TypeError, ValueError) as exc:
        raise CompositionError("lce", lce, exc) from exc
    compose = load_wrapper(wrapper)
    try:
        return compose(opt, method, e_few=e_few, **(wrapper_options or {}))  # type: ignore[no-any-return]
    except (TypeError, ValueError) as exc:
        raise CompositionError("wrapper", wrapper, exc) from exc


class CompositionError(ValueError):
    """Invalid parameters for the LCE part of :func:`make_optimizer`'s composition (an
    optimizer's own bad parameters raise as its constructor does).

    part : ``"lce"`` (the method's parameters) or ``"wrapper"`` (``e_few`` and the wrapper
    options); name : that part's plugin name.
    """

    def __init__(self, part: str, name: str, cause: Exception) -> None:
        super().__init__(f"invalid parameters for {part} {name!r}: {cause}")
        self.part = part
        self.name = name
        self.cause = cause


def load_wrapper(wrapper: str) -> Any:
    """A registered wrapper name (``nas_sim.wrappers``) or a ``"module:attribute"``."""
    if ":" not in wrapper:
        return registry.get("wrapper", wrapper)
    module_name, _, attr = wrapper.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise registry.PluginError(
            f"the wrapper {wrapper!r} cannot be loaded ({exc}); install the package that "
            f"provides it, or use a registered wrapper: {', '.join(registry.names('wrapper'))}"
        ) from exc


def run(
    benchmark: str | os.PathLike[str] | Benchmark = DEFAULT_BENCHMARK,
    optimizer: str | Optimizer | type[Optimizer] = DEFAULT_OPTIMIZER,
    *,
    seed: int = 0,
    budget: str | float | Budget = DEFAULT_BUDGET,
    workers: int = 1,
    overhead: OverheadMode = "none",
    optimizer_kwargs: dict[str, Any] | None = None,
    max_jobs: int | None = None,
    progress: Any = None,
) -> SimulationResult:
    """Simulate one NAS run; see :class:`~nas_sim.simulator.Simulator`.

    ``optimizer`` is a registered name, an :class:`~nas_sim.optimizer.Optimizer` subclass (built
    with ``optimizer_kwargs``) or an instance."""
    bench = load_benchmark(benchmark)
    opt = make_optimizer(optimizer, optimizer_kwargs)
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
