from __future__ import annotations

import numpy as np
import pytest

from nas_sim import registry
from nas_sim.lce.baselines import LastValue
from nas_sim.lce.conformal import ConformalWPM, SplitConformal
from nas_sim.lce.lcsvr import LcSVR
from nas_sim.lce.method import LCEMethod, Prediction
from tests.lce.conftest import saturating


class _Overconfident(LCEMethod):
    """Predicts the centre of the truth's distribution, with a spread 4× too small."""

    name = "toy"

    def predict(self, partial_curves, target_epoch, arch_features=None, *, metric="", rng=None):
        n = len(partial_curves)
        return Prediction(mean=np.asarray(partial_curves)[:, -1], std=np.full(n, 0.025))


def _data(n, seed):
    rng = np.random.default_rng(seed)
    last = rng.uniform(1, 2, n)  # losses
    curves = np.column_stack([last + 0.1, last + 0.05, last])
    return curves, last + rng.normal(0, 0.1, n)  # true spread 0.1


def test_calibration_restores_coverage_of_an_overconfident_method():
    x_cal, y_cal = _data(200, 0)
    x_test, y_test = _data(2000, 1)
    raw = _Overconfident().predict(x_test, 10)
    lo, hi = raw.interval(0.9)
    assert ((y_test >= lo) & (y_test <= hi)).mean() < 0.5
    cal = SplitConformal(_Overconfident(), level=0.9, max_calibration_curves=200).fit(
        x_cal, y_cal, target_epoch=10, metric="val_loss"
    )
    assert cal.scale_ == pytest.approx(4.0, rel=0.2)
    pred = cal.predict(x_test, 10, metric="val_loss")
    lo, hi = pred.interval(0.9)
    cover = ((y_test >= lo) & (y_test <= hi)).mean()
    assert 0.86 < cover < 0.95
    np.testing.assert_array_equal(pred.mean, raw.mean)  # points are untouched


def test_scores_are_cached_and_capped():
    calls = []

    class Counting(_Overconfident):
        def predict(self, partial_curves, *a, **k):
            calls.append(len(partial_curves))
            return super().predict(partial_curves, *a, **k)

    x, y = _data(30, 2)
    cal = SplitConformal(Counting(), min_calibration=5, max_calibration_curves=25)
    cal.fit(x[:10], y[:10], target_epoch=10, metric="val_loss")
    cal.fit(
        x[:20], y[:20], target_epoch=10, metric="val_loss"
    )  # only the 10 new curves are predicted
    cal.fit(x, y, target_epoch=10, metric="val_loss")  # room for 5 more
    assert calls == [10, 10, 5]
    assert len(cal.scores_) == 25


def test_too_few_curves_leave_predictions_unchanged():
    x, y = _data(5, 3)
    cal = SplitConformal(LastValue(), min_calibration=10).fit(
        x, y, target_epoch=10, metric="val_loss"
    )
    assert cal.scale_ is None
    np.testing.assert_array_equal(
        cal.predict(x, 10, metric="val_loss").std, LastValue().predict(x, 10, metric="val_loss").std
    )


def test_methods_that_learn_from_the_curves_are_refused():
    with pytest.raises(ValueError, match="in-sample"):
        SplitConformal(LcSVR())
    with pytest.raises(ValueError, match="level"):
        SplitConformal(LastValue(), level=1.0)
    with pytest.raises(ValueError, match="min_calibration"):
        SplitConformal(LastValue(), min_calibration=0)
    with pytest.raises(TypeError, match="LCEMethod"):
        SplitConformal("wpm")
    x, y = _data(5, 4)
    with pytest.raises(ValueError, match="target_epoch"):
        SplitConformal(LastValue()).fit(x, y, metric="val_loss")


def test_conformal_wpm_is_registered_and_widens_wpm_samples():
    assert "wpm-conformal" in registry.names("lce")
    fast = dict(n_steps=200, burn_in=50, thin=10)
    y = saturating(14, 30, seed=12)
    m = ConformalWPM(min_calibration=10, **fast)
    m.fit(y[:12, :8], y[:12, -1], target_epoch=30, rng=np.random.default_rng(0))
    assert m.scale_ is not None and m.scale_ > 0
    pred = m.predict(y[12:, :8], 30, rng=np.random.default_rng(1))
    assert pred.samples is not None
    raw = m.method.predict(y[12:, :8], 30, rng=np.random.default_rng(1))
    np.testing.assert_allclose(pred.mean, raw.mean)
    np.testing.assert_allclose(
        pred.samples - pred.mean[:, None], m.scale_ * (raw.samples - raw.mean[:, None])
    )
    assert m.hyperparameters()["wpm.n_steps"] == 200
