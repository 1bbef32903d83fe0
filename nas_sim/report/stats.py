"""Statistics of final values: mean ± std tables, average ranks, paired Wilcoxon signed-rank tests.

Ranks follow the usual NAS-benchmark practice (e.g. NAS-Bench-x11, Yan et al. 2021): rank the
optimizers by mean final value on each setting, then average the ranks across settings. Pairwise
comparisons use the Wilcoxon signed-rank test (Wilcoxon 1945) on the per-seed final values,
paired by seed, which is valid because every optimizer of a suite runs on the same seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from nas_sim.report.data import Setting


@dataclass(frozen=True)
class Cell:
    """Mean, standard deviation (ddof=1; 0 for one run) and count of final values."""

    mean: float
    std: float
    n: int


@dataclass(frozen=True)
class PairTest:
    """A Wilcoxon signed-rank test of ``a`` against ``b`` on the seeds both ran.

    median_diff : median over seeds of ``a - b`` (negative: ``a`` is better, as lower is better).
    p_value : two-sided; NaN when fewer than two seeds are shared or all differences are zero.
    a_wins / b_wins : seeds on which each is strictly better.
    """

    a: str
    b: str
    n: int
    median_diff: float
    p_value: float
    a_wins: int
    b_wins: int


def summarize(values: list[float]) -> Cell:
    arr = np.asarray(values, dtype=float)
    std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
    return Cell(float(arr.mean()), std, len(arr))


def final_table(settings: list[Setting]) -> dict[str, dict[str, Cell]]:
    """label → setting name → :class:`Cell` of the final values."""
    out: dict[str, dict[str, Cell]] = {}
    for s in settings:
        for label, by_seed in s.final.items():
            out.setdefault(label, {})[s.name] = summarize(list(by_seed.values()))
    return out


def average_ranks(settings: list[Setting]) -> dict[str, float]:
    """label → rank by mean final value (1 = best, ties share the average rank) averaged over the
    settings the label ran on."""
    from scipy.stats import rankdata

    ranks: dict[str, list[float]] = {}
    for s in settings:
        labels = s.labels
        if not labels:
            continue
        means = [float(np.mean(list(s.final[label].values()))) for label in labels]
        for label, r in zip(labels, rankdata(means, method="average")):
            ranks.setdefault(label, []).append(float(r))
    return {label: float(np.mean(r)) for label, r in ranks.items()}


def wilcoxon_pairs(setting: Setting) -> list[PairTest]:
    """Every pair of labels of ``setting``, tested on their shared seeds."""
    from scipy.stats import wilcoxon

    out = []
    for a, b in combinations(setting.labels, 2):
        seeds = sorted(set(setting.final[a]) & set(setting.final[b]))
        x = np.array([setting.final[a][s] for s in seeds])
        y = np.array([setting.final[b][s] for s in seeds])
        d = x - y
        p = math.nan
        if len(seeds) >= 2 and np.any(d != 0):
            p = float(wilcoxon(x, y, zero_method="wilcox").pvalue)
        out.append(
            PairTest(
                a=a,
                b=b,
                n=len(seeds),
                median_diff=float(np.median(d)) if len(d) else math.nan,
                p_value=p,
                a_wins=int(np.sum(d < 0)),
                b_wins=int(np.sum(d > 0)),
            )
        )
    return out
