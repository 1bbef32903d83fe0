"""Statistics and data card of the MNIST-1D NB201 learning-curve set, computed from the set itself.

``stats.json`` holds every number the card shows; ``DATA_CARD.md`` is rendered from it and the
set's provenance, so a test can recompute the statistics from the committed Parquet file and
check both. Rank correlations follow NAS-Bench-101's (Ying et al. 2019) early-vs-final table.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from nas_sim.atomic import atomic_write_text
from nas_sim.benchmarks.curve_set import CurveSet, read_curve_set

EARLY_EPOCHS = (1, 5, 10, 20, 30)
TOP_FRACTIONS = (0.01, 0.1, 0.25, 0.5, 1.0)
NOISE_EPOCHS = (1, 5, 10, 20, 30, 40, 50)
_DIGITS = 6


def _r(x: float) -> float:
    return round(float(x), _DIGITS)


def _first_seed_rows(cs: CurveSet) -> list[int]:
    """Row of each architecture's lowest-seed run, in order of architecture string."""
    best: dict[str, int] = {}
    for i, (a, s) in enumerate(zip(cs.archs, cs.seeds.tolist())):
        if a not in best or s < cs.seeds[best[a]]:
            best[a] = i
    return [best[a] for a in sorted(best)]


def _summary(v: np.ndarray) -> dict[str, float]:
    q = np.quantile(v, [0.0, 0.1, 0.5, 0.9, 1.0])
    return {
        "min": _r(q[0]),
        "p10": _r(q[1]),
        "median": _r(q[2]),
        "p90": _r(q[3]),
        "max": _r(q[4]),
        "mean": _r(v.mean()),
    }


def _cpu_summary(v: np.ndarray) -> dict[str, float] | None:
    v = v[np.isfinite(v)]  # runs of the first generator session did not record CPU time
    return {**_summary(v), "n_runs": int(len(v))} if len(v) else None


def compute_stats(cs: CurveSet) -> dict[str, Any]:
    """Every number of the card, from the curve set alone (JSON-able, floats rounded)."""
    from scipy.stats import kendalltau, spearmanr

    e_max = cs.max_epochs
    val, test = cs.metrics["val_accuracy"], cs.metrics["test_accuracy"]
    rows = _first_seed_rows(cs)
    seeds_per_arch: dict[str, list[int]] = {}
    for i, a in enumerate(cs.archs):
        seeds_per_arch.setdefault(a, []).append(i)
    counts: dict[str, int] = {}
    for idx in seeds_per_arch.values():
        counts[str(len(idx))] = counts.get(str(len(idx)), 0) + 1

    final_val, final_test = val[rows, -1], test[rows, -1]
    multi = [idx for idx in seeds_per_arch.values() if len(idx) >= 2]
    noise: dict[str, Any] = {"n_archs": len(multi)}
    for name, m in (("val_accuracy", val), ("test_accuracy", test)):
        if multi:
            per_epoch = np.mean([m[idx].std(axis=0, ddof=1) for idx in multi], axis=0)
            noise[name] = [_r(x) for x in per_epoch]
        else:
            noise[name] = None

    order = np.argsort(-final_val, kind="stable")
    ranks: list[dict[str, Any]] = []
    for frac in TOP_FRACTIONS:
        n_top = max(1, math.ceil(frac * len(rows)))
        top = [rows[j] for j in order[:n_top]]
        for e in EARLY_EPOCHS:
            if e > e_max:
                continue
            early, final = val[top, e - 1], val[top, -1]
            ok = n_top >= 3 and np.ptp(early) > 0 and np.ptp(final) > 0
            ranks.append(
                {
                    "top_fraction": frac,
                    "n_archs": n_top,
                    "epoch": e,
                    "spearman": _r(spearmanr(early, final).statistic) if ok else None,
                    "kendall": _r(kendalltau(early, final).statistic) if ok else None,
                }
            )
    best = [rows[j] for j in order[:5]]
    landscape = _landscape(cs)
    etm = dict(cs.provenance.get("epoch_time_model", {}))
    run_cost = cs.epoch_time_s.sum(axis=1)
    return {
        "n_runs": cs.n_runs,
        "n_archs": len(rows),
        "archs_by_seed_count": dict(sorted(counts.items())),
        "seeds": sorted({int(s) for s in cs.seeds}),
        "max_epochs": e_max,
        "final_val_accuracy": _summary(final_val),
        "final_test_accuracy": _summary(final_test),
        "n_archs_final_val_below_0.2": int((final_val < 0.2).sum()),
        "top5": [
            {"arch": cs.archs[i], "val_accuracy": _r(val[i, -1]), "test_accuracy": _r(test[i, -1])}
            for i in best
        ],
        "seed_std_per_epoch": noise,
        "rank_correlation_early_vs_final_val": ranks,
        "params": _summary(np.asarray(cs.run_info["params"], dtype=np.float64)),
        "flops": _summary(np.asarray(cs.run_info["flops"], dtype=np.float64)),
        "cell_ops": _summary(np.asarray(cs.run_info["cell_ops"], dtype=np.float64)),
        "measured_epoch_time_s": _summary(np.asarray(cs.run_info["measured_epoch_time_s"])),
        "run_wall_s": _summary(np.asarray(cs.run_info["run_wall_s"])),
        "run_cpu_s": _cpu_summary(np.asarray(cs.run_info["run_cpu_s"], dtype=np.float64)),
        "fitted_run_time_s": _summary(run_cost),
        "epoch_time_model": {k: _r(v) if isinstance(v, float) else v for k, v in etm.items()},
        "landscape": landscape,
    }


