from __future__ import annotations

import numpy as np
import pytest

from nas_sim.lce.baselines import LastValue, PowerLaw
from nas_sim.lce.lcsvr import LcSVR, curve_features
from nas_sim.lce.method import CurveError
from tests.lce.conftest import saturating


def test_last_value_and_its_calibrated_std():
    y = saturating(40, 30, seed=1)
    m = LastValue()
    raw = m.predict(y[:, :10], 30)
    np.testing.assert_array_equal(raw.mean, y[:, 9])
    m.fit(y[:, :10], y[:, -1], target_epoch=30)
    cal = m.predict(y[:, :10], 30)
    rms = np.sqrt(np.mean((y[:, -1] - y[:, 9]) ** 2))
    np.testing.assert_allclose(cal.std, rms)


def test_power_law_recovers_a_power_law():
    x = np.arange(1, 31)
    y = (0.92 - 0.4 * x**-0.7)[None]
    pred = PowerLaw().predict(y[:, :8], 30)
    assert abs(pred.mean[0] - y[0, -1]) < 2e-3


def test_power_law_on_losses_predicts_a_lower_loss():
    loss = (2.0 + 3.0 * np.arange(1, 31) ** -0.5)[None]
    pred = PowerLaw().predict(loss[:, :8], 30, metric="val_loss")
    assert loss[0, -1] - 0.05 < pred.mean[0] < loss[0, 7]


def test_curve_features_follow_baker():
    f = curve_features(np.array([[1.0, 2.0, 4.0, 7.0]]))
    assert f.shape == (1, 3 * 4 - 1)
    np.testing.assert_allclose(f[0, 4:7], [1, 2, 3])  # first differences
    np.testing.assert_allclose(f[0, 7:9], [1, 1])  # second differences


def test_lcsvr_learns_and_beats_last_value():
    y = saturating(120, 30, seed=2)
    m = LcSVR(n_configs=15)
    m.fit(y[:80, :8], y[:80, -1], target_epoch=30, rng=np.random.default_rng(0))
    pred = m.predict(y[80:, :8], 30)
    err = np.abs(pred.mean - y[80:, -1]).mean()
    assert err < 0.5 * np.abs(y[80:, 7] - y[80:, -1]).mean()
    assert (pred.std > 0).all()
    assert m.n_searched_ == 80
    # a small increment refits the chosen configuration without a new search
    m.fit(y[:85, :8], y[:85, -1], target_epoch=30, rng=np.random.default_rng(0))
    assert m.n_searched_ == 80 and m.n_train_ == 85


def test_lcsvr_errors():
    y = saturating(20, 30, seed=3)
    m = LcSVR(n_configs=3)
    with pytest.raises(CurveError, match="before fit"):
        m.predict(y[:, :8], 30)
    with pytest.raises(CurveError, match="at least 10"):
        m.fit(y[:5, :8], y[:5, -1])
    m.fit(y[:, :8], y[:, -1], target_epoch=30)
    with pytest.raises(CurveError, match="features"):
        m.predict(y[:, :9], 30)
    with pytest.raises(CurveError, match="epoch 30"):
        m.predict(y[:, :8], 25)
    with pytest.raises(ValueError, match="cv_folds"):
        LcSVR(cv_folds=5, min_train_size=4)


def test_lcsvr_uses_architecture_features():
    y = saturating(40, 20, seed=4)
    feats = np.random.default_rng(0).random((40, 6))
    m = LcSVR(n_configs=3).fit(y[:, :5], y[:, -1], feats, target_epoch=20)
    assert m.n_features_ == 3 * 5 - 1 + 6
    assert len(m.predict(y[:3, :5], 20, feats[:3]).mean) == 3
