from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from nas_sim.lce.stretch_move import run_stretch


def _gauss(means, sds):
    def log_prob(theta):
        z = (theta - means[:, None, :]) / sds[:, None, :]
        return -0.5 * (z**2).sum(-1), theta[..., :1]

    return log_prob


def test_batched_stretch_samples_independent_gaussians():
    """K different 3-D Gaussians at once: each curve's chain must find its own target."""
    rng = np.random.default_rng(0)
    k, w, d = 4, 32, 3
    means = rng.normal(0, 3, (k, d))
    sds = rng.uniform(0.5, 2.0, (k, d))
    p0 = means[:, None, :] + 0.01 * rng.standard_normal((k, w, d))
    blobs, acc = run_stretch(_gauss(means, sds), p0, 1500, rng, burn_in=300, thin=5)
    assert ((acc > 0.2) & (acc < 0.9)).all()
    for j in range(k):
        s = blobs[j, :, 0]
        assert abs(s.mean() - means[j, 0]) < 0.15 * sds[j, 0]
        assert abs(s.std() - sds[j, 0]) < 0.15 * sds[j, 0]
        # thinned MCMC draws are correlated; the KS distance is still small
        ks = stats.kstest((s - means[j, 0]) / sds[j, 0], "norm").statistic
        assert ks < 0.08


def test_fixed_coordinates_stay_fixed():
    rng = np.random.default_rng(1)
    p0 = rng.standard_normal((2, 16, 3))
    p0[:, :, 2] = 7.0  # the same value in every walker: never moves
    log_prob = _gauss(np.zeros((2, 3)), np.ones((2, 3)))
    blobs, _ = run_stretch(
        lambda t: (log_prob(t)[0], t[..., 2:]), p0, 50, rng, n_dim_eff=np.array([2, 2])
    )
    assert (blobs == 7.0).all()


def test_odd_walkers_rejected():
    with pytest.raises(ValueError, match="even"):
        run_stretch(
            _gauss(np.zeros((1, 2)), np.ones((1, 2))),
            np.zeros((1, 5, 2)),
            1,
            np.random.default_rng(0),
        )
