"""Surrogate evaluation on held-out architectures, as NAS-Bench-x11 (§5) and NAS-Bench-301 did.

- Mean-curve quality per metric: R² and Kendall τ across architectures at each epoch, averaged
  over epochs and at the final epoch (true curve = the architecture's mean over its seeds).
- Noise quality: for architectures with >= 2 seeds, the per-epoch Gaussian KL divergence
  KL(true || predicted), true = mean/std over seeds, predicted = mean/std of surrogate draws.
- The NAS-Bench-301 test (Zela et al., ICLR 2022, §4): fit on one seed; compare the surrogate and
  the tabular value (that seed) against the mean of the *other* seeds, and the oracle ceiling.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.benchmarks.curve_set import CurveSet
from nas_sim.benchmarks.surrogate.model import SurrogateModel, arch_means, group_runs

Array = NDArray[np.float64]
_SIGMA_FLOOR = 1e-4  # an accuracy std below 0.01 % (or 1e-4 nats) is measurement resolution


def subset(cs: CurveSet, runs: NDArray[np.int64] | NDArray[np.bool_]) -> CurveSet:
    """The runs ``runs`` (indices or mask) of a curve set."""
    idx = np.flatnonzero(runs) if np.asarray(runs).dtype == bool else np.asarray(runs)
    return CurveSet(
        space=cs.space,
        archs=[cs.archs[i] for i in idx],
        seeds=cs.seeds[idx],
        metrics={m: v[idx] for m, v in cs.metrics.items()},
        epoch_time_s=cs.epoch_time_s[idx],
        units=cs.units,
        objective=cs.objective,
        run_info={k: np.asarray(v)[idx] for k, v in cs.run_info.items()},
        provenance=cs.provenance,
    )


@dataclass
class Predictions:
    """Per test architecture: true mean/std over seeds and the surrogate's mean/std."""

    n_seeds: NDArray[np.int64]  # (n_archs,)
    true_mean: dict[str, Array]  # metric → (n_archs, E)
    true_std: dict[str, Array]
    pred_mean: dict[str, Array]
    pred_std: dict[str, Array]

    @staticmethod
    def concat(parts: Sequence[Predictions]) -> Predictions:
        def cat(attr: str) -> dict[str, Array]:
            return {
                m: np.vstack([getattr(p, attr)[m] for p in parts]) for m in getattr(parts[0], attr)
            }

        return Predictions(
            np.concatenate([p.n_seeds for p in parts]),
            cat("true_mean"),
            cat("true_std"),
            cat("pred_mean"),
            cat("pred_std"),
        )


def predict_test(
    model: SurrogateModel,
    test_set: CurveSet,
    *,
    n_samples: int = 200,
    extra: Array | None = None,
    seed: int = 0,
) -> Predictions:
    """Surrogate predictions for every architecture of ``test_set``.

    Extra features named by metric (x11's NLP recipe) are read from the test curves themselves,
    as x11 did; caller-given extra features come in ``extra`` (shape ``(n_runs, n_extra)``).
    """
    g = group_runs(test_set, model.space)
    spec = model.feature_spec
    ex = None
    if spec.extra_metrics:
        ex = np.hstack(
            [arch_means(test_set.metrics[m][:, :k], g) for m, k in spec.extra_metrics.items()]
        )
    elif spec.n_extra:
        if extra is None:
            ex = None  # looked up in the model's table, or a clear error
        else:
            ex = arch_means(np.asarray(extra, dtype=np.float64), g)
    x = model.features(g.archs, ex)
    mean = model.predict_mean(x)
    # draws: n_samples run seeds per architecture, distinct between architectures
    reps = np.repeat(np.arange(len(x)), n_samples)
    seeds = seed * 1_000_003 + np.arange(len(reps))
    draws = model.sample(x[reps], seeds)
    mets = [m for m in model.metrics if m in test_set.metrics]
    pred_std = {m: draws[m].reshape(len(x), n_samples, -1).std(axis=1, ddof=1) for m in mets}
    true_mean, true_std = {}, {}
    for m in mets:
        v = test_set.metrics[m]
        mu = arch_means(v, g)
        sq = arch_means(v**2, g)
        n = g.counts[:, None]
        var = np.where(n > 1, (sq - mu**2) * n / np.maximum(n - 1, 1), np.nan)
        true_mean[m], true_std[m] = mu, np.sqrt(np.maximum(var, 0.0))
    return Predictions(g.counts, true_mean, true_std, {m: mean[m] for m in mets}, pred_std)


def gaussian_kl(mu_p: Array, sd_p: Array, mu_q: Array, sd_q: Array) -> Array:
    """KL(N(mu_p, sd_p²) || N(mu_q, sd_q²)), elementwise."""
    sd_p, sd_q = np.maximum(sd_p, _SIGMA_FLOOR), np.maximum(sd_q, _SIGMA_FLOOR)
    return np.log(sd_q / sd_p) + (sd_p**2 + (mu_p - mu_q) ** 2) / (2 * sd_q**2) - 0.5


def _per_epoch(fn: Any, a: Array, b: Array) -> Array:
    return np.array([fn(a[:, e], b[:, e]) for e in range(a.shape[1])])