def _landscape(cs: CurveSet) -> dict[str, Any] | None:
    """Landscape statistics over the cells with every one of the set's first three seeds."""
    from nas_sim.benchmarks.offline.mnist1d.landscape import landscape_stats, records_of_curve_set
    from nas_sim.benchmarks.offline.mnist1d.plan import sparse_cell_strings

    seeds = sorted({int(s) for s in cs.seeds})[:3]
    if len(seeds) < 2:
        return None
    try:
        stats = landscape_stats(records_of_curve_set(cs), 1, sparse_cell_strings(), seeds)
    except ValueError:
        return None  # fewer than 4 cells with every seed
    return {k: _r(v) if isinstance(v, float) else v for k, v in stats.items()}


_LANDSCAPE_ROWS = (
    ("seed_spearman_all", "Spearman ρ(seed 0, seed 1) of final val accuracy, all cells"),
    ("seed_spearman_better_half", "the same within the better half"),
    ("icc_mean_all", "ICC of the seed mean, all cells"),
    ("icc_mean_better_half", "ICC of the seed mean, better half"),
    ("signal_to_noise", "std of cell means / seed std"),
    ("seed_sd_pp", "seed std of final val accuracy (pp)"),
    ("seed_sd_better_half_pp", "the same within the better half (pp)"),
    ("early_spearman_better_half", "Spearman ρ(early epoch, final), better half"),
    ("early_spearman_all", "the same, all cells"),
    ("val_test_spearman_of_means", "Spearman ρ(val mean, test mean)"),
    ("best_mean", "best cell's mean final val accuracy"),
    ("p90_mean", "90th percentile of cell means"),
    ("median_mean", "median cell mean"),
    ("median_final_train_accuracy", "median final train accuracy"),
    ("neighbour_pearson_of_means", "correlation of 1-edit neighbours' cell means (Pearson)"),
    ("neighbour_spearman_of_means", "the same, Spearman"),
)

_DEFAULT_TRANSFORMS = {
    "scale_coeff": 0.4,
    "shear_scale": 0.75,
    "max_translation": 48,
    "corr_noise_scale": 0.25,
    "iid_noise_scale": 0.02,
}


def _transforms(dat: dict[str, Any]) -> str:
    changed = {k: dat[k] for k, v in _DEFAULT_TRANSFORMS.items() if k in dat and dat[k] != v}
    if not changed:
        return "the package's default transforms"
    return "transforms as the package's defaults except " + ", ".join(
        f"`{k}={v}`" for k, v in changed.items()
    )


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "–" if x is None else format(x, spec)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _plan_text(cfg: dict[str, Any]) -> str:
    if cfg.get("trainer") == "seed-batched":
        return (
            "Cells were chosen by the generator's priority plan, each trained with every seed "
            "at once: 13 canonical sparse/degenerate cells (all `none`, output disconnected, pure "
            "skip, pure pool, single edges, all 1×1/3×3 convs, …), then cells drawn uniformly "
            "from the 6,466 classes. A prefix of the plan is therefore always a uniform sample "
            "plus the sparse cells, with every seed."
        )
    return (
        "Cells were chosen by the generator's priority plan: 14 sparse/degenerate cells (all "
        "`none`, output disconnected, pure skip, pure pool, single edges, all 1×1/3×3 convs, …) "
        "plus random cells drawn uniformly from the 6,466 classes; the first 60 of them get every "
        "seed, interleaved 1:1 with new cells on seed 0, then every other cell on seed 0, then "
        "seeds 1 and 2. A prefix of the plan is therefore always a uniform sample plus the "
        "sparse cells."
    )


