"""Suite files: a TOML grid of benchmark × optimizer × LCE method × E_few × seed × budget × workers.

A suite file reproduces an experiment of the kind NAS-Bench-x11 (Yan et al., NeurIPS 2021) ran:
every optimizer, with and without learning-curve extrapolation, over many seeds, per benchmark
with its own budget. This module holds the grid itself (:class:`SuiteSpec`, :meth:`SuiteSpec.expand` into
:class:`RunSpec` cells); :mod:`nas_sim.suite.parse` reads a file into it (every error names the file
and the key) and :mod:`nas_sim.suite.validate` checks what needs the registered plugins.

Format (see ``docs/suites.md``)::

    [suite]
    name = "x11_mnist1d"
    seeds = 30                    # 0..29, or a list of seeds
    budget = "100x"               # or a list: a grid axis
    workers = 1                   # or a list: a grid axis
    lce = ["none"]                # LCE methods of optimizers that do not name theirs
    e_few = [20]                  # E_few axis of LCE cells

    [lce]                         # options of the LCE wrapper, merged with per-benchmark and
    top_fraction = 0.5            # per-optimizer ``lce_options`` (and per-method tables there)
    [lce.params.wpm]              # constructor parameters of one LCE method

    [[benchmark]]
    name = "mnist1d"              # a registered benchmark, or path = "curves.parquet"

    [[optimizer]]
    name = "rea"
    params = { population_size = 20 }
    lce = ["none", "wpm", "lcsvr"]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: The "no extrapolation" entry of an LCE axis.
NO_LCE = "none"
#: An LCE cell is built by :func:`nas_sim.api.make_optimizer` with the registered ``lce`` wrapper:
#: ``wrapper(inner_optimizer, method, e_few=E, **options)``. ``[lce] wrapper`` names another
#: registered wrapper (``nas_sim.wrappers``) or a ``"module:attribute"``; empty means the default.
DEFAULT_LCE_WRAPPER = ""

#: Options of the LCE wrapper a suite may set (``lce.LCE``'s keyword arguments besides ``e_few``).
LCE_OPTIONS = {
    "top_fraction",
    "target_epoch",
    "n_init_full",
    "rule",
    "min_probability",
    "arch_encoding",
}


class SuiteSpecError(ValueError):
    """A malformed suite file; the message names the file and the key."""


@dataclass(frozen=True)
class RunSpec:
    """One cell of the grid: everything needed to simulate one run, JSON-able.

    benchmark : a registered benchmark name or an absolute path; benchmark_label names it in
    reports. lce : an LCE method name, or None for the plain optimizer (then ``e_few`` is None).
    label : the optimizer as reports show it, e.g. ``"rea"`` or ``"rea-wpm(E=20)"``.
    """

    benchmark: str
    benchmark_label: str
    optimizer: str
    optimizer_params: dict[str, Any]
    lce: str | None
    e_few: int | None
    lce_options: dict[str, Any]
    lce_params: dict[str, Any]
    lce_wrapper: str
    seed: int
    budget: str
    workers: int
    overhead: str
    max_jobs: int | None
    label: str
    run_id: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunSpec:
        return cls(**dict(d))

    def content_hash(self) -> str:
        body = {k: v for k, v in self.as_dict().items() if k != "run_id"}
        return hashlib.sha256(canonical_json(body).encode()).hexdigest()


@dataclass(frozen=True)
class BenchmarkEntry:
    ref: str  # registered name or absolute path
    label: str
    budgets: tuple[str, ...]
    e_fews: tuple[int, ...]
    lce_options: dict[str, Any]


@dataclass(frozen=True)
class OptimizerEntry:
    name: str
    label: str
    params: dict[str, Any]
    lce: tuple[str, ...]
    lce_options: dict[str, Any]


@dataclass(frozen=True)
class SuiteSpec:
    """A parsed suite file; :meth:`expand` gives the grid."""

    name: str
    description: str
    source: str
    seeds: tuple[int, ...]
    workers: tuple[int, ...]
    overhead: str
    max_jobs: int | None
    lce_wrapper: str
    lce_options: dict[str, Any]
    lce_params: dict[str, dict[str, Any]]
    benchmarks: tuple[BenchmarkEntry, ...]
    optimizers: tuple[OptimizerEntry, ...]

    def expand(self) -> list[RunSpec]:
        """Every run of the grid, in a fixed order (benchmark, optimizer, LCE, E_few, budget,
        workers, seed), each with a content-derived ``run_id``."""
        out: list[RunSpec] = []
        for b in self.benchmarks:
            for o in self.optimizers:
                for method in o.lce:
                    e_fews: tuple[int | None, ...] = (None,) if method == NO_LCE else b.e_fews
                    for e_few in e_fews:
                        for budget in b.budgets:
                            for workers in self.workers:
                                for seed in self.seeds:
                                    out.append(
                                        self._cell(b, o, method, e_few, budget, workers, seed)
                                    )
        ids = [r.run_id for r in out]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})[0]
            raise SuiteSpecError(
                f"{self.source}: the grid holds the same run twice ({dup}); give repeated "
                "benchmarks or optimizers different parameters or labels"
            )
        return out

    def _cell(
        self,
        b: BenchmarkEntry,
        o: OptimizerEntry,
        method: str,
        e_few: int | None,
        budget: str,
        workers: int,
        seed: int,
    ) -> RunSpec:
        lce = None if method == NO_LCE else method
        label = o.label if lce is None else f"{o.label}-{lce}(E={e_few})"
        options = {}
        if lce:
            # most specific wins: suite, benchmark, optimizer, the optimizer's per-method table
            per_method = o.lce_options.get(method, {})
            shared = {k: v for k, v in o.lce_options.items() if k in LCE_OPTIONS}
            options = {**self.lce_options, **b.lce_options, **shared, **per_method}
        cell = RunSpec(
            benchmark=b.ref,
            benchmark_label=b.label,
            optimizer=o.name,
            optimizer_params=dict(o.params),
            lce=lce,
            e_few=e_few,
            lce_options=options,
            lce_params=dict(self.lce_params.get(method, {})) if lce else {},
            lce_wrapper=self.lce_wrapper if lce else "",
            seed=seed,
            budget=budget,
            workers=workers,
            overhead=self.overhead,
            max_jobs=self.max_jobs,
            label=label,
        )
        slug = _slug(f"{b.label}-{label}-b{budget}-w{workers}-s{seed}")
        return _with_id(cell, f"{slug}-{cell.content_hash()[:10]}")

    def spec_hash(self) -> str:
        """A hash of the expanded grid: two files with the same runs have the same hash."""
        cells = [r.as_dict() for r in self.expand()]
        return hashlib.sha256(canonical_json(cells).encode()).hexdigest()


def _with_id(cell: RunSpec, run_id: str) -> RunSpec:
    d = cell.as_dict()
    d["run_id"] = run_id
    return RunSpec(**d)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text.replace("(", "_").replace(")", "")).strip("_")


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))
