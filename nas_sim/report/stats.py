"""Statistics of final values: mean ± s.e. tables, average ranks, paired Wilcoxon signed-rank
tests with Holm's correction, and Friedman's test with Nemenyi's critical difference.

Ranks follow the usual NAS-benchmark practice (e.g. NAS-Bench-x11, Yan et al. 2021): rank the
optimizers by mean final value on each setting, then average the ranks across settings. Pairwise
comparisons use the Wilcoxon signed-rank test (Wilcoxon 1945) on the per-seed final values,
paired by seed, which is valid because every optimizer of a suite runs on the same seeds. With k
optimizers there are k(k-1)/2 tests, so their p-values are adjusted by Holm's step-down method
(Holm 1979), which controls the family-wise error rate: a report calls a difference significant
only after the adjustment. Across optimizers, Friedman's test on the per-seed ranks and Nemenyi's
critical difference (Demšar, JMLR 2006) give the critical-difference diagram of AutoML papers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
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
    p_holm : ``p_value`` adjusted by Holm's method over all the setting's pairs (NaN stays NaN).
    """

    a: str
    b: str
    n: int
    median_diff: float
    p_value: float
    a_wins: int
    b_wins: int
    p_holm: float = math.nan


#: significance level of every test in a report
ALPHA = 0.05


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (statsmodels' ``multipletests`` where installed); NaN
    entries (tests that could not run) are left out of the family and stay NaN."""
    idx = [i for i, p in enumerate(p_values) if math.isfinite(p)]
    out = [math.nan] * len(p_values)
    if not idx:
        return out
    ps = np.array([p_values[i] for i in idx])
    try:
        from statsmodels.stats.multitest import multipletests

        adj = multipletests(ps, method="holm")[1]
    except ImportError:
        order = np.argsort(ps)
        m = len(ps)
        stepped = np.maximum.accumulate((m - np.arange(m)) * ps[order])
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    for i, a in zip(idx, adj):
        out[i] = float(a)
    return out


@dataclass(frozen=True)
class Friedman:
    """Friedman's test over the seeds every label ran, with Nemenyi's critical difference.

    ranks : label → average rank over those seeds (1 = best); cd : the critical difference of
    average ranks at :data:`ALPHA` (two labels further apart differ significantly); p_value : NaN
    when fewer than 3 labels or 2 shared seeds.
    """

    labels: list[str]
    n_seeds: int
    ranks: dict[str, float]
    statistic: float
    p_value: float
    cd: float


def friedman(setting: Setting) -> Friedman | None:
    """Friedman's test of ``setting``'s labels on their shared seeds; None with < 2 labels."""
    from scipy.stats import friedmanchisquare, rankdata, studentized_range

    labels = setting.labels
    if len(labels) < 2:
        return None
    seeds = sorted(set.intersection(*(set(setting.final[lab]) for lab in labels)))
    if not seeds:
        return None
    x = np.array([[setting.final[lab][s] for lab in labels] for s in seeds])  # (seeds, labels)
    r = np.vstack([rankdata(row, method="average") for row in x])
    k, n = len(labels), len(seeds)
    stat = p = math.nan
    if k >= 3 and n >= 2 and np.ptp(x, axis=1).any():
        res = friedmanchisquare(*x.T)
        stat, p = float(res.statistic), float(res.pvalue)
    # Nemenyi: q_alpha = studentized range quantile / sqrt(2) (Demšar 2006, Eq. 5)
    q = float(studentized_range.ppf(1 - ALPHA, k, np.inf)) / math.sqrt(2) if k >= 2 else math.nan
    cd = q * math.sqrt(k * (k + 1) / (6.0 * n))
    return Friedman(labels, n, dict(zip(labels, map(float, r.mean(axis=0)))), stat, p, cd)


def summarize(values: list[float]) -> Cell:
    arr = np.asarray(values, dtype=float)
    std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
    return Cell(float(arr.mean()), std, len(arr))


def standard_error(cell: Cell) -> float:
    """The standard error of the mean: the one kind of error bar every table and figure shows."""
    return cell.std / math.sqrt(cell.n) if cell.n > 1 else 0.0


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

    out: list[PairTest] = []
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
    adjusted = holm([t.p_value for t in out])
    return [replace(t, p_holm=q) for t, q in zip(out, adjusted)]


def significantly_best(setting: Setting, tests: list[PairTest]) -> str | None:
    """The label with the lowest mean that beats every other label significantly after Holm's
    correction, or None (then no optimizer is significantly better than all others)."""
    if len(setting.labels) < 2:
        return None
    means = {lab: float(np.mean(list(setting.final[lab].values()))) for lab in setting.labels}
    best = min(means, key=lambda lab: (means[lab], lab))
    for t in tests:
        if best not in (t.a, t.b):
            continue
        diff = t.median_diff if t.a == best else -t.median_diff
        if not (math.isfinite(t.p_holm) and t.p_holm < ALPHA and diff < 0):
            return None
    return best