def _landscape_text(land: dict[str, Any] | None) -> str:
    if not land:
        return ""
    rows = [
        [label, f"{land[key]:.3f}"] for key, label in _LANDSCAPE_ROWS if land.get(key) is not None
    ]
    return (
        "\n### Landscape: architecture signal against seed noise\n\n"
        f"Over the {land['n_cells']} cells drawn uniformly (the sparse cells left out) that have "
        f"seeds {', '.join(map(str, land['seeds']))}; the better half is ranked by the mean over "
        "seeds; ICC(1,k) is the reliability of the k-seed mean (Shrout & Fleiss 1979); the early "
        f"epoch is {land['early_epoch']} (E_max/5), correlated run by run with the same run's "
        "final value"
        + (
            f"; neighbours are the {land['neighbour_pairs']} pairs of these cells that differ in "
            "one edge's op (up to isomorphism)"
            if land.get("neighbour_pearson_of_means") is not None
            else ""
        )
        + ".\n\n"
        + _table(["statistic", "value"], rows)
        + "\n"
    )


def card_fields(stats: dict[str, Any], provenance: dict[str, Any]) -> dict[str, str]:
    """Every placeholder of ``card_template.md``, as text, from ``stats`` and the provenance."""
    cfg = provenance["generator_config"]
    tr, net, dat = cfg["training"], cfg["network"], cfg["data"]
    hw = provenance["hardware"]
    etm = stats["epoch_time_model"]
    noise = stats["seed_std_per_epoch"]
    e_max = stats["max_epochs"]
    noise_epochs = [e for e in NOISE_EPOCHS if e <= e_max]
    early_epochs = [e for e in EARLY_EPOCHS if e <= e_max]
    cpu = stats.get("run_cpu_s")
    rank_rows = []
    for frac in TOP_FRACTIONS:
        cells = [
            r for r in stats["rank_correlation_early_vs_final_val"] if r["top_fraction"] == frac
        ]
        rank_rows.append(
            [f"{frac * 100:g}%", str(cells[0]["n_archs"])]
            + [f"{_fmt(r['spearman'])} / {_fmt(r['kendall'])}" for r in cells]
        )
    stat_keys = ("min", "p10", "median", "p90", "max", "mean")
    return {
        "n_runs": str(stats["n_runs"]),
        "n_archs": str(stats["n_archs"]),
        "e_max": str(e_max),
        "seeds": ", ".join(map(str, stats["seeds"])),
        "runs_per_cell": ", ".join(
            f"{n} cells × {k} seed(s)" for k, n in stats["archs_by_seed_count"].items()
        ),
        "plan": _plan_text(cfg),
        "generate_command": str(provenance.get("generate_command") or "(command not recorded)"),
        "build_command": str(
            provenance.get("build_command") or "nas-sim data build-set --runs RUNS"
        ),
        "c1": str(net["stem_channels"]),
        "c2": str(2 * net["stem_channels"]),
        "c3": str(4 * net["stem_channels"]),
        "cells_per_stage": str(net["cells_per_stage"]),
        "design": f" Design: {provenance['design_description']}."
        if provenance.get("design")
        else "",
        "num_samples": str(dat["num_samples"]),
        "dataset_seed": str(dat["dataset_seed"]),
        "transforms": _transforms(dat),
        "n_test": f"{int(round(0.2 * dat['num_samples'])):,}",
        "split_seed": str(dat["split_seed"]),
        "n_train": f"{dat['n_train']:,}",
        "n_val": f"{dat['n_val']:,}",
        "momentum": str(tr["momentum"]),
        "lr": str(tr["lr"]),
        "weight_decay": str(tr["weight_decay"]),
        "batch_size": str(tr["batch_size"]),
        "epochs": str(tr["epochs"]),
        "epoch_signals": (
            f" of {tr['epoch_signals']:,} training signals each (a curve point every "
            f"{tr['epoch_signals']:,} signals; "
            f"{tr['epochs'] * tr['epoch_signals'] / dat['n_train']:g} passes)"
            if tr.get("epoch_signals")
            else ""
        ),
        "trainer": (
            "The seeds of a cell are trained together (the seed-batched trainer: the copies' "
            "layers as batched matrix products, each copy evaluated by its own plain network "
            "with batch norm folded into the convolutions); a run's numbers do not depend on "
            "which seeds shared its batch."
            if cfg.get("trainer") == "seed-batched"
            else "One network is trained at a time (`torch.use_deterministic_algorithms(True)`)."
        ),
        "devices": ", ".join(provenance["devices"]),
        "machine": str(hw["machine"]),
        "processor": str(hw["processor"]),
        "cpu_count": str(hw["cpu_count"]),
        "torch": str(hw["torch"]),
        "python": str(hw["python"]),
        "wall_clock_min": f"{provenance.get('wall_clock_s', 0.0) / 60:.1f}",
        "notes": f" ({provenance['notes']})" if provenance.get("notes") else "",
        "wall_median": f"{stats['run_wall_s']['median']:.2f}",
        "wall_min": f"{stats['run_wall_s']['min']:.2f}",
        "wall_max": f"{stats['run_wall_s']['max']:.2f}",
        "wall_sum_h": f"{provenance['training_wall_seconds_sum'] / 3600:.2f}",
        "cpu": (
            f"CPU seconds per run (process time of the one-thread worker, incl. evaluation; "
            f"the {cpu['n_runs']} runs that recorded it), i.e. about what a run needs on one idle "
            f"core: median {cpu['median']:.2f}, mean {cpu['mean']:.2f}, range "
            f"{cpu['min']:.2f}–{cpu['max']:.2f}."
            if cpu
            else "CPU seconds per run were not recorded."
        ),
        "fit_on": str(provenance["epoch_time_fit_on"]),
        "intercept": f"{etm['intercept_s']:.4g}",
        "s_per_flop": f"{etm['s_per_flop']:.4g}",
        "s_per_param": f"{etm['s_per_param']:.4g}",
        "s_per_op": f"{etm['s_per_op']:.4g}",
        "r2": (
            f"{etm['r2']:.3f} within machines, {etm['r2_with_machine_factors']:.3f} of the "
            "measured seconds against speed factor × model"
            if etm.get("r2_with_machine_factors") is not None
            else f"{etm['r2']:.3f}"
        ),
        "fitted_median": f"{stats['fitted_run_time_s']['median']:.2f}",
        "fitted_min": f"{stats['fitted_run_time_s']['min']:.2f}",
        "fitted_max": f"{stats['fitted_run_time_s']['max']:.2f}",
        "final_rows": "\n".join(
            f"| {name} | " + " | ".join(f"{stats[key][k]:.4f}" for k in stat_keys) + " |"
            for name, key in (
                ("val_accuracy", "final_val_accuracy"),
                ("test_accuracy", "final_test_accuracy"),
            )
        ),
        "n_below": str(stats["n_archs_final_val_below_0.2"]),
        "params_min": f"{stats['params']['min']:.0f}",
        "params_max": f"{stats['params']['max']:.0f}",
        "flops_min": f"{stats['flops']['min']:.0f}",
        "flops_max": f"{stats['flops']['max']:.0f}",
        # a bare pipe in an arch string would split the table cell
        "top5_rows": "\n".join(
            f"| `{t['arch'].replace('|', chr(92) + '|')}` | {t['val_accuracy']:.4f} | "
            f"{t['test_accuracy']:.4f} |"
            for t in stats["top5"]
        ),
        "noise_n": str(noise["n_archs"]),
        "noise_table": _table(
            ["epoch"] + [str(e) for e in noise_epochs],
            [
                [name]
                + [_fmt(noise[name][e - 1] if noise[name] else None, ".4f") for e in noise_epochs]
                for name in ("val_accuracy", "test_accuracy")
            ],
        ),
        "rank_table": _table(["top", "cells"] + [f"epoch {e}" for e in early_epochs], rank_rows),
        "landscape": _landscape_text(stats.get("landscape")),
    }


def render_card(stats: dict[str, Any], provenance: dict[str, Any]) -> str:
    """The Markdown data card: ``card_template.md`` filled from ``stats`` and the provenance."""
    template = Template((Path(__file__).parent / "card_template.md").read_text())
    return template.substitute(card_fields(stats, provenance))


def write_card(folder: str | os.PathLike[str]) -> list[Path]:
    """Compute stats from ``folder/curves.parquet``; write ``stats.json`` and ``DATA_CARD.md``."""
    folder = Path(folder)
    cs = read_curve_set(folder / "curves.parquet")
    stats = compute_stats(cs)
    atomic_write_text(folder / "stats.json", json.dumps(stats, indent=1, sort_keys=True) + "\n")
    atomic_write_text(folder / "DATA_CARD.md", render_card(stats, dict(cs.provenance)))
    return [folder / "stats.json", folder / "DATA_CARD.md"]
