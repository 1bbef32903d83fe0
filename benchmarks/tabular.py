"""Tabular benchmarks: look learning curves up in a learning-curve set.

Each architecture may have several training runs (seeds). A simulated run with seed ``run_seed``
gets the stored run ``run_seed mod n_seeds`` of its isomorphism class, so a trial sees a fixed but
seed-dependent draw of training noise. An architecture absent from the table is a clear error, and
optimizers are handed a :class:`~nas_sim.benchmarks.covered_subspace.CoveredSubspace` so they only propose
architectures the table holds.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from nas_sim import registry
from nas_sim.benchmark import Benchmark, BestKnown
from nas_sim.benchmarks.covered_subspace import CoveredSubspace
from nas_sim.benchmarks.curve_set import CurveSet, CurveSetError, read_curve_set, sidecar_path
from nas_sim.learning_curve import LearningCurve
from nas_sim.search_space import Architecture, InvalidArchitectureError, SearchSpace


class TabularBenchmark(Benchmark):
    """A benchmark answered from stored curves (NAS-Bench-101/201 style tables).

    Parameters
    ----------
    curve_set : the runs; or use :meth:`from_path`.
    space : the search space; by default the registered space named by the set.
    """

    def __init__(
        self, curve_set: CurveSet, space: SearchSpace | None = None, name: str = ""
    ) -> None:
        self.curve_set = curve_set
        self.name = name or curve_set.provenance.get("name", "tabular")
        full = space if space is not None else registry.create("space", curve_set.space)
        rows: dict[Architecture, list[int]] = {}
        parsed: dict[str, Architecture] = {}  # seeds of one architecture share its string
        for i, text in enumerate(curve_set.archs):
            arch = parsed.get(text)
            if arch is None:
                try:
                    arch = parsed[text] = full.canonical(full.parse(text))
                except InvalidArchitectureError as exc:
                    raise CurveSetError(f"row {i} of the curve set: {exc}") from exc
            rows.setdefault(arch, []).append(i)
        # sort each class's runs by seed so "run_seed mod n" is independent of row order
        seeds = curve_set.seeds
        self._rows = {a: sorted(r, key=lambda i: int(seeds[i])) for a, r in rows.items()}
        self._cache: dict[Architecture, list[int]] = {}
        self._curves: list[LearningCurve | None] = [None] * curve_set.n_runs
        total = getattr(full, "unique_architectures", None)
        complete = total is not None and len(self._rows) == len(total())
        self._space = full if complete else CoveredSubspace(full, self._rows)

    @classmethod
    def from_path(
        cls, path: str | os.PathLike[str], name: str = "", version: str = ""
    ) -> TabularBenchmark:
        bench = cls(read_curve_set(path), name=name or str(Path(path)))
        bench.version = version or str(bench.curve_set.provenance.get("benchmark_version", ""))
        # read_curve_set has checked the file against this hash
        bench.data_sha256 = json.loads(sidecar_path(path).read_text()).get("parquet_sha256")
        return bench

    # ------------------------------------------------------------- interface
    @property
    def space(self) -> SearchSpace:
        return self._space

    @property
    def max_epochs(self) -> int:
        return self.curve_set.max_epochs

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.curve_set.metrics)

    @property
    def objective(self) -> str:
        return self.curve_set.objective

    def rows_of(self, arch: Architecture) -> list[int]:
        """Row indices of every stored run of ``arch``'s class, sorted by training seed."""
        rows = self._cache.get(arch)
        if rows is None:
            key = self._space.canonical(arch)
            rows = self._rows.get(key)
            if rows is None:
                raise InvalidArchitectureError(
                    f"architecture {self._space.format(arch)!r} (canonical "
                    f"{self._space.format(key)!r}) is not in the tabular benchmark {self.name!r}, "
                    f"which covers {len(self._rows)} architectures"
                )
            self._cache[arch] = rows
        return rows

    def curve(self, arch: Architecture, run_seed: int) -> LearningCurve:
        rows = self._cache.get(arch) or self.rows_of(arch)
        row = rows[run_seed % len(rows)]
        c = self._curves[row]
        if c is None:
            cs = self.curve_set
            c = LearningCurve(
                values={m: v[row] for m, v in cs.metrics.items()},
                epoch_time_s=cs.epoch_time_s[row],
            )
            self._curves[row] = c
        return c

    def expected_final(self, arch: Architecture) -> tuple[float, float]:
        rows = self.rows_of(arch)
        val, test = self._finals[self.objective], self._finals[self.test_metric]
        if len(rows) == 1:  # the mean of one value is that value: skip numpy's per-call cost
            return float(val[rows[0]]), float(test[rows[0]])
        return float(np.mean(val[rows])), float(np.mean(test[rows]))

    @cached_property
    def _finals(self) -> dict[str, np.ndarray]:
        # each metric's final values, one contiguous column (best_known reads every class's)
        return {m: np.ascontiguousarray(v[:, -1]) for m, v in self.curve_set.metrics.items()}

    @cached_property
    def best_known(self) -> BestKnown | None:  # type: ignore[override]
        if self.test_metric not in self.curve_set.metrics:
            return None
        sign = 1.0 if self.maximize else -1.0
        best_arch, best = None, (0.0, 0.0)
        for arch in self._rows:
            val, test = self.expected_final(arch)
            if best_arch is None or sign * test > sign * best[1]:
                best_arch, best = arch, (val, test)
        assert best_arch is not None
        return BestKnown(arch=self._space.format(best_arch), val=best[0], test=best[1])

    @cached_property
    def mean_full_training_time_s(self) -> float:  # type: ignore[override]
        # mean over architectures (not runs), so multi-seed classes do not weigh more
        per_run = self.curve_set.epoch_time_s.sum(axis=1)
        return float(np.mean([per_run[r].mean() for r in self._rows.values()]))

    def describe(self) -> dict[str, object]:
        info = super().describe()
        cs = self.curve_set
        seeds_per_arch = np.bincount([len(r) for r in self._rows.values()])
        info.update(
            kind="tabular",
            runs=cs.n_runs,
            architectures=len(self._rows),
            seeds_per_architecture={str(k): int(v) for k, v in enumerate(seeds_per_arch) if v},
            units=dict(cs.units),
            provenance=dict(cs.provenance),
        )
        return info
