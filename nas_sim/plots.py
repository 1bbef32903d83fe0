"""Anytime plots: best validation error and regret against simulated time, mean ± standard error."""

from __future__ import annotations

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
    results: Sequence[SimulationResult],
    key: str,
    n_points: int = 200,
    labels: Sequence[str] | None = None,
) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]]:
    """Per optimizer label: (time grid, mean, standard error) of trajectory ``key`` over seeds.

    ``best_val_error`` is derived from ``incumbent_val`` (1 − accuracy, or the loss itself).
    ``labels`` (one per result) group the results; default :func:`label_of`.
    """
    groups: dict[str, list[SimulationResult]] = defaultdict(list)
    for r, label in zip(results, labels or [label_of(r) for r in results]):
        groups[label].append(r)
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


def configuration_labels(results: Sequence[SimulationResult]) -> list[str]:
    """One label per result that tells configurations apart: the optimizer's label, plus every
    configuration field (budget, workers, benchmark, hyperparameters, …) in which runs under that
    label differ. Runs differing only in their seed share a label and are averaged."""
    import json

    def fields(r: SimulationResult) -> dict[str, str]:
        return {
            k: json.dumps(v, sort_keys=True, default=str)
            for k, v in r.config.items()
            if k not in ("seed", "label", "suite_run")  # suite_run: the cell, seed and run id
        }

    by_label: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in results:
        by_label[label_of(r)].append(fields(r))
    out = []
    for r in results:
        group = by_label[label_of(r)]
        keys = sorted({k for f in group for k in f})
        varying = [k for k in keys if len({f.get(k) for f in group}) > 1]
        f = fields(r)
        extra = ", ".join(f"{k}={f.get(k, '-')}" for k in varying)
        out.append(f"{label_of(r)} ({extra})" if extra else label_of(r))
    return out


def use_symlog_if_needed(ax: Any, values: Sequence[float]) -> None:
    """A value of exactly 0 (a regret of 0: the optimum found) vanishes from a log axis; then the
    axis is symlog, linear below the smallest positive value, and the label says so."""
    arr = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if arr.size and (arr <= 0).any():
        pos = arr[arr > 0]
        thresh = float(pos.min()) if pos.size else 1e-3
        ax.set_yscale("symlog", linthresh=thresh)
        ax.set_ylabel(f"{ax.get_ylabel()} (symlog: linear below {thresh:.2g})")


def draw_anytime(
    ax: Any,
    results: Sequence[SimulationResult],
    key: str,
    title: str,
    colors: dict[str, Any] | None = None,
    labels: Sequence[str] | None = None,
) -> None:
    """Draw mean ± standard error of trajectory ``key`` per label on a matplotlib axis (log
    axes; symlog on y when a mean reaches 0)."""
    labels = list(labels or [label_of(r) for r in results])
    drawn: list[float] = []
    for label, (grid, mean, se) in sorted(aggregate(results, key, labels=labels).items()):
        n = labels.count(label)
        color = None if colors is None else colors.get(label)
        line = ax.plot(grid, mean, label=f"{label} (n={n})", color=color)[0]
        ax.fill_between(grid, mean - se, mean + se, alpha=0.25, color=line.get_color())
        drawn.extend(mean.tolist())
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel(f"{title} (mean ± s.e.)")
    use_symlog_if_needed(ax, drawn)
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
    """Write a two-panel figure (best validation error, regret) to ``path``; runs are grouped by
    their whole configuration (see :func:`configuration_labels`), averaged over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    has_regret = any(any(x is not None for x in r.trajectory.regret) for r in results)
    panels = [("best_val_error", "best validation error")]
    if has_regret:
        panels.append(("regret", "test regret"))
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.2), squeeze=False)
    # runs with another budget, worker count, … are other experiments: never pool them
    labels = configuration_labels(results)
    for ax, (key, title) in zip(axes[0], panels):
        draw_anytime(ax, results, key, title, labels=labels)
        ax.set_title(f"{title}, mean ± s.e. over seeds")
        ax.legend()
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=120)
    finally:
        plt.close(fig)
