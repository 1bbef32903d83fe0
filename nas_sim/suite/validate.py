"""Checks of a parsed suite that need the registered plugins: every distinct LCE configuration
is built once, as its runs will build it, so bad options are errors of the file."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nas_sim import registry
from nas_sim.benchmark import Benchmark
from nas_sim.optimizer import Optimizer, Problem
from nas_sim.suite.spec import RunSpec, SuiteSpecError, canonical_json


def check_lce_cells(cells: list[RunSpec], source: str) -> None:
    """Construct each distinct LCE configuration once (with :func:`nas_sim.api.make_optimizer`,
    as the runs will), so bad LCE options or method parameters are errors of the file. A method
    or wrapper that is not installed is skipped: its cells are then recorded as failed runs with
    a clear error, and the other cells are still checked."""
    from nas_sim import api

    seen: set[str] = set()
    for c in cells:
        if c.lce is None or c.lce not in registry.names("lce"):
            continue
        key = canonical_json(
            [
                c.optimizer,
                c.optimizer_params,
                c.lce,
                c.lce_params,
                c.e_few,
                c.lce_options,
                c.lce_wrapper,
            ]
        )
        if key in seen:
            continue
        seen.add(key)
        try:
            api.make_optimizer(
                c.optimizer,
                c.optimizer_params,
                lce=c.lce,
                lce_params=c.lce_params,
                e_few=c.e_few,
                wrapper=c.lce_wrapper or api.DEFAULT_WRAPPER,
                wrapper_options=c.lce_options,
            )
        except (registry.UnknownPluginError, registry.PluginError):
            continue
        except api.CompositionError as exc:
            if exc.part == "lce":
                raise SuiteSpecError(
                    f"{source}: [lce.params.{c.lce}]: invalid parameters for LCE method "
                    f"{c.lce!r}: {exc.cause}"
                ) from exc
            raise SuiteSpecError(
                f"{source}: LCE options {c.lce_options} with e_few={c.e_few} for {c.label!r} "
                f"(set in [lce], [[benchmark]] or [[optimizer]] lce_options): {exc.cause}"
            ) from exc


def check_cells_on_benchmarks(
    cells: list[RunSpec],
    source: str,
    benchmark_of: Callable[[str], Benchmark],
    build: Callable[[RunSpec], Optimizer],
) -> None:
    """Set up each distinct optimizer configuration once on each benchmark, as its runs will.

    What only the benchmark decides (``e_few >= max_epochs``, a target epoch past the end, an
    encoding the space lacks) is then an error of the suite file before any run starts, instead
    of every run of the suite failing. Cells whose LCE method is not installed are skipped (they
    are recorded as failed runs with a clear error).
    """
    seen: set[str] = set()
    for c in cells:
        key = canonical_json(
            [c.benchmark, c.optimizer, c.optimizer_params, c.lce, c.lce_params, c.e_few]
            + [c.lce_options, c.lce_wrapper, c.workers]
        )
        if key in seen or (c.lce is not None and c.lce not in registry.names("lce")):
            continue
        seen.add(key)
        bench = benchmark_of(c.benchmark)
        problem = Problem(
            space=bench.space,
            max_epochs=bench.max_epochs,
            objective=bench.objective,
            maximize=bench.maximize,
            n_workers=c.workers,
        )
        try:
            build(c).setup(problem, np.random.default_rng(0))
        except (registry.UnknownPluginError, registry.PluginError, LookupError, RuntimeError):
            continue  # not installed, or a plugin fault: the run records it as failed
        except (TypeError, ValueError) as exc:
            raise SuiteSpecError(
                f"{source}: {c.label!r} on benchmark {c.benchmark_label!r} (max_epochs="
                f"{bench.max_epochs}): {exc}"
            ) from exc