def _r2(y: Array, p: Array) -> float:
    ss = np.sum((y - y.mean()) ** 2)
    return float(1 - np.sum((y - p) ** 2) / ss) if ss > 0 else float("nan")


def _tau(y: Array, p: Array) -> float:
    from scipy import stats  # lazily: scipy.stats costs ~1 s of every `nas-sim` start

    return float(stats.kendalltau(y, p).statistic)


def score(p: Predictions) -> dict[str, Any]:
    """x11's metrics from :class:`Predictions` (see the module docstring)."""
    out: dict[str, Any] = {
        "n_architectures": int(len(p.n_seeds)),
        "n_multi_seed": int((p.n_seeds >= 2).sum()),
        "metrics": {},
    }
    multi = p.n_seeds >= 2
    for m in p.true_mean:
        y, q = p.true_mean[m], p.pred_mean[m]
        r2 = _per_epoch(_r2, y, q)
        tau = _per_epoch(_tau, y, q)
        rec: dict[str, float | None] = {
            "r2_avg": float(np.nanmean(r2)),
            "r2_final": float(r2[-1]),
            "tau_avg": float(np.nanmean(tau)),
            "tau_final": float(tau[-1]),
            "mae_final": float(np.mean(np.abs(y[:, -1] - q[:, -1]))),
            # the largest amount by which a held-out architecture's final value is predicted too
            # high: for accuracies, the size of an artefact a search could mistake for a winner
            "max_over_prediction_final": float(np.max(q[:, -1] - y[:, -1])),
            "kl_avg": None,
            "kl_final": None,
            "kl_avg_median": None,
        }
        if multi.sum() >= 1:
            kl_ae = gaussian_kl(y[multi], p.true_std[m][multi], q[multi], p.pred_std[m][multi])
            kl = kl_ae.mean(axis=0)  # per epoch, averaged over architectures (x11)
            rec["kl_avg"], rec["kl_final"] = float(kl.mean()), float(kl[-1])
            # the mean is dominated by a few badly predicted architectures; the median over
            # architectures of their epoch-averaged KL shows the typical case
            rec["kl_avg_median"] = float(np.median(kl_ae.mean(axis=1)))
        out["metrics"][m] = rec
    return out


def final_errors(
    model: SurrogateModel, test_set: CurveSet, *, extra: Array | None = None
) -> dict[str, dict[str, float]]:
    """Noiseless final-epoch errors on held-out architectures, per metric: ``mae_final`` and
    ``max_over_prediction_final`` (max of predicted − true, true = the mean over seeds), and the
    same maximum over the tenth of architectures predicted best. Extra features named by metric
    are read from the test curves; caller-given ones come in ``extra`` (shape ``(n_runs,
    n_extra)``)."""
    g = group_runs(test_set, model.space)
    spec = model.feature_spec
    ex = None
    if spec.extra_metrics:  # read from the test curves, as x11 did (see predict_test)
        ex = np.hstack(
            [arch_means(test_set.metrics[m][:, :k], g) for m, k in spec.extra_metrics.items()]
        )
    elif extra is not None:
        ex = arch_means(np.asarray(extra, dtype=np.float64), g)
    pred = model.predict_mean(model.features(g.archs, ex))
    out = {}
    for m in model.metrics:
        if m in test_set.metrics:
            q = pred[m][:, -1]
            err = q - arch_means(test_set.metrics[m], g)[:, -1]
            # where a search looks: the cells predicted best (top tenth, by the metric's sense)
            top = (
                (q >= np.quantile(q, 0.9)) if m.endswith("accuracy") else (q <= np.quantile(q, 0.1))
            )
            out[m] = {
                "mae_final": float(np.mean(np.abs(err))),
                "max_over_prediction_final": float(np.max(err)),
                "top_tenth_max_over_prediction_final": float(np.max(err[top])),
            }
    return out


