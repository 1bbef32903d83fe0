"""The data a report is made of: a suite's results grouped into settings, with one final value
per run.

A *setting* is a benchmark, plus the budget and worker count where the suite varies them; within
a setting, runs are grouped by label (optimizer or LCE variant) and paired by seed.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from nas_sim.plots import label_of
from nas_sim.simulator import SimulationResult
from nas_sim.suite.store import ResultsStore


@dataclass
class Setting:
    """The runs of one benchmark (× budget × workers).

    metric : ``"regret"`` when every run knows its regret (the benchmark's optimum is known),
    otherwise ``"best_val_error"``. final : label → seed → the run's final value of ``metric``
    (lower is better).
    """

    name: str
    benchmark: str
    metric: str
    results: list[SimulationResult]
    final: dict[str, dict[int, float]] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return sorted(self.final)


@dataclass
class SuiteData:
    name: str
    root: str
    n_planned: int
    settings: list[Setting]
    failures: list[dict[str, Any]]
    cells: list[dict[str, Any]]


def final_value(result: SimulationResult, metric: str) -> float | None:
    """The last value of the run's regret or best validation error (lower is better)."""
    s = result.summary
    if metric == "regret":
        return s.regret
    val = s.incumbent_val
    if val is None:
        return None
    return float(1.0 - val if result.config.get("maximize", True) else val)


def _setting_name(cfg: dict[str, Any], vary_budget: bool, vary_workers: bool) -> str:
    name = str(cfg.get("benchmark_label") or cfg["benchmark"])
    if vary_budget:
        name += f" · budget {cfg['budget']}"
    if vary_workers:
        name += f" · {cfg['n_workers']} workers"
    return name


def group_settings(results: list[SimulationResult]) -> list[Setting]:
    """Group results (``nas_sim.results.load_result``) into settings."""
    by_bench: dict[str, list[SimulationResult]] = defaultdict(list)
    for r in results:
        cfg = r.config
        by_bench[str(cfg.get("benchmark_label") or cfg["benchmark"])].append(r)
    settings: list[Setting] = []
    for bench, rs in sorted(by_bench.items()):
        vary_b = len({r.config["budget"] for r in rs}) > 1
        vary_w = len({r.config["n_workers"] for r in rs}) > 1
        groups: dict[str, list[SimulationResult]] = defaultdict(list)
        for r in rs:
            groups[_setting_name(r.config, vary_b, vary_w)].append(r)
        for name, grs in sorted(groups.items()):
            metric = (
                "regret" if all(r.summary.regret is not None for r in grs) else ("best_val_error")
            )
            s = Setting(name=name, benchmark=bench, metric=metric, results=grs)
            for r in grs:
                v = final_value(r, metric)
                if v is not None:
                    s.final.setdefault(label_of(r), {})[int(r.config["seed"])] = v
            settings.append(s)
    return settings


def load_suite_data(root: str | os.PathLike[str]) -> SuiteData:
    """Everything a report needs from a suite directory."""
    store = ResultsStore(root)
    manifest = store.read_manifest()
    results = store.load_results()
    return SuiteData(
        name=str(manifest.get("name", "")),
        root=str(root),
        n_planned=len(manifest["runs"]),
        settings=group_settings(results),
        failures=store.load_failures(),
        cells=list(manifest["runs"]),
    )
