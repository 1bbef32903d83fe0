from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nas_sim.lce.method import CurveError, Prediction, check_partial_curves


def test_normal_prediction_probabilities_and_intervals():
    p = Prediction(mean=np.array([0.5, 0.8]), std=np.array([0.1, 0.01]))
    np.testing.assert_allclose(p.prob_greater(0.5), [0.5, 1.0], atol=1e-12)
    lo, hi = p.interval(0.9)
    np.testing.assert_allclose(hi - p.mean, 1.6448536 * p.std, rtol=1e-6)
    np.testing.assert_allclose(p.log_pdf(np.array([0.5, 0.8])), stats.norm.logpdf(0, 0, p.std))


def test_sample_prediction_matches_normal_for_normal_samples():
    rng = np.random.default_rng(0)
    s = rng.normal(0.3, 0.05, (1, 20000))
    p = Prediction(mean=s.mean(1), std=s.std(1), samples=s)
    assert abs(p.prob_greater(0.35)[0] - stats.norm.sf(1.0)) < 0.01
    lo, hi = p.interval(0.9)
    assert abs(lo[0] - (0.3 - 1.645 * 0.05)) < 0.005
    assert abs(p.log_pdf(np.array([0.3]))[0] - stats.norm.logpdf(0.3, 0.3, 0.05)) < 0.1


def test_interval_level_is_checked():
    with pytest.raises(ValueError, match="level"):
        Prediction(mean=np.zeros(1), std=np.ones(1)).interval(1.5)


@pytest.mark.parametrize(
    ("curves", "metric", "match"),
    [
        ([[0.1, np.nan, 0.3]], "val_accuracy", "non-finite"),
        ([[0.1, 0.2]], "val_accuracy", "at least 3"),
        ([[0.1, 1.2, 0.3]], "val_accuracy", "outside"),
        ([[2.0, -1.0, 1.0]], "val_loss", "negative"),
        ([[[0.1]]], "val_accuracy", "shape"),
    ],
)
def test_bad_curves_get_clear_errors(curves, metric, match):
    with pytest.raises(CurveError, match=match):
        check_partial_curves(np.asarray(curves, dtype=float), metric=metric, min_epochs=3)


def test_target_before_observed_is_an_error():
    with pytest.raises(CurveError, match="before the last observed"):
        check_partial_curves(np.ones((1, 5)) * 0.5, metric="val_accuracy", target_epoch=3)
