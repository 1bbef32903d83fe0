"""Report figures as PNG bytes: anytime performance per setting, LCE-strategy comparisons, and
learning curves of a surrogate benchmark against the true curves (as NAS-Bench-x11's Figure 5.1,
Yan et al. 2021)."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from nas_sim.plots import draw_anytime, label_of
from nas_sim.report.data import Setting

METRIC_TITLES = {"regret": "test regret", "best_val_error": "best validation error"}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    # no metadata: the same data gives the same bytes
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    _plt().close(fig)
    return buf.getvalue()


def label_colors(labels: list[str]) -> dict[str, Any]:
    """One color per label, the same in every figure of a report."""
    cmap = _plt().get_cmap("tab20" if len(labels) > 10 else "tab10")
    return {label: cmap(i % cmap.N) for i, label in enumerate(sorted(labels))}


def anytime_figure(setting: Setting, colors: dict[str, Any]) -> bytes:
    """Regret (or best validation error) against simulated time, mean ± s.e. over seeds."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    title = METRIC_TITLES[setting.metric]
    draw_anytime(ax, setting.results, setting.metric, title, colors)
    ax.set_title(f"{setting.name}: {title}, mean ± s.e. over seeds")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return _png(fig)


def lce_groups(setting: Setting) -> dict[str, list[str]]:
    """Base label → its LCE-variant labels, for bases with at least one variant."""
    base_of: dict[str, str] = {}
    for r in setting.results:
        cfg = r.config
        lce = cfg.get("lce")
        if lce:
            label = label_of(r)
            base_of[label] = label.removesuffix(f"-{lce}(E={cfg.get('e_few')})")
    groups: dict[str, list[str]] = {}
    labels = set(setting.final)
    for variant, base in sorted(base_of.items()):
        if variant in labels:
            groups.setdefault(base, []).append(variant)
    return groups


def lce_figure(setting: Setting, colors: dict[str, Any]) -> bytes | None:
    """One panel per base optimizer: the optimizer alone and with each LCE strategy."""
    groups = lce_groups(setting)
    if not groups:
        return None
    plt = _plt()
    n = len(groups)
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4.2), squeeze=False, sharey=True)
    title = METRIC_TITLES[setting.metric]
    for ax, (base, variants) in zip(axes[0], sorted(groups.items())):
        keep = {base, *variants}
        rs = [r for r in setting.results if label_of(r) in keep]
        draw_anytime(ax, rs, setting.metric, title, colors)
        ax.set_title(f"{base}: LCE strategies")
        ax.legend(fontsize=7)
    fig.suptitle(f"{setting.name}: {title}, mean ± s.e. over seeds")
    fig.tight_layout()
    return _png(fig)


def rank_figure(name: str, f: Any) -> bytes:
    """A critical-difference diagram (Demšar, JMLR 2006): average rank over seeds per label on
    one axis, with Nemenyi's critical difference as a bar; labels closer than it do not differ
    significantly."""
    plt = _plt()
    order = sorted(f.ranks, key=lambda lab: f.ranks[lab])
    k = len(order)
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.28 * k))
    ys = np.arange(k)[::-1]
    ax.scatter([f.ranks[lab] for lab in order], ys, color="black", zorder=3)
    for y, lab in zip(ys, order):
        ax.annotate(
            f"{lab} ({f.ranks[lab]:.2f})",
            (f.ranks[lab], y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
        # every label within one CD of this one is not significantly different from it
        ax.plot(
            [f.ranks[lab], min(f.ranks[lab] + f.cd, k)], [y, y], color="tab:blue", alpha=0.35, lw=3
        )
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(-0.8, k - 0.2)
    ax.set_yticks([])
    ax.set_xlabel("average rank over seeds (1 = best); blue: one critical difference")
    p = "n/a" if not np.isfinite(f.p_value) else f"{f.p_value:.3g}"
    ax.set_title(
        f"{name}: Friedman p = {p}, Nemenyi CD = {f.cd:.2f} at α = 0.05 ({f.n_seeds} seeds)",
        fontsize=9,
    )
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def learning_curve_figure(
    true_bench: Any, surrogate: Any, n_archs: int = 4, n_samples: int = 100, seed: int = 0
) -> bytes:
    """True curves (every stored training run) against the surrogate's mean and 90 % band.

    The band is the 5th-95th percentile of ``n_samples`` noisy surrogate curves (run seeds
    0..n_samples-1) of the same architecture; architectures are drawn with a seeded generator.
    """
    plt = _plt()
    rng = np.random.default_rng(seed)
    metric = true_bench.objective
    archs = [true_bench.space.sample(rng) for _ in range(n_archs)]
    fig, axes = plt.subplots(1, n_archs, figsize=(4.0 * n_archs, 4.0), squeeze=False, sharey=True)
    for ax, arch in zip(axes[0], archs):
        n_true = len(true_bench.rows_of(arch)) if hasattr(true_bench, "rows_of") else 1
        for s in range(n_true):
            c = true_bench.curve(arch, s).values[metric]
            ax.plot(
                np.arange(1, len(c) + 1), c, color="black", lw=1, label="true" if s == 0 else None
            )
        sims = np.vstack([surrogate.curve(arch, s).values[metric] for s in range(n_samples)])
        x = np.arange(1, sims.shape[1] + 1)
        lo, hi = np.percentile(sims, [5, 95], axis=0)
        ax.fill_between(x, lo, hi, color="tab:blue", alpha=0.3, label="surrogate 90 % band")
        ax.plot(x, sims.mean(axis=0), color="tab:blue", lw=1.5, label="surrogate mean")
        # NB201-style strings are long: one line per "+"-separated node keeps titles apart
        ax.set_title(true_bench.space.format(arch).replace("|+|", "|\n|"), fontsize=6)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel(metric)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)
