"""Paired comparison of two designs on the cells both have trained with every seed.

Two pilots drawn from the same cells differ by design and by sampling; restricted to the cells
both finished, the comparison is paired and only the design differs. This is how the variants of
the v2 design were screened (docs/mnist1d.md, "Variants tried"); ``nas-sim data compare-pilots``
prints it for any two run or shard folders.

Per design, over the common cells (the sparse cells left out, as in the landscape statistics of
:mod:`~benchmarks.mnist1d.landscape`): the mean and best cell mean of the final validation
accuracy, the seed noise (root-mean and median of the per-cell seed std), the spread of the cell
means, the ICC(1,k) of the k-seed mean (Shrout & Fleiss 1979) over all common cells and over the
first design's better half, Spearman ρ between seeds 0 and 1, and the CPU seconds per run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nas_sim.benchmarks.offline.mnist1d.assemble import AssembleError, load_runs
from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorError
from nas_sim.benchmarks.offline.mnist1d.landscape import icc_mean, runs_by_cell, spearman_rho
from nas_sim.benchmarks.offline.mnist1d.shards import read_shard, shard_files

#: the rows of the comparison, in print order: (key, label, decimals)
ROWS: tuple[tuple[str, str, int], ...] = (
    ("mean", "mean of cell means", 4),
    ("best", "best cell mean", 4),
    ("seed_sd_rms_pp", "seed std, root-mean (pp)", 2),
    ("seed_sd_median_pp", "seed std, median (pp)", 2),
    ("cell_mean_sd_pp", "std of cell means (pp)", 2),
    ("icc_all", "ICC of the mean, all", 3),
    ("icc_better_half", "ICC of the mean, A's better half", 3),
    ("seed_spearman", "Spearman rho(seed 0, seed 1)", 3),
    ("cpu_s_per_run", "CPU s per run", 1),
)


def load_records(folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Finished run records of a generator output folder or of a shard folder."""
    folder = Path(folder)
    shards = shard_files(folder)
    if shards:
        return [r for shard in shards for r in read_shard(shard)]
    return load_runs(folder)[1]


def paired_comparison(
    a: Sequence[dict[str, Any]],
    b: Sequence[dict[str, Any]],
    seeds: Sequence[int] = (0, 1, 2),
    exclude: Sequence[str] = (),
) -> dict[str, Any]:
    """The figures of :data:`ROWS` for designs ``a`` and ``b`` over the cells both finished."""
    if len(seeds) < 2:
        raise ValueError(f"a paired comparison needs at least two seeds, got {list(seeds)}")
    cells_a, cells_b = runs_by_cell(a), runs_by_cell(b)
    excluded, wanted = set(exclude), set(seeds)
    common = sorted(
        c
        for c in cells_a.keys() & cells_b.keys()
        if c not in excluded and wanted <= cells_a[c].keys() and wanted <= cells_b[c].keys()
    )
    if len(common) < 4:
        raise ValueError(
            f"the two designs share {len(common)} cells with seeds {list(seeds)}; at least 4 "
            "are needed"
        )
    finals = {
        name: np.array([[cells[c][s]["val_accuracy"][-1] for s in seeds] for c in common])
        for name, cells in (("a", cells_a), ("b", cells_b))
    }
    # the better half by design A's means: the same cells on both sides
    better = np.sort(np.argsort(-finals["a"].mean(1), kind="stable")[: len(common) // 2])
    out: dict[str, Any] = {"n_cells": len(common), "seeds": list(seeds)}
    for name, cells in (("a", cells_a), ("b", cells_b)):
        final = finals[name]
        sd = final.std(1, ddof=1)
        cpu = [cells[c][s].get("run_cpu_s") for c in common for s in seeds]
        known = [float(x) for x in cpu if x is not None]
        out[name] = {
            "mean": float(final.mean()),
            "best": float(final.mean(1).max()),
            "seed_sd_rms_pp": 100 * float(np.sqrt((sd**2).mean())),
            "seed_sd_median_pp": 100 * float(np.median(sd)),
            "cell_mean_sd_pp": 100 * float(final.mean(1).std(ddof=1)),
            "icc_all": icc_mean(final),
            "icc_better_half": icc_mean(final[better]),
            "seed_spearman": spearman_rho(final[:, 0], final[:, 1]),
            "cpu_s_per_run": float(np.mean(known)) if known else float("nan"),
        }
    return out


def format_comparison(result: dict[str, Any], name_a: str, name_b: str) -> str:
    """The comparison as a Markdown table (one row per figure, one column per design)."""
    lines = [
        f"paired over {result['n_cells']} cells x {len(result['seeds'])} seeds "
        "(final validation accuracy; sparse cells left out)",
        "",
        f"| figure | {name_a} | {name_b} |",
        "|---|---|---|",
    ]
    for key, label, digits in ROWS:
        va, vb = result["a"][key], result["b"][key]
        lines.append(f"| {label} | {va:.{digits}f} | {vb:.{digits}f} |")
    return "\n".join(lines)


def load_pair(
    folder_a: str | os.PathLike[str], folder_b: str | os.PathLike[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records of both folders; an unreadable folder is an error that names it."""
    out = []
    for folder in (folder_a, folder_b):
        try:
            out.append(load_records(folder))
        except (AssembleError, GeneratorError, OSError, json.JSONDecodeError) as e:
            raise ValueError(f"cannot read the runs of {str(folder)!r}: {e}") from e
    return out[0], out[1]
