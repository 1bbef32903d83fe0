"""Anytime plots: best validation error and regret against simulated time, mean ± standard error."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.atomic import OutputPathError, atomic_write_bytes, check_output_path
from nas_sim.simulator import SimulationResult


def step_on_grid(
    times: Sequence[float], values: Sequence[float | None], grid: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Value of a step function (last value at or before each grid time); NaN before the first."""
    t = np.asarray(times, dtype=float)
    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    idx = np.searchsorted(t, grid, side="right") - 1
    out = np.full(len(grid), np.nan)
    ok = idx >= 0
    out[ok] = v[idx[ok]]
    return out


def aggregate(
    results: Sequence[SimulationResult], key: str, n_points: int = 200
) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]]:
    """Per optimizer label: (time grid, mean, standard error) of trajectory ``key`` over seeds.

    ``best_val_error`` is derived from ``incumbent_val`` (1 − accuracy, or the loss itself).
    """
    groups = group_by_configuration(results)
    out = {}
    for label, rs in groups.items():
        horizon = max(r.config["budget_s"] for r in rs)
        grid = np.geomspace(horizon / 1e3, horizon, n_points)
        rows = []
        for r in rs:
            tr = r.trajectory
            if key == "best_val_error":
                maximize = r.config.get("maximize", True)
                vals = [
                    None if v is None else (1.0 - v if maximize else v) for v in tr.incumbent_val
                ]
            else:
                vals = getattr(tr, key)
            rows.append(step_on_grid(tr.time_s, vals, grid))
        m = np.vstack(rows)
        with np.errstate(invalid="ignore"):
            counts = np.sum(~np.isnan(m), axis=0)
            mean = np.nanmean(np.where(counts > 0, m, 0.0), axis=0)
            std = np.nanstd(np.where(counts > 0, m, 0.0), axis=0, ddof=0)
        mean[counts == 0] = np.nan
        se = np.where(counts > 1, std / np.sqrt(np.maximum(counts, 1)), 0.0)
        out[label] = (grid, mean, se)
    return out


def label_of(result: SimulationResult) -> str:
    cfg = result.config
    return str(cfg.get("label") or cfg["optimizer"])


#: configuration keys that differ between the seeds of one configuration
_PER_RUN = {"seed", "suite_run"}


def group_by_configuration(
    results: Sequence[SimulationResult],
) -> dict[str, list[SimulationResult]]:
    """The results grouped by their whole configuration except the seed, named by label.

    Results from other benchmarks, budgets or hyperparameters under one label (result files of
    two experiments plotted together) are never averaged together: such groups are named
    ``label [key=value, ...]`` by the keys in which they differ.
    """
    by_config: dict[str, list[SimulationResult]] = defaultdict(list)
    for r in results:
        cfg = {k: v for k, v in r.config.items() if k not in _PER_RUN}
        by_config[json.dumps(cfg, sort_keys=True, default=str)].append(r)
    configs_of_label: dict[str, list[str]] = defaultdict(list)
    for key, rs in by_config.items():
        configs_of_label[label_of(rs[0])].append(key)
    out: dict[str, list[SimulationResult]] = {}
    for label, keys in configs_of_label.items():
        if len(keys) == 1:
            out[label] = by_config[keys[0]]
            continue
        cfgs = [json.loads(k) for k in keys]
        differing = sorted(
            k for k in set().union(*cfgs) if len({json.dumps(c.get(k)) for c in cfgs}) > 1
        )
        for key, cfg in zip(keys, cfgs):
            what = ", ".join(f"{k}={cfg.get(k)}" for k in differing[:3])
            out[f"{label} [{what}]"] = by_config[key]
    return out


def draw_anytime(
    ax: Any,
    results: Sequence[SimulationResult],
    key: str,
    title: str,
    colors: dict[str, Any] | None = None,
) -> None:
    """Draw mean ± standard error of trajectory ``key`` per label on a matplotlib axis."""
    sizes = {label: len(rs) for label, rs in group_by_configuration(results).items()}
    for label, (grid, mean, se) in sorted(aggregate(results, key).items()):
        n = sizes[label]
        color = None if colors is None else colors.get(label)
        line = ax.plot(grid, mean, label=f"{label} (n={n})", color=color)[0]
        ax.fill_between(grid, mean - se, mean + se, alpha=0.25, color=line.get_color())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel(title)
    ax.grid(True, which="both", alpha=0.3)


#: figure formats matplotlib writes with its default (Agg) backends
FIGURE_SUFFIXES: tuple[str, ...] = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".eps", ".ps")


def check_figure_path(path: str | os.PathLike[str], what: str = "figure") -> Path:
    """Check that a figure can be written to ``path`` in a format named by its suffix, or raise
    :class:`~nas_sim.atomic.OutputPathError` naming the suffix and the supported ones."""
    p = check_output_path(path, what=what)
    if p.suffix.lower() not in FIGURE_SUFFIXES:
        raise OutputPathError(
            f"cannot write the {what} {str(p)!r}: unsupported format {p.suffix or '(no suffix)'!r}; "
            f"use one of {', '.join(FIGURE_SUFFIXES)}"
        )
    return p


def save_figure(fig: Any, path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Save a matplotlib figure atomically, after :func:`check_figure_path`."""
    import io

    p = check_figure_path(path)
    buf = io.BytesIO()
    fig.savefig(buf, format=p.suffix.lower().lstrip("."), **kwargs)
    atomic_write_bytes(p, buf.getvalue())


def plot_results(results: Sequence[SimulationResult], path: str | os.PathLike[str]) -> None:
    """Write a two-panel figure (best validation error, regret) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    has_regret = any(any(x is not None for x in r.trajectory.regret) for r in results)
    panels = [("best_val_error", "best validation error")]
    if has_regret:
        panels.append(("regret", "test regret"))
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.2), squeeze=False)
    for ax, (key, title) in zip(axes[0], panels):
        draw_anytime(ax, results, key, title)
        ax.set_title(f"{title}, mean ± s.e. over seeds")
        ax.legend()
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=120)
    finally:
        plt.close(fig)
