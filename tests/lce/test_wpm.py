from __future__ import annotations

import numpy as np
import pytest

from lce.method import CurveError
from lce.wpm import WPM
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
