"""Landscape statistics of a multi-seed MNIST-1D NB201 table: is architecture signal, not seed luck?

The statistics the benchmark's design is chosen by (``nas-sim data pilot-mnist1d``) and that its
data card reports on the full table:

- **seed agreement**: Spearman ρ between two training seeds' final validation accuracy across
  cells, over all cells and within the better half (ranked by the mean over seeds);
- **ICC**: the one-way intraclass correlation of the k-seed mean, ICC(1,k) = (MSB − MSW) / MSB
  (Shrout & Fleiss 1979), over the better half: the share of the variance of the seed means that
  is architecture, not seed noise;
- **signal/noise**: std of the cell means over the root-mean within-cell std (one run's noise);
- **early epochs**: Spearman ρ between a run's validation accuracy at epoch E_max/5 and the same
  run's final one, over the runs of the better half: in (0.3, 0.9), early epochs inform but do
  not decide, which is what multi-fidelity methods and LCE need;
- **spread**: the best, 90th-percentile and median cell mean (a meaningful top, no ceiling);
- **locality**: the correlation of the cell means of 1-edit neighbours (cells that differ in one
  edge's op), over the neighbour pairs among the cells: what local search and evolution exploit
  (NAS-Bench-201 about 0.6; White et al. 2021, *Exploring the loss landscape in NAS*);
- **cost**: R² of the per-epoch CPU-time model on FLOPs, parameters and ops (and of ops alone), so
  that simulated time depends on the architecture as real training cost does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np
from scipy.stats import spearmanr

from nas_sim.benchmarks.offline.mnist1d.epoch_time import fit_epoch_time, machine_label_of
from nas_sim.benchmarks.offline.mnist1d.network import Arch201, live_edges
from nas_sim.benchmarks.spaces.nb201 import OPS, NB201Space

#: The targets a design must meet on its pilot (issue "mnist1d v2").
TARGETS: dict[str, tuple[float | None, float | None]] = {
    "seed_spearman_all": (0.8, None),
    "seed_spearman_better_half": (0.5, None),
    "icc_mean_better_half": (0.85, None),
    "early_spearman_better_half": (0.3, 0.9),
    "best_mean": (None, 0.99),
    "cost_r2": (0.8, None),
}


def spearman_rho(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    if len(a) < 3:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def icc_mean(values: np.ndarray) -> float:
    """ICC(1,k) of an (n_cells, k) array: reliability of the k-seed mean (one-way ANOVA)."""
    n, k = values.shape
    if n < 2 or k < 2:
        return float("nan")
    grand = values.mean()
    msb = k * ((values.mean(1) - grand) ** 2).sum() / (n - 1)
    msw = ((values - values.mean(1, keepdims=True)) ** 2).sum() / (n * (k - 1))
    return float((msb - msw) / msb) if msb > 0 else float("nan")


def records_of_curve_set(cs: Any) -> list[dict[str, Any]]:
    """Run records (the fields :func:`landscape_stats` reads) from the rows of a curve set."""
    return [
        {
            "arch": a,
            "seed": int(s),
            "val_accuracy": cs.metrics["val_accuracy"][i].tolist(),
            "test_accuracy": cs.metrics["test_accuracy"][i].tolist(),
            "train_accuracy": cs.metrics["train_accuracy"][i].tolist(),
        }
        for i, (a, s) in enumerate(zip(cs.archs, cs.seeds.tolist()))
    ]


def runs_by_cell(records: Iterable[dict[str, Any]]) -> dict[str, dict[int, dict[str, Any]]]:
    """Run records by arch string, then by training seed."""
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for r in records:
        out.setdefault(r["arch"], {})[int(r["seed"])] = r
    return out


#: Fewer neighbour pairs than this (a 100-cell pilot has a handful) give no correlation: a few
#: pairs with one degenerate cell would dominate it.
_MIN_NEIGHBOUR_PAIRS = 30


def neighbour_pairs(cells: Sequence[str], space: NB201Space) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of the cells (canonical strings) one edit apart: one
    edge's op changed, the result taken up to isomorphism (so an edit that leaves the cell
    isomorphic to itself is no neighbour)."""
    index = {space.canonical(space.parse(a)): i for i, a in enumerate(cells)}
    pairs: set[tuple[int, int]] = set()
    for arch, i in index.items():
        for edge in range(len(arch)):
            for op in range(len(OPS)):
                if op == arch[edge]:
                    continue
                edited = list(arch)
                edited[edge] = op
                other = space.canonical(cast(Arch201, tuple(edited)))
                j = index.get(other)
                if j is not None and j != i:
                    pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def _neighbour_stats(cells: Sequence[str], mean: np.ndarray, space: NB201Space) -> dict[str, Any]:
    pairs = np.array(neighbour_pairs(cells, space), dtype=np.int64).reshape(-1, 2)
    if len(pairs) < _MIN_NEIGHBOUR_PAIRS:
        return {"neighbour_pairs": len(pairs)}
    a, b = mean[pairs[:, 0]], mean[pairs[:, 1]]
    return {
        "neighbour_pairs": len(pairs),
        "neighbour_pearson_of_means": float(np.corrcoef(a, b)[0, 1]),
        "neighbour_spearman_of_means": spearman_rho(a, b),
    }


