"""Offline comparison of LCE methods on a set of complete learning curves.

Every method predicts the metric at ``target_epoch`` from the first ``E_few`` epochs of held-out
curves; reported per (method, E_few): MAE, Kendall τ between predicted means and truths, the mean
log predictive density of the truth, the coverage of central 90 % intervals, and seconds per curve.

Split: the *architectures* (not runs: several seeds of one architecture stay together) are
shuffled with ``numpy.random.default_rng(seed)`` and the first ``train_fraction`` of them form the
training set. Every method is fitted on the training runs (LcSVR learns from them; the baselines
calibrate their std on them; WPM ignores them) and evaluated on the same test runs.
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from nas_sim import api, registry
from nas_sim.lce.method import LCEMethod
from nas_sim.progress import log

Array = NDArray[np.float64]


@dataclass(frozen=True)
class CurveData:
    """Complete curves of one metric: ``curves`` (n, E_max), one architecture string per row."""

    name: str
    metric: str
    curves: Array
    archs: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class EvalRow:
    method: str
    e_few: int
    target_epoch: int
    n_train: int
    n_test: int
    mae: float
    kendall_tau: float
    log_likelihood: float
    coverage_90: float
    fit_s: float
    predict_s_per_curve: float
    n_fallback: int


def _read_nlp_logs(folder: Path, metric: str) -> CurveData:
    """Minimal NAS-Bench-NLP log reader (the released ``log_stats_model_*.json`` files), used when the official importer
    (``nas_sim.benchmarks.offline.importers.nlp_logs``) is not installed. Diverged runs are
    skipped. Architectures are identified by recipe id (isomorphic recipes are not merged)."""
    key = {"val_loss": "val_losses", "train_loss": "train_losses"}.get(metric)
    if key is None:
        raise ValueError(f"NAS-Bench-NLP logs have val_loss and train_loss, not {metric!r}")
    files = sorted(folder.glob("log_stats_model_*.json"))
    rows, archs, skipped = [], [], []
    for f in files:
        d = json.loads(f.read_text())  # Python's json accepts the NaN tokens of diverged runs
        vals = d.get(key, [])
        if d.get("status") != "OK":
            skipped.append((f.name, f"status {d.get('status')!r} after {len(vals)} epochs"))
            continue
        if len(vals) < 50 or not all(math.isfinite(v) for v in vals[:50]):
            skipped.append((f.name, f"{len(vals)} epochs or non-finite values"))
            continue
        rows.append(vals[:50])
        archs.append(str(d.get("recepie_id", f.name)))
    if not rows:
        raise ValueError(f"{folder}: no complete NAS-Bench-NLP run")
    return CurveData(folder.name, metric, np.asarray(rows, dtype=np.float64), archs, skipped)


def load_curves(spec: str | os.PathLike[str], metric: str | None = None) -> CurveData:
    """The stored curves of a tabular benchmark (a registered name such as ``mnist1d``, or a
    learning-curve set ``.parquet``, loaded with :func:`nas_sim.api.load_benchmark`), or of a
    folder of NAS-Bench-NLP logs (default metric ``val_loss``)."""
    text = str(spec)
    path = Path(text)
    if path.is_dir():
        return _load_nlp_folder(path, metric)
    if text not in registry.names("benchmark") and path.suffix != ".parquet":
        raise ValueError(
            f"unknown curve set {text!r}: give a registered tabular benchmark "
            f"({', '.join(registry.names('benchmark'))}), a .parquet learning-curve set or a "
            "folder of NAS-Bench-NLP logs"
        )
    bench = api.load_benchmark(text)
    cs = getattr(bench, "curve_set", None)  # tabular benchmarks expose the runs they answer from
    if cs is None:
        raise ValueError(
            f"{text!r} is not a tabular benchmark: LCE evaluation needs stored curves, not a model"
        )
    m = metric or cs.objective
    name = path.stem if path.suffix == ".parquet" else text
    if m not in cs.metrics:
        raise ValueError(f"metric {m!r} is not in {name}; it has: {', '.join(cs.metrics)}")
    return CurveData(name, m, np.asarray(cs.metrics[m], dtype=np.float64), list(cs.archs))


def _load_nlp_folder(path: Path, metric: str | None) -> CurveData:
    if not any(path.glob("log_stats_model_*.json")):
        raise ValueError(f"{path} is a folder without NAS-Bench-NLP logs (log_stats_model_*.json)")
    try:  # the official importer groups isomorphic recipes under one canonical architecture
        from nas_sim.benchmarks.offline.importers.nlp_logs import import_nlp_logs
    except ImportError:
        return _read_nlp_logs(path, metric or "val_loss")
    cs, report = import_nlp_logs(path)
    m = metric or cs.objective
    if m not in cs.metrics:
        raise ValueError(f"metric {m!r} is not in the NLP logs; they have: {', '.join(cs.metrics)}")
    skipped = [(s.file, s.reason) for s in report.skipped]
    return CurveData(path.name, m, np.asarray(cs.metrics[m]), list(cs.archs), skipped)


def split_by_arch(
    archs: list[str], train_fraction: float, seed: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Row indices (train, test), grouping runs of one architecture; see the module docstring."""
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")
    unique = sorted(set(archs))
    order = np.random.default_rng(seed).permutation(len(unique))
    n_train = max(1, min(len(unique) - 1, int(round(train_fraction * len(unique)))))
    train_set = {unique[i] for i in order[:n_train]}
    is_train = np.array([a in train_set for a in archs])
    return np.flatnonzero(is_train), np.flatnonzero(~is_train)


