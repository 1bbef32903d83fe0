"""WPM speed and sampler checks, with Domhan's full settings (100 walkers, 2,500 steps, 500 burn-in).

Measured in one run, on real NAS-Bench-NLP curves (E_few = 10 of 50) or synthetic ones:

1. baseline: emcee with one log-prob call per walker (how pylearningcurvepredictor ran it);
2. emcee with ``vectorize=True`` (``WPM(sampler="emcee")``), one curve;
3. the batched stretch move with one curve (``WPM()``), float32 and float64;
4. the batched stretch move on many curves: curves per second (``n_jobs`` 1 and 2);
4t. the same with ``backend="torch"`` (each half-step one ``torch.compile``d kernel): first call
    (compilation included), then per curve and batched;
5. float32 vs float64 and batched vs emcee: do the predictive distributions agree?
6. the alternative the issue suggested — one emcee sampler over the stacked parameters of K curves
   with a summed log-prob — and why it is not used: acceptance and agreement with per-curve runs.

    python bench/bench_lce_wpm.py [--curves 64] [--baseline-steps 2500]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nas-bench-nlp-wikitext2"


def load_nlp(n: int) -> tuple[np.ndarray, str]:
    files = sorted(SHARED.glob("log_stats_model_*.json"))
    rows = []
    for f in files:
        d = json.loads(f.read_text())
        v = d["val_losses"]
        if d["status"] == "OK" and len(v) >= 50 and np.isfinite(v).all():
            rows.append(v[:50])
    if not rows:
        rng = np.random.default_rng(0)
        x = np.arange(1, 51)
        rows = 4.5 + rng.uniform(0.5, 1.5, (n, 1)) * x ** -rng.uniform(0.3, 0.8, (n, 1))
        return np.asarray(rows)[:n], "synthetic"
    return np.asarray(rows)[:n], "nas-bench-nlp-wikitext2 val_loss"


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def per_walker_emcee(curve: np.ndarray, n_steps: int) -> float:
    """Domhan-style: emcee calls the log-posterior once per walker (no vectorisation)."""
    import emcee

    from nas_sim.lce.curve_families import to_unit_scale
    from nas_sim.lce.wpm import WPM, log_posterior_by_family

    m = WPM(dtype="float64")
    u, _ = to_unit_scale(curve[None], "val_loss")
    theta, active, _ = m.initial_fit(u, 50)
    p0, _ = m._initial_walkers(theta, active, np.random.default_rng(0))
    moving = np.ptp(p0[0], axis=0) > 0
    fixed = p0[0, 0].copy()
    x_all = np.arange(1, 12, dtype=np.float64)
    x_all[-1] = 50
    # family by family, as Domhan's code evaluated them (and as the figures in docs/lce.md were)
    args = m._by_family_args(u[:1][None], active[:1][None], x_all, 50)

    def log_prob(sub: np.ndarray) -> float:
        full = fixed.copy()
        full[moving] = sub
        lp, _ = log_posterior_by_family(full[None, None], *args)
        return float(lp[0, 0])

    s = emcee.EnsembleSampler(m.n_walkers, int(moving.sum()), log_prob)
    t0 = time.perf_counter()
    with np.errstate(invalid="ignore"):  # emcee's -inf - -inf for two out-of-prior states
        s.run_mcmc(p0[0][:, moving], n_steps, progress=False, skip_initial_state_check=True)
    return time.perf_counter() - t0


def stacked_emcee(curves: np.ndarray, n_steps: int) -> dict:
    """One emcee ensemble over K curves' concatenated parameters with a summed log-prob."""
    import emcee

    from nas_sim.lce.curve_families import to_unit_scale
    from nas_sim.lce.wpm import WPM, log_posterior_by_family

    m = WPM(dtype="float64")
    k = len(curves)
    u, scale = to_unit_scale(curves, "val_loss")
    theta, active, _ = m.initial_fit(u, 50)
    d = theta.shape[1]
    walkers = 2 * k * d + 2  # emcee's rule of thumb: at least twice the dimension
    m2 = WPM(dtype="float64", n_walkers=walkers)
    p0, _ = m2._initial_walkers(theta, active, np.random.default_rng(0))  # (K, W, D)
    x_all = np.arange(1, 12, dtype=np.float64)
    x_all[-1] = 50
    args = m._by_family_args(u[:, None, :], active[:, None, :], x_all, 50)

    def log_prob(flat: np.ndarray) -> np.ndarray:  # (W', K*D) → summed log-prob, blobs
        th = flat.reshape(len(flat), k, d).transpose(1, 0, 2)
        lp, blob = log_posterior_by_family(th, *args)
        return np.column_stack([lp.sum(axis=0), blob[..., 0].T])

    s = emcee.EnsembleSampler(walkers, k * d, log_prob, vectorize=True)
    start = p0.transpose(1, 0, 2).reshape(walkers, k * d)
    t0 = time.perf_counter()
    with np.errstate(invalid="ignore"):
        s.run_mcmc(start, n_steps, progress=False, skip_initial_state_check=True)
    wall = time.perf_counter() - t0
    blobs = np.asarray(s.get_blobs(discard=n_steps // 5, thin=10)).reshape(-1, k)
    return {
        "acceptance": float(np.mean(s.acceptance_fraction)),
        "walkers": walkers,
        "dim": k * d,
        "wall_s": wall,
        "mean_u": blobs.mean(axis=0),
        "std_u": blobs.std(axis=0),
        "scale": scale,
    }


def main() -> None:
    from nas_sim.lce.wpm import WPM

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=64)
    ap.add_argument(
        "--baseline-steps",
        type=int,
        default=2500,
        help="steps for the per-walker emcee baseline (scaled to 2,500 if fewer)",
    )
    ap.add_argument("--skip-stacked", action="store_true")
    args = ap.parse_args()
    curves, source = load_nlp(max(args.curves, 8))
    e_few, target, metric = 10, 50, "val_loss"
    part = curves[:, :e_few]
    print(
        f"curves: {source}; E_few={e_few}, target epoch {target}; Domhan settings: 100 walkers, "
        "2500 steps, 500 burn-in"
    )

    t_base = per_walker_emcee(curves[0, :e_few], args.baseline_steps) * 2500 / args.baseline_steps
    print(
        f"1. per-walker emcee loop (baseline): {t_base:.1f} s per curve"
        + ("" if args.baseline_steps == 2500 else f" (from {args.baseline_steps} steps, scaled)")
    )

    rng = np.random.default_rng
    p_em, t_em = timed(
        lambda: WPM(sampler="emcee").predict(part[:1], target, metric=metric, rng=rng(0))
    )
    print(f"2. emcee vectorize=True, 1 curve: {t_em:.2f} s ({t_base / t_em:.0f}x faster than 1.)")
    for dt in ("float32", "float64"):
        w = WPM(dtype=dt)
        p1, t1 = timed(lambda w=w: w.predict(part[:1], target, metric=metric, rng=rng(0)))
        print(
            f"3. batched stretch move, 1 curve, {dt}: {t1:.2f} s ({t_base / t1:.0f}x faster "
            f"than 1.); mean {p1.mean[0]:.4f} vs emcee {p_em.mean[0]:.4f} (truth "
            f"{curves[0, -1]:.4f}), std {p1.std[0]:.4f} vs {p_em.std[0]:.4f}; acceptance "
            f"{w.acceptance_[0]:.3f}"
        )
    n = args.curves
    for jobs in (1, 2):
        m = WPM(n_jobs=jobs, batch_size=32 if jobs > 1 else 64)
        p, t = timed(lambda m=m: m.predict(part[:n], target, metric=metric, rng=rng(1)))
        print(
            f"4. batched, {n} curves, n_jobs={jobs}: {t:.1f} s = {n / t:.2f} curves/s "
            f"({t / n:.3f} s per curve)"
        )
    try:
        import torch  # noqa: F401

        has_torch = True
    except ImportError:
        has_torch = False
        print("4t. torch backend: torch is not installed, skipped")
    if has_torch:
        wt = WPM(backend="torch")
        _, t_first = timed(lambda: wt.predict(part[:1], target, metric=metric, rng=rng(0)))
        pt, t_warm = timed(lambda: wt.predict(part[:1], target, metric=metric, rng=rng(0)))
        print(
            f"4t. torch backend, 1 curve: first call {t_first:.1f} s (compilation; cached on disk "
            f"by torch for later processes), then {t_warm:.2f} s per curve ({t_base / t_warm:.0f}x "
            f"faster than 1.); mean {pt.mean[0]:.4f}, std {pt.std[0]:.4f}"
        )
        wb = WPM(backend="torch", batch_size=n)
        _, t_c = timed(lambda: wb.predict(part[:n], target, metric=metric, rng=rng(1)))
        pb, t_b = timed(lambda: wb.predict(part[:n], target, metric=metric, rng=rng(1)))
        ref = WPM(batch_size=n).predict(part[:n], target, metric=metric, rng=rng(1))
        zt = np.abs(pb.mean - ref.mean) / np.sqrt(pb.std**2 + ref.std**2)
        print(
            f"4t. torch backend, {n} curves in one batch, one thread: {t_b:.1f} s = "
            f"{n / t_b:.2f} curves/s (first call with this batch size {t_c:.1f} s); vs numpy: "
            f"|mean difference| / std median {np.median(zt):.3f}, std ratio median "
            f"{np.median(pb.std / ref.std):.3f}"
        )
    p64, _ = timed(
        lambda: WPM(dtype="float64").predict(part[:16], target, metric=metric, rng=rng(2))
    )
    p32, _ = timed(
        lambda: WPM(dtype="float32").predict(part[:16], target, metric=metric, rng=rng(3))
    )
    z = np.abs(p32.mean - p64.mean) / np.sqrt(p32.std**2 + p64.std**2) * np.sqrt(2)
    print(
        f"5. float32 vs float64 on 16 curves: |mean difference| / std: median {np.median(z):.3f}, "
        f"max {z.max():.3f}; std ratio median {np.median(p32.std / p64.std):.3f}"
    )
    if not args.skip_stacked:
        k = 4
        st = stacked_emcee(part[:k], 2500)
        ref = WPM(dtype="float64").predict(part[:k], target, metric=metric, rng=rng(4))
        mean_loss = st["scale"] * (1 - st["mean_u"])
        print(
            f"6. stacked emcee over {k} curves ({st['dim']} dims, {st['walkers']} walkers, 2500 "
            f"steps): acceptance {st['acceptance']:.3f} (per-curve batched ensembles: see 3.), "
            f"{st['wall_s']:.1f} s; predicted means {np.round(mean_loss, 4)} vs per-curve "
            f"{np.round(ref.mean, 4)}; spread of f(target) {np.round(st['std_u'] * st['scale'], 4)}"
        )


if __name__ == "__main__":
    main()
