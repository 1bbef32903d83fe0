"""Build a report from a suite directory: tables and tests as JSON-able data, figures as PNG."""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from nas_sim import registry
from nas_sim.progress import tick
from nas_sim.report import figures
from nas_sim.report.data import load_suite_data
from nas_sim.report.stats import (
    ALPHA,
    average_ranks,
    final_table,
    friedman,
    significantly_best,
    wilcoxon_pairs,
)
from nas_sim.simulator import SimulationResult

#: The benchmark pair of the learning-curve figure: a surrogate and the tabular data it models.
DEFAULT_SURROGATE = "mnist1d-surrogate"
DEFAULT_TRUE = "mnist1d"


@dataclass
class Report:
    """``data`` is JSON-able (what ``--json`` writes); ``figures`` maps a figure id to PNG bytes."""

    data: dict[str, Any]
    figures: dict[str, bytes] = field(default_factory=dict)


def _clean(x: Any) -> Any:
    """NaN → None, recursively, so the JSON is standard."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def lce_table(setting: Any) -> list[dict[str, Any]]:
    """Per base optimizer with LCE variants: each variant's final value against the base's, and
    what it cost (epochs trained, full trainings, runs started), as means over seeds."""
    rows = []
    by_label: dict[str, list[SimulationResult]] = {}
    for r in setting.results:
        by_label.setdefault(figures.label_of(r), []).append(r)
    tests = {(t.a, t.b): t for t in wilcoxon_pairs(setting)}
    for base, variants in sorted(figures.lce_groups(setting).items()):
        base_mean = float(np.mean(list(setting.final.get(base, {}).values()) or [math.nan]))
        for label in [base, *variants]:
            finals = list(setting.final.get(label, {}).values())
            runs = by_label.get(label, [])
            mean = float(np.mean(finals)) if finals else math.nan
            t = tests.get((base, label)) or tests.get((label, base))
            rows.append(
                {
                    "base": base,
                    "label": label,
                    "lce": runs[0].config.get("lce") if runs else None,
                    "e_few": runs[0].config.get("e_few") if runs else None,
                    "final_mean": mean,
                    "final_se": float(np.std(finals, ddof=1) / np.sqrt(len(finals)))
                    if len(finals) > 1
                    else 0.0,
                    "vs_base_pct": 100.0 * (mean - base_mean) / base_mean
                    if label != base and base_mean not in (0.0,) and math.isfinite(base_mean)
                    else None,
                    "p_vs_base": None if t is None or label == base else t.p_value,
                    "epochs_trained": float(np.mean([r.summary.epochs_trained for r in runs])),
                    "full_trainings": float(np.mean([r.summary.full_trainings for r in runs])),
                    "runs_started": float(np.mean([r.summary.runs for r in runs])),
                    "n": len(finals),
                }
            )
    return rows


def build_report(
    root: str | os.PathLike[str],
    *,
    surrogate: str = DEFAULT_SURROGATE,
    true_benchmark: str = DEFAULT_TRUE,
    with_figures: bool = True,
) -> Report:
    """Read the suite at ``root`` and compute every table, test and figure of its report."""
    suite = load_suite_data(root)
    settings = suite.settings
    table = final_table(settings)
    ranks = average_ranks(settings)
    all_labels = sorted(table)
    tests = {s.name: wilcoxon_pairs(s) for s in settings}
    notes: list[str] = []
    n_ok = sum(len(s.results) for s in settings)
    if n_ok + len(suite.failures) < suite.n_planned:
        notes.append(
            f"{suite.n_planned - n_ok - len(suite.failures)} of {suite.n_planned} planned runs have "
            "no result yet (resume the suite to finish them)."
        )
    data: dict[str, Any] = {
        "suite": suite.name,
        "root": suite.root,
        "runs": {"planned": suite.n_planned, "finished": n_ok, "failed": len(suite.failures)},
        "settings": [
            {
                "name": s.name,
                "benchmark": s.benchmark,
                "metric": s.metric,
                "labels": s.labels,
                "n_runs": len(s.results),
            }
            for s in settings
        ],
        "final": {label: {k: asdict(v) for k, v in row.items()} for label, row in table.items()},
        "average_rank": ranks,
        "alpha": ALPHA,
        "wilcoxon": {s.name: [asdict(t) for t in tests[s.name]] for s in settings},
        "significantly_best": {s.name: significantly_best(s, tests[s.name]) for s in settings},
        "friedman": {s.name: None if (f := friedman(s)) is None else asdict(f) for s in settings},
        "lce": {s.name: lce_table(s) for s in settings},
        "failures": [
            {
                "run_id": f["run"]["run_id"],
                "label": f["run"]["label"],
                "benchmark": f["run"]["benchmark_label"],
                "seed": f["run"]["seed"],
                "error": f["traceback"].strip().splitlines()[-1] if f["traceback"].strip() else "",
                "traceback": f["traceback"],
            }
            for f in suite.failures
        ],
        "notes": notes,
    }
    report = Report(data=data)
    if with_figures:
        colors = figures.label_colors(all_labels)
        for i, s in enumerate(settings):
            tick(i, len(settings), f"figures of {s.name}")
            report.figures[f"anytime-{i}"] = figures.anytime_figure(s, colors)
            lce = figures.lce_figure(s, colors)
            if lce is not None:
                report.figures[f"lce-{i}"] = lce
            f = friedman(s)
            if f is not None and len(f.labels) >= 2:
                report.figures[f"ranks-{i}"] = figures.rank_figure(s.name, f)
        # the surrogate's learning curves belong in a report only of a suite that ran on it
        used = {s.benchmark for s in settings} | {
            str(r.config.get("benchmark")) for s in settings for r in s.results
        }
        if surrogate in used:
            report.figures.update(_learning_curves(surrogate, true_benchmark, notes))
    data["figures"] = sorted(report.figures)
    report.data = _clean(data)
    return report


def _learning_curves(surrogate: str, true_name: str, notes: list[str]) -> dict[str, bytes]:
    names = registry.names("benchmark")
    if surrogate not in names:
        notes.append(
            f"Learning-curve figure skipped: no surrogate benchmark {surrogate!r} is registered "
            f"(registered: {', '.join(names)})."
        )
        return {}
    from nas_sim import api

    try:
        sur = api.load_benchmark(surrogate)
        true = api.load_benchmark(true_name)
        return {"learning-curves": figures.learning_curve_figure(true, sur)}
    except Exception as exc:  # a figure must not sink the whole report
        notes.append(f"Learning-curve figure skipped: {type(exc).__name__}: {exc}")
        return {}
