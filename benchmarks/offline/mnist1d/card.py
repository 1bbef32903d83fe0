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


def render_card(stats: dict[str, Any], provenance: dict[str, Any]) -> str:
    """The Markdown data card (deterministic text from ``stats`` and the set's provenance)."""
    cfg = provenance["generator_config"]
    tr, net, dat = cfg["training"], cfg["network"], cfg["data"]
    hw = provenance["hardware"]
    etm = stats["epoch_time_model"]
    fv, ft = stats["final_val_accuracy"], stats["final_test_accuracy"]
    noise = stats["seed_std_per_epoch"]
    e_max = stats["max_epochs"]
    lines = [
        "# MNIST-1D × NAS-Bench-201 learning curves (`mnist1d_nb201`)",
        "",
        "Full learning curves of NAS-Bench-201 cells (Dong & Yang 2020, *NAS-Bench-201: Extending "
        "the Scope of Reproducible Neural Architecture Search*) adapted to 1-D signals and trained "
        "on MNIST-1D (Greydanus 2020, *Scaling down deep learning*). nas-sim's default, embedded "
        "benchmark. Every number below is generated by `benchmarks/offline/mnist1d/card.py` from "
        "`curves.parquet`; `stats.json` holds them all (and per-epoch arrays), and "
        "`tests/benchmarks/test_mnist1d_card.py` checks both against the committed set.",
        "",
        "## Contents",
        "",
        f"- `curves.parquet` + `curves.json`: {stats['n_runs']} runs of {stats['n_archs']} "
        f"isomorphism-unique cells (canonical NB201 strings), {e_max} epochs, seeds "
        f"{', '.join(map(str, stats['seeds']))}; runs per cell: "
        + ", ".join(f"{n} cells × {k} seed(s)" for k, n in stats["archs_by_seed_count"].items())
        + ".",
        "- Metrics per epoch: train/val/test loss (nats, mean cross-entropy) and accuracy "
        "(fraction); train metrics are running means over the epoch's mini-batches, val/test are "
        "evaluated after the epoch. `epoch_time_s`: fitted cost (below). Run metadata: `params`, "
        "`flops`, `cell_ops`, `device`, `measured_epoch_time_s` / `measured_epoch_time_median_s` "
        "(mean / median over epochs of the measured wall seconds of the training pass), "
        "`measured_epoch_cpu_s` (mean CPU seconds of the training pass; NaN for the runs of the "
        "first generator session, which did not record it), `run_wall_s` (whole run incl. "
        "evaluation).",
        "- Cells were chosen by the generator's priority plan: 14 sparse/degenerate cells (all "
        "`none`, output disconnected, pure skip, pure pool, single edges, all 1×1/3×3 convs, …) "
        "plus random cells drawn uniformly from the 6,466 classes; the first 60 of them get every "
        "seed, interleaved 1:1 with new cells on seed 0, then every other cell on seed 0, then "
        "seeds 1 and 2. A prefix of the plan is therefore always a uniform sample plus the "
        "sparse cells.",
        "",
        "## How it was made",
        "",
        "```",
        str(provenance.get("generate_command") or "(command not recorded)"),
        str(provenance.get("build_command") or "nas-sim data build-set --runs RUNS"),
        "```",
        "",
        "The generator is resumable: rerun the same command to continue (finished runs are kept, "
        "half-written files of a killed run are removed and reported); `--shards` restores the "
        "runs packed into the repository by `nas-sim data pack-runs`, so a fresh machine resumes "
        "too. With `--device cuda` several worker processes share the GPU. Runs on another "
        "device are not bit-identical to CPU runs; the `device` column says where each ran.",
        "",
        "### Network",
        "",
        f"Stem Conv1d(1→{net['stem_channels']}, k=3)+BN; three stages of "
        f"{net['cells_per_stage']} cell(s) at {net['stem_channels']}, "
        f"{2 * net['stem_channels']}, {4 * net['stem_channels']} channels with NB201's residual "
        "reduction block (ReLU-Conv(k=3, stride 2)-BN, ReLU-Conv(k=3)-BN, shortcut AvgPool(2)+Conv "
        "1×1) between stages; BN-ReLU, global average pooling, linear head. Cell ops: `none`, "
        "`skip_connect`, `nor_conv_1x1`/`nor_conv_3x3` = ReLU-Conv1d(k)-BN, `avg_pool_3x3` = "
        "AvgPool1d(3, stride 1, padding 1, excluding padding). Edges from nodes without signal and "
        "nodes that do not reach the output are not built, matching the isomorphism used for "
        "canonical strings."
        + (f" Design: {provenance['design_description']}." if provenance.get("design") else ""),
        "",
        "### Data and training",
        "",
        f"MNIST-1D generated locally with `mnist1d.data.make_dataset` (no download; "
        f"`num_samples={dat['num_samples']}`, `seed={dat['dataset_seed']}`, "
        + _transforms(dat)
        + f"); its 20% test part ({int(round(0.2 * dat['num_samples'])):,} signals of length 40) "
        f"is the test set; from its 80% part a permutation with seed {dat['split_seed']} takes "
        f"{dat['n_train']:,} training and {dat['n_val']:,} validation signals.",
        "",
        f"SGD, Nesterov momentum {tr['momentum']}, initial learning rate {tr['lr']} with cosine "
        f"decay to 0 per step, weight decay {tr['weight_decay']}, batch size {tr['batch_size']}, "
        f"{tr['epochs']} epochs, cross-entropy. Per (cell, seed): `torch.manual_seed(seed)` for the "
        "initialisation, a generator seeded with `seed` for the batch order, one torch thread per "
        "worker process: re-running a run on the same device gives the same numbers. "
        + (
            "The seeds of a cell are trained together (the seed-batched trainer: the copies' "
            "layers as batched matrix products, each copy evaluated by its own plain network "
            "with batch norm folded into the convolutions); a run's numbers do not depend on "
            "which seeds shared its batch."
            if cfg.get("trainer") == "seed-batched"
            else "One network is trained at a time (`torch.use_deterministic_algorithms(True)`)."
        ),
        "",
        "### Hardware and time",
        "",
        f"Devices: {', '.join(provenance['devices'])}; machine {hw['machine']} "
        f"({hw['processor']}), {hw['cpu_count']} cores shared with other jobs, torch "
        f"{hw['torch']}, Python {hw['python']}. Wall clock from the first to the last run: "
        f"{provenance.get('wall_clock_s', 0.0) / 60:.1f} min"
        + (f" ({provenance['notes']})" if provenance.get("notes") else "")
        + ". Wall seconds "
        f"per run (incl. evaluation): median {stats['run_wall_s']['median']:.2f}, range "
        f"{stats['run_wall_s']['min']:.2f}–{stats['run_wall_s']['max']:.2f}, sum "
        f"{provenance['training_wall_seconds_sum'] / 3600:.2f} h. "
        + (
            f"CPU seconds per run (process time of the one-thread worker, incl. evaluation; "
            f"the {stats['run_cpu_s']['n_runs']} runs that recorded it), i.e. about what a run "
            f"needs on one idle core: median {stats['run_cpu_s']['median']:.2f}, mean "
            f"{stats['run_cpu_s']['mean']:.2f}, range {stats['run_cpu_s']['min']:.2f}–"
            f"{stats['run_cpu_s']['max']:.2f}."
            if stats.get("run_cpu_s")
            else "CPU seconds per run were not recorded."
        ),
        "",
        "### Simulated cost (`epoch_time_s`)",
        "",
        "Measured seconds depend on machine load, so the per-epoch cost is a fit to the "
        f"{provenance['epoch_time_fit_on']} (on a shared machine CPU time, unlike wall time, "
        "measures the network rather than the other jobs): "
        f"`epoch_time_s = {etm['intercept_s']:.4g} + {etm['s_per_flop']:.4g}·FLOPs + "
        f"{etm['s_per_param']:.4g}·params + {etm['s_per_op']:.4g}·ops` (non-negative least "
        f"squares, R² = {etm['r2']:.3f}), constant over a run's epochs. FLOPs = "
        "multiply-accumulates of conv and linear layers for one signal's forward pass; ops = "
        "cell ops actually built (`cell_ops` column), because for networks this small a step's "
        "cost is mostly per-op overhead, which FLOPs and parameters miss. Fitted cost of a full run: median "
        f"{stats['fitted_run_time_s']['median']:.2f} s, range "
        f"{stats['fitted_run_time_s']['min']:.2f}–{stats['fitted_run_time_s']['max']:.2f} s.",
        "",
        "## Statistics",
        "",
        f"Final (epoch {e_max}) accuracy over cells (each cell's lowest-seed run):",
        "",
        "| metric | min | p10 | median | p90 | max | mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in (("val_accuracy", fv), ("test_accuracy", ft)):
        lines.append(
            f"| {name} | "
            + " | ".join(f"{s[k]:.4f}" for k in ("min", "p10", "median", "p90", "max", "mean"))
            + " |"
        )
    lines += [
        "",
        f"Cells with final val accuracy below 0.2 (no signal reaches the head): "
        f"{stats['n_archs_final_val_below_0.2']}. Parameters {stats['params']['min']:.0f}–"
        f"{stats['params']['max']:.0f}, FLOPs {stats['flops']['min']:.0f}–"
        f"{stats['flops']['max']:.0f}.",
        "",
        "Best cells by final validation accuracy:",
        "",
        "| arch | val | test |",
        "|---|---|---|",
    ]
    for t in stats["top5"]:
        arch = t["arch"].replace("|", "\\|")  # a bare pipe would split the table cell
        lines.append(f"| `{arch}` | {t['val_accuracy']:.4f} | {t['test_accuracy']:.4f} |")
    lines += [
        "",
        f"Seed-to-seed noise: std over seeds (ddof 1) averaged over the {noise['n_archs']} cells "
        "with at least 2 seeds:",
        "",
        "| epoch | " + " | ".join(str(e) for e in NOISE_EPOCHS if e <= e_max) + " |",
        "|---|" + "---|" * len([e for e in NOISE_EPOCHS if e <= e_max]),
    ]
    for name in ("val_accuracy", "test_accuracy"):
        per = noise[name]
        lines.append(
            f"| {name} | "
            + " | ".join(
                _fmt(per[e - 1] if per else None, ".4f") for e in NOISE_EPOCHS if e <= e_max
            )
            + " |"
        )
    lines += [
        "",
        f"Rank correlation of validation accuracy at an early epoch with final (epoch {e_max}) "
        "validation accuracy, among the top x% of cells by final validation accuracy (as "
        "NAS-Bench-101, Ying et al. 2019); Spearman ρ / Kendall τ, `–` where fewer than 3 cells:",
        "",
        "| top | cells | " + " | ".join(f"epoch {e}" for e in EARLY_EPOCHS if e <= e_max) + " |",
        "|---|---|" + "---|" * len([e for e in EARLY_EPOCHS if e <= e_max]),
    ]
    for frac in TOP_FRACTIONS:
        cells = [
            r for r in stats["rank_correlation_early_vs_final_val"] if r["top_fraction"] == frac
        ]
        lines.append(
            f"| {frac * 100:g}% | {cells[0]['n_archs']} | "
            + " | ".join(f"{_fmt(r['spearman'])} / {_fmt(r['kendall'])}" for r in cells)
            + " |"
        )
    land = stats.get("landscape")
    if land:
        lines += [
            "",
            "### Landscape: architecture signal against seed noise",
            "",
            f"Over the {land['n_cells']} cells drawn uniformly (the sparse cells left out) that "
            f"have seeds {', '.join(map(str, land['seeds']))}; the better half is ranked by the "
            "mean over seeds; ICC(1,k) is the reliability of the k-seed mean (Shrout & Fleiss "
            f"1979); the early epoch is {land['early_epoch']} (E_max/5), correlated run by run "
            "with the same run's final value.",
            "",
            "| statistic | value |",
            "|---|---|",
        ]
        for key, label in _LANDSCAPE_ROWS:
            if land.get(key) is not None:
                lines.append(f"| {label} | {land[key]:.3f} |")
    lines += [
        "",
        "## Licence and citation",
        "",
        "This data set (the learning curves and this card) is released by the nas-sim authors "
        "under CC-BY-4.0. It is generated with the `mnist1d` package (Apache-2.0, © Sam "
        "Greydanus); the NB201 search space follows Dong & Yang (2020). Cite: Greydanus, "
        "*Scaling down deep learning* (2020); Dong & Yang, *NAS-Bench-201* (ICLR 2020); and "
        "nas-sim.",
        "",
    ]
    return "\n".join(lines)


def write_card(folder: str | os.PathLike[str]) -> list[Path]:
    """Compute stats from ``folder/curves.parquet``; write ``stats.json`` and ``DATA_CARD.md``."""
    folder = Path(folder)
    cs = read_curve_set(folder / "curves.parquet")
    stats = compute_stats(cs)
    atomic_write_text(folder / "stats.json", json.dumps(stats, indent=1, sort_keys=True) + "\n")
    atomic_write_text(folder / "DATA_CARD.md", render_card(stats, dict(cs.provenance)))
    return [folder / "stats.json", folder / "DATA_CARD.md"]
