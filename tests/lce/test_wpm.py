from __future__ import annotations

import numpy as np
import pytest

from nas_sim.lce.method import CurveError
from nas_sim.lce.wpm import WPM
from tests.lce.conftest import saturating

FAST = dict(n_steps=300, burn_in=100, thin=10)


def test_wpm_extrapolates_saturating_curves_better_than_last_value():
    y = saturating(12, 50, seed=3)
    pred = WPM(**FAST).predict(y[:, :15], 50, rng=np.random.default_rng(0))
    truth = y[:, -1]
    assert pred.samples is not None and pred.samples.shape[0] == 12
    assert np.abs(pred.mean - truth).mean() < 0.6 * np.abs(y[:, 14] - truth).mean()
    assert (pred.std > 0).all()
    assert not pred.fallback.any()


def test_wpm_handles_losses_lower_is_better():
    acc = saturating(6, 40, seed=4)
    loss = -np.log(np.clip(acc, 1e-3, 1))  # falling curves in nats
    pred = WPM(**FAST).predict(loss[:, :10], 40, metric="val_loss", rng=np.random.default_rng(0))
    assert (pred.mean < loss[:, 7:10].mean(axis=1)).all()  # predicted to keep falling
    assert np.abs(pred.mean - loss[:, -1]).mean() < np.abs(loss[:, 9] - loss[:, -1]).mean()


def test_wpm_is_reproducible_from_its_generator():
    y = saturating(2, 30, seed=5)[:, :8]
    a = WPM(**FAST).predict(y, 30, rng=np.random.default_rng(7))
    b = WPM(**FAST).predict(y, 30, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.samples, b.samples)


def test_batching_does_not_change_a_curve_distribution():
    y = saturating(4, 30, seed=6)[:, :10]
    together = WPM(**FAST).predict(y, 30, rng=np.random.default_rng(1))
    alone = WPM(**FAST).predict(y[:1], 30, rng=np.random.default_rng(2))
    assert abs(together.mean[0] - alone.mean[0]) < together.std[0] + 0.01


def test_bad_input_is_a_clear_error_not_a_sampler_crash():
    m = WPM(**FAST)
    with pytest.raises(CurveError, match="non-finite"):
        m.predict(np.array([[0.1, 0.2, np.nan, 0.4]]), 20)
    with pytest.raises(CurveError, match="at least 3"):
        m.predict(np.array([[0.1, 0.2]]), 20)


@pytest.mark.parametrize(
    "curve",
    [np.full(10, 0.5), np.linspace(0.8, 0.3, 10), np.array([0.1] * 9 + [0.12]), np.zeros(10)],
    ids=["constant", "decreasing", "flat-then-step", "all-zero"],
)
def test_degenerate_curves_get_finite_predictions(curve):
    pred = WPM(**FAST).predict(curve[None], 50, rng=np.random.default_rng(0))
    assert np.isfinite(pred.mean).all() and np.isfinite(pred.std).all()
    assert np.isfinite(pred.samples).all()
    lo, hi = pred.interval(0.9)
    assert lo[0] <= hi[0]


def test_decreasing_accuracy_is_not_extrapolated_upwards():
    pred = WPM(**FAST).predict(np.linspace(0.8, 0.3, 10)[None], 50, rng=np.random.default_rng(0))
    assert pred.mean[0] < 0.8


def test_emcee_backend_agrees_with_batched():
    y = saturating(1, 30, seed=8)[:, :10]
    a = WPM(**FAST).predict(y, 30, rng=np.random.default_rng(0))
    b = WPM(sampler="emcee", **FAST).predict(y, 30, rng=np.random.default_rng(0))
    assert abs(a.mean[0] - b.mean[0]) < 0.5 * (a.std[0] + b.std[0]) + 0.01


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(n_walkers=7), "even"),
        (dict(burn_in=3000), "burn_in"),
        (dict(sampler="gibbs"), "batched, emcee"),
        (dict(families=["pow9"]), "unknown curve family"),
        (dict(dtype="float16"), "dtype"),
    ],
)
def test_bad_hyperparameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        WPM(**kwargs)


# --------------------------------------------------------------------- torch backend
def _torch_compiles() -> bool:
    import importlib.util
    import shutil

    # inductor compiles C++ at run time
    return importlib.util.find_spec("torch") is not None and shutil.which("g++") is not None


needs_torch = pytest.mark.skipif(
    not _torch_compiles(), reason="torch.compile needs torch and a C++ compiler (g++)"
)
#: two families keep the compiled graph small (a few seconds to compile on a cold cache)
SMALL = dict(families=("pow3", "ilog2"), n_walkers=16, **FAST)