def make_method(name: str, **kwargs: Any) -> LCEMethod:
    method = registry.create("lce", name, **kwargs)
    if not isinstance(method, LCEMethod):
        raise TypeError(f"LCE plugin {name!r} is not an LCEMethod")
    return method


def evaluate(
    data: CurveData,
    methods: list[str] | list[LCEMethod],
    e_few: list[int],
    *,
    target_epoch: int | None = None,
    train_fraction: float = 0.5,
    seed: int = 0,
    max_curves: int | None = None,
    max_train_curves: int | None = None,
    predictions: dict[tuple[str, int], tuple[Any, Array]] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[EvalRow]:
    """Fit and score every method at every ``E_few``; see the module docstring.

    ``max_curves`` / ``max_train_curves`` cap the test / training curves (seeded subsamples of
    the split; a method that learns from the training curves, LcSVR, costs time with their
    number). ``predictions``, when given, receives ``(method, E_few) -> (Prediction, true
    values)``; ``on_step`` is called with a description after each (method, E_few).
    """
    n, e_max = data.curves.shape
    target = target_epoch or e_max
    if not 1 <= target <= e_max:
        raise ValueError(f"target_epoch must be in [1, {e_max}], got {target}")
    for e in e_few:
        if not 1 <= e < target:
            raise ValueError(f"E_few must be in [1, {target}) (before the target epoch), got {e}")
    train, test = split_by_arch(data.archs, train_fraction, seed)
    if max_curves is not None and len(test) > max_curves:
        test = np.sort(np.random.default_rng(seed + 1).choice(test, max_curves, replace=False))
    if max_train_curves is not None and len(train) > max_train_curves:
        train = np.sort(
            np.random.default_rng(seed + 2).choice(train, max_train_curves, replace=False)
        )
    y_train = data.curves[train, target - 1]
    y_test = data.curves[test, target - 1]
    rows: list[EvalRow] = []
    for m in methods:
        for e in e_few:
            # a fresh (copied) method per E_few: no state leaks between settings
            method = make_method(m) if isinstance(m, str) else copy.deepcopy(m)
            log.info(
                "%s at E_few=%d: fit on %d curves, predict %d",
                method.name,
                e,
                len(train),
                len(test),
            )
            rng = np.random.default_rng(seed)
            t0 = time.perf_counter()
            method.fit(
                data.curves[train, :e], y_train, target_epoch=target, metric=data.metric, rng=rng
            )
            fit_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            pred = method.predict(data.curves[test, :e], target, metric=data.metric, rng=rng)
            pred_s = (time.perf_counter() - t0) / max(len(test), 1)
            if predictions is not None:
                predictions[(method.name, e)] = (pred, y_test)
            lo, hi = pred.interval(0.9)
            tau = stats.kendalltau(pred.mean, y_test).statistic if len(test) > 1 else float("nan")
            rows.append(
                EvalRow(
                    method=method.name,
                    e_few=e,
                    target_epoch=target,
                    n_train=len(train),
                    n_test=len(test),
                    mae=float(np.mean(np.abs(pred.mean - y_test))),
                    kendall_tau=float(tau),
                    log_likelihood=float(np.mean(pred.log_pdf(y_test))),
                    coverage_90=float(np.mean((y_test >= lo) & (y_test <= hi))),
                    fit_s=fit_s,
                    predict_s_per_curve=pred_s,
                    n_fallback=int(pred.fallback.sum()) if pred.fallback is not None else 0,
                )
            )
            if on_step is not None:
                on_step(f"{method.name} at E_few={e}")
    return rows


def rows_as_dicts(rows: list[EvalRow]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def plot_predictions(
    data: CurveData,
    predictions: dict[tuple[str, int], tuple[Any, Array]],
    rows: list[EvalRow],
    path: str | os.PathLike[str],
) -> None:
    """Predicted vs true target values (90 % intervals as bars), one panel per (E_few, method).

    Intervals are clipped to the metric's range (accuracies in [0, 1], losses >= 0): a Gaussian
    interval of a method can reach beyond it, a value cannot. Every panel has the same square
    axes over the truths and predictions, with the y = x diagonal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nas_sim.plots import save_figure

    methods = sorted({k[0] for k in predictions}, key=[r.method for r in rows].index)
    e_few = sorted({k[1] for k in predictions})
    fig, axes = plt.subplots(
        len(e_few), len(methods), figsize=(3.2 * len(methods), 3.0 * len(e_few)), squeeze=False
    )
    low, high = (0.0, 1.0) if data.metric.endswith("accuracy") else (0.0, np.inf)
    shown = np.concatenate(
        [np.concatenate([y, np.clip(p.mean, low, high)]) for p, y in predictions.values()]
    )
    pad = 0.03 * max(float(np.ptp(shown)), 1e-9)
    lo_all, hi_all = float(shown.min()) - pad, float(shown.max()) + pad
    for i, e in enumerate(e_few):
        for j, name in enumerate(methods):
            pred, y = predictions[(name, e)]
            mean = np.clip(pred.mean, low, high)
            lo, hi = (np.clip(v, low, high) for v in pred.interval(0.9))
            ax = axes[i, j]
            ax.errorbar(
                y,
                mean,
                yerr=[mean - lo, hi - mean],
                fmt="o",
                ms=2,
                alpha=0.5,
                elinewidth=0.5,
            )
            ax.plot([lo_all, hi_all], [lo_all, hi_all], "k--", lw=0.8)
            ax.set_xlim(lo_all, hi_all)
            ax.set_ylim(lo_all, hi_all)
            ax.set_aspect("equal")
            row = next(r for r in rows if r.method == name and r.e_few == e)
            ax.set_title(
                f"{name}, E_few={e}\nMAE {row.mae:.3g}  tau {row.kendall_tau:.2f}  "
                f"cov90 {row.coverage_90:.2f}",
                fontsize=8,
            )
            ax.set_xlabel(f"true {data.metric} at epoch {row.target_epoch}", fontsize=7)
            ax.set_ylabel("predicted (90% interval)", fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle(f"{data.name}: {rows[0].n_test} test curves", fontsize=9)
    fig.tight_layout()
    try:
        save_figure(fig, path, dpi=120)
    finally:
        plt.close(fig)