def evaluate_surrogate(
    model: SurrogateModel,
    test_set: CurveSet,
    *,
    n_samples: int = 200,
    extra: Array | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Scores of ``model`` on the held-out architectures of ``test_set``.

    Returns ``{"n_architectures", "n_multi_seed", "objective", "metrics": {metric: {r2_avg,
    r2_final, tau_avg, tau_final, mae_final, max_over_prediction_final, kl_avg, kl_final,
    kl_avg_median}}}`` plus the objective's scores at
    the top level. KL values are None when no test architecture has two seeds.
    """
    test_set.validate("test set")
    if test_set.max_epochs != model.max_epochs:
        raise ValueError(
            f"test set has {test_set.max_epochs} epochs, the surrogate {model.max_epochs}"
        )
    res = score(predict_test(model, test_set, n_samples=n_samples, extra=extra, seed=seed))
    obj = model.objective if model.objective in res["metrics"] else next(iter(res["metrics"]))
    res["objective"] = obj
    res.update(res["metrics"][obj])
    return res


def architecture_folds(
    cs: CurveSet, space: Any, n_folds: int, seed: int = 0
) -> list[NDArray[np.bool_]]:
    """Run masks of ``n_folds`` test folds over architectures, multi-seed ones spread evenly."""
    g = group_runs(cs, space)
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(g.archs), dtype=np.int64)
    for group in (np.flatnonzero(g.counts >= 2), np.flatnonzero(g.counts < 2)):
        perm = rng.permutation(group)
        fold_of[perm] = np.arange(len(perm)) % n_folds
    return [fold_of[g.run_arch] == f for f in range(n_folds)]


def cross_validate(
    cs: CurveSet,
    space: Any,
    *,
    n_folds: int = 5,
    seed: int = 0,
    n_samples: int = 100,
    **fit_kwargs: Any,
) -> dict[str, Any]:
    """K-fold over architectures; predictions are pooled over folds, then scored once."""
    from nas_sim.benchmarks.surrogate.model import fit_surrogate

    fit_kwargs.setdefault("holdout_fraction", 0.0)  # the folds are the held-out check
    parts = []
    for f, test_mask in enumerate(architecture_folds(cs, space, n_folds, seed)):
        model = fit_surrogate(subset(cs, ~test_mask), space, seed=seed + f, **fit_kwargs)
        parts.append(predict_test(model, subset(cs, test_mask), n_samples=n_samples, seed=seed))
    res = score(Predictions.concat(parts))
    res["objective"] = cs.objective
    res.update(res["metrics"][cs.objective])
    return res


def seed_vs_mean_test(
    cs: CurveSet, space: Any, *, n_folds: int = 5, seed: int = 0, **fit_kwargs: Any
) -> dict[str, Any]:
    """The NAS-Bench-301 test and the oracle ceiling, on the objective's final epoch.

    For each fold of multi-seed architectures: fit on one run (the lowest seed) of every other
    architecture; for each test architecture and each of its seeds ``i``, compare the surrogate's
    mean and the tabular value ``y_i`` against the mean of the other seeds (MAE and Kendall τ
    across test architectures, averaged over ``i``). The oracle τ (``y_i`` vs the mean of the
    others) is the ceiling a noisy benchmark allows. ``full_tau`` is the τ of a surrogate fitted
    on *all* runs of the other architectures, against the same targets.
    """
    from nas_sim.benchmarks.surrogate.model import fit_surrogate

    fit_kwargs.setdefault("holdout_fraction", 0.0)  # the folds are the held-out check
    g = group_runs(cs, space)
    obj = cs.objective
    first = np.zeros(cs.n_runs, bool)
    seen: set[int] = set()
    for i in np.lexsort((cs.seeds, g.run_arch)):
        if int(g.run_arch[i]) not in seen:
            first[i] = True
            seen.add(int(g.run_arch[i]))
    multi_arch = g.counts >= 2
    folds = architecture_folds(subset(cs, multi_arch[g.run_arch]), space, n_folds, seed)
    multi_runs = np.flatnonzero(multi_arch[g.run_arch])
    y = cs.metrics[obj][:, -1]
    sur_err, tab_err, full_err = [], [], []
    by_pos: dict[int, list[tuple[Array, Array, Array, Array]]] = {}
    for f, fmask in enumerate(folds):
        test_arch = np.unique(g.run_arch[multi_runs[fmask]])
        is_test = np.isin(g.run_arch, test_arch)
        x_archs = [g.archs[a] for a in test_arch]
        one = fit_surrogate(subset(cs, first & ~is_test), space, seed=seed + f, **fit_kwargs)
        full = fit_surrogate(subset(cs, ~is_test), space, seed=seed + f, **fit_kwargs)
        pred = one.predict_mean(one.features(x_archs))[obj][:, -1]
        pred_full = full.predict_mean(full.features(x_archs))[obj][:, -1]
        runs_of = [np.sort(np.flatnonzero(g.run_arch == a)) for a in test_arch]
        for i in range(min(len(r) for r in runs_of)):  # held-out seed position i
            yi = np.array([y[r[i]] for r in runs_of])
            others = np.array([np.delete(y[r], i).mean() for r in runs_of])
            by_pos.setdefault(i, []).append((pred, pred_full, others, yi))
            sur_err.append(np.abs(pred - others))
            full_err.append(np.abs(pred_full - others))
            tab_err.append(np.abs(yi - others))
    # τ across all test architectures (pooled over folds) for each held-out seed position
    taus: dict[str, list[float]] = {"surrogate": [], "full": [], "oracle": []}
    for parts in by_pos.values():
        pred, pred_full, others, yi = (np.concatenate(c) for c in zip(*parts))
        taus["surrogate"].append(_tau(others, pred))
        taus["full"].append(_tau(others, pred_full))
        taus["oracle"].append(_tau(others, yi))
    return {
        "objective": obj,
        "n_test_architectures": int(multi_arch.sum()),
        "surrogate_mae": float(np.mean(np.concatenate(sur_err))),
        "full_mae": float(np.mean(np.concatenate(full_err))),
        "tabular_mae": float(np.mean(np.concatenate(tab_err))),
        "surrogate_tau": float(np.mean(taus["surrogate"])),
        "full_tau": float(np.mean(taus["full"])),
        "oracle_tau": float(np.mean(taus["oracle"])),
    }