def landscape_stats(
    records: Iterable[dict[str, Any]],
    cells_per_stage: int,
    exclude: Iterable[str] = (),
    seeds: Sequence[int] = (0, 1, 2),
) -> dict[str, Any]:
    """Statistics of run records (generator JSON) over the cells that have every seed of ``seeds``.

    ``exclude`` names arch strings left out of the landscape statistics (the pilot's hand-picked
    sparse cells, which a uniform sample would rarely contain); they still enter the cost fit.
    """
    space = NB201Space()
    excluded = set(exclude)
    all_recs = list(records)
    by_cell = runs_by_cell(all_recs)
    cells = sorted(
        a for a, runs in by_cell.items() if a not in excluded and set(seeds) <= set(runs)
    )
    if len(cells) < 4:
        raise ValueError(
            f"landscape statistics need at least 4 cells with seeds {list(seeds)}, got {len(cells)}"
        )
    final = np.array([[by_cell[a][s]["val_accuracy"][-1] for s in seeds] for a in cells])
    e_max = len(by_cell[cells[0]][seeds[0]]["val_accuracy"])
    e_early = max(1, e_max // 5)
    early = np.array([[by_cell[a][s]["val_accuracy"][e_early - 1] for s in seeds] for a in cells])
    test = np.array([[by_cell[a][s]["test_accuracy"][-1] for s in seeds] for a in cells])
    mean = final.mean(1)
    order = np.argsort(-mean, kind="stable")
    better = np.sort(order[: len(cells) // 2])
    within_sd = float(np.sqrt(final.var(1, ddof=1).mean()))
    train_final = np.array([[by_cell[a][s]["train_accuracy"][-1] for s in seeds] for a in cells])

    # the cost model on every run that recorded CPU time (sparse cells included: they span it)
    rows = [r for r in all_recs if r.get("measured_epoch_cpu_s")]
    cost: dict[str, Any] = {}
    if len(rows) >= 8:
        flops = np.array([r["flops"] for r in rows], dtype=float)
        params = np.array([r["params"] for r in rows], dtype=float)
        ops = np.array(
            [len(live_edges(space.parse(r["arch"]))) * cells_per_stage * 3 for r in rows],
            dtype=float,
        )
        cpu = np.array([np.median(r["measured_epoch_cpu_s"]) for r in rows])
        machines = [machine_label_of(r, {}) for r in rows]
        full = fit_epoch_time(flops, params, ops, cpu, machines)
        ops_only = fit_epoch_time(np.zeros_like(ops), np.zeros_like(ops), ops, cpu, machines)
        no_ops = fit_epoch_time(flops, params, np.zeros_like(ops), cpu, machines)
        cost = {
            "cost_r2": full.r2,
            "cost_r2_ops_only": ops_only.r2,
            "cost_r2_flops_params_only": no_ops.r2,
            "cpu_s_per_epoch_median": float(np.median(cpu)),
            "cpu_s_per_run_mean": float(np.mean([r.get("run_cpu_s", np.nan) for r in rows])),
            "cost_model": {
                "intercept_s": full.intercept_s,
                "s_per_mflop": full.s_per_flop * 1e6,
                "s_per_kparam": full.s_per_param * 1e3,
                "s_per_op": full.s_per_op,
            },
        }
    return {
        "n_cells": len(cells),
        "seeds": list(seeds),
        "epochs": e_max,
        "early_epoch": e_early,
        "seed_spearman_all": spearman_rho(final[:, 0], final[:, 1]),
        "seed_spearman_better_half": spearman_rho(final[better, 0], final[better, 1]),
        "icc_mean_all": icc_mean(final),
        "icc_mean_better_half": icc_mean(final[better]),
        "signal_to_noise": float(mean.std(ddof=1) / within_sd) if within_sd > 0 else float("inf"),
        "seed_sd_pp": 100 * within_sd,
        "seed_sd_better_half_pp": 100 * float(np.sqrt(final[better].var(1, ddof=1).mean())),
        "early_spearman_better_half": spearman_rho(early[better].ravel(), final[better].ravel()),
        "early_spearman_all": spearman_rho(early.ravel(), final.ravel()),
        "val_test_spearman_of_means": spearman_rho(mean, test.mean(1)),
        "best_mean": float(mean.max()),
        "p90_mean": float(np.quantile(mean, 0.9)),
        "median_mean": float(np.median(mean)),
        "worst_mean": float(mean.min()),
        "median_final_train_accuracy": float(np.median(train_final)),
        # a run far below its cell's other seeds: training failed on that seed
        "failed_runs": int((final < mean[:, None] - 0.2).sum()),
        **_neighbour_stats(cells, mean, space),
        **cost,
    }


def check_targets(stats: dict[str, Any]) -> dict[str, bool]:
    """Which of :data:`TARGETS` the statistics meet (a missing statistic fails)."""
    out = {}
    for key, (lo, hi) in TARGETS.items():
        v = stats.get(key)
        if v is None or not np.isfinite(v):
            out[key] = False
            continue
        ok = lo is None or v >= lo
        if hi is not None:
            ok = ok and (v < hi if key == "best_mean" else v <= hi)
        out[key] = bool(ok)
    return out