def _walkers(m: WPM, n_curves: int, seed: int) -> tuple[np.ndarray, ...]:
    """Walkers around the least-squares start of saturating curves, half of them spread far
    enough to leave the prior (bounds, constraints, target in [0, 1])."""
    y = saturating(n_curves, 30, seed=seed)[:, :10]
    theta, active, _ = m.initial_fit(y, 30)
    rng = np.random.default_rng(seed)
    p0, _ = m._initial_walkers(theta, active, rng)
    moving = np.ptp(p0, axis=1, keepdims=True) > 0
    far = p0 + rng.normal(size=p0.shape) * 0.3 * (np.abs(p0) + 0.1) * moving
    lo, hi = m._bounds()
    p = np.where(rng.random(p0.shape[:2])[..., None] < 0.5, np.clip(far, lo, hi), p0)
    x = np.arange(1, 12, dtype=np.float64)
    x[-1] = 30
    return p, y, active, x


def test_fused_log_posterior_is_the_family_by_family_one():
    from nas_sim.lce.wpm import log_posterior, log_posterior_by_family

    m = WPM(dtype="float64")
    p, y, active, x = _walkers(m, 6, seed=9)
    lp, blob = log_posterior(p, *m._posterior_args(y[:, None], active[:, None], x, 30))
    lp_f, blob_f = log_posterior_by_family(
        p, *m._by_family_args(y[:, None], active[:, None], x, 30)
    )
    inside = np.isfinite(lp_f)
    assert 0.2 < inside.mean() < 0.9  # both sides of the prior's edge are exercised
    np.testing.assert_array_equal(np.isfinite(lp), inside)
    np.testing.assert_allclose(lp[inside], lp_f[inside], rtol=1e-10)
    np.testing.assert_allclose(blob[inside], blob_f[inside], rtol=1e-10, atol=1e-12)


def test_log_posterior_is_the_same_function_in_numpy_and_torch():
    torch = pytest.importorskip("torch")
    from nas_sim.lce.wpm import log_posterior, log_posterior_by_family

    m = WPM(dtype="float64")
    p0, y, active, x = _walkers(m, 3, seed=9)
    for fn, build in (
        (log_posterior, m._posterior_args),
        (log_posterior_by_family, m._by_family_args),
    ):
        args = build(y[:, None, :], active[:, None, :], x, 30)
        lp_np, blob_np = fn(p0, *args)
        t_args = tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args)
        lp_t, blob_t = fn(torch.from_numpy(p0), *t_args)
        assert np.isfinite(lp_np).any()
        np.testing.assert_allclose(lp_t.numpy(), lp_np, rtol=1e-9)
        np.testing.assert_allclose(blob_t.numpy(), blob_np, rtol=1e-9)


def test_large_numpy_batches_sample_the_same_posterior_family_by_family():
    from nas_sim.lce.wpm import FUSED_MAX_WALKERS

    kw = dict(n_walkers=20, n_steps=300, burn_in=100, thin=5, lm_iterations=10)
    big = FUSED_MAX_WALKERS // 10 + 1  # curves: over the fused threshold at 10 walkers per half
    y = saturating(big, 30, seed=12)[:, :10]
    a = WPM(**kw).predict(y, 30, rng=np.random.default_rng(0))  # family by family
    b = WPM(batch_size=4, **kw).predict(y, 30, rng=np.random.default_rng(1))  # fused
    z = np.abs(a.mean - b.mean) / np.sqrt(a.std**2 + b.std**2)
    assert np.median(z) < 0.5


@needs_torch
def test_torch_backend_is_reproducible_and_agrees_with_numpy():
    y = saturating(3, 30, seed=10)[:, :10]
    a = WPM(backend="torch", **SMALL).predict(y, 30, rng=np.random.default_rng(3))
    b = WPM(backend="torch", **SMALL).predict(y, 30, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.samples, b.samples)
    c = WPM(**SMALL).predict(y, 30, rng=np.random.default_rng(3))
    # different draws and fused arithmetic: the same posterior, not the same samples
    assert (np.abs(a.mean - c.mean) < 0.5 * (a.std + c.std) + 0.01).all()


def test_unknown_backend_is_rejected():
    with pytest.raises(ValueError, match="numpy, torch"):
        WPM(backend="jax")


@pytest.mark.slow
@needs_torch
def test_torch_backend_full_settings_match_numpy_on_many_curves():
    y = saturating(16, 50, seed=11)[:, :10]
    a = WPM(backend="torch").predict(y, 50, rng=np.random.default_rng(0))
    b = WPM().predict(y, 50, rng=np.random.default_rng(1))
    z = np.abs(a.mean - b.mean) / np.sqrt(a.std**2 + b.std**2)
    assert np.median(z) < 0.3
    assert 0.7 < np.median(a.std / b.std) < 1.4
