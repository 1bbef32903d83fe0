from __future__ import annotations

import numpy as np
import pytest

from nas_sim.lce.curve_families import FAMILIES, family, fit_family, from_unit_scale, to_unit_scale


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.name)
def test_feasible_parameters_give_increasing_finite_curves(fam):
    rng = np.random.default_rng(1)
    lo, hi = np.asarray(fam.lower), np.asarray(fam.upper)
    # sample around the default within bounds, keep the feasible ones
    span = np.minimum(hi - lo, 5.0)
    theta = np.clip(
        np.asarray(fam.default) + rng.uniform(-0.5, 0.5, (4000, fam.n_params)) * span, lo, hi
    )
    target = 50.0
    theta = theta[fam.feasible(theta, target)]
    assert len(theta) > 50
    x = np.linspace(1, target, 60)
    y = fam(theta, x)
    ok = np.isfinite(y).all(axis=1)
    assert ok.mean() > 0.99
    assert (np.diff(y[ok], axis=1) >= -1e-9).all()


def test_default_parameters_are_feasible():
    for fam in FAMILIES:
        assert fam.feasible(np.asarray(fam.default)[None], 50.0).all(), fam.name


def test_fit_recovers_a_pow3_curve():
    x = np.arange(1, 16)
    y = 0.9 - 0.5 * x ** (-0.8)
    theta, sse = fit_family(family("pow3"), y[None], 50)
    assert sse[0] < 1e-8
    np.testing.assert_allclose(
        family("pow3")(theta, np.array([50.0])), 0.9 - 0.5 * 50**-0.8, atol=1e-3
    )


def test_unknown_family_lists_names():
    with pytest.raises(ValueError, match="pow3"):
        family("pow5")


def test_loss_unit_scale_round_trip_and_orientation():
    loss = np.array([[5.0, 4.0, 3.5, 3.4]])
    u, scale = to_unit_scale(loss, "val_loss")
    assert (np.diff(u) > 0).all() and u.min() >= 0 and u.max() <= 1
    np.testing.assert_allclose(from_unit_scale(u[:, -1], scale, "val_loss"), [3.4])
    acc = np.array([[0.1, 0.5]])
    np.testing.assert_array_equal(to_unit_scale(acc, "val_accuracy")[0], acc)


def test_fitting_families_together_gives_each_family_fit_alone_bit_for_bit() -> None:
    from nas_sim.lce.curve_families import fit_families

    rng = np.random.default_rng(5)
    x = np.arange(1, 13)
    y = np.stack(
        [
            0.9 - 0.5 * x**-0.7,
            0.6 + 0.3 * (1 - np.exp(-x / 4)) + 0.01 * rng.normal(size=len(x)),
            np.full(len(x), 0.5),  # flat: some families cannot fit it feasibly
        ]
    )
    fams = list(FAMILIES)
    together = fit_families(fams, y, 50, n_iter=15)
    assert len({f.n_params for f in fams}) < len(fams)  # some families do share a group
    for fam, (theta, sse) in zip(fams, together):
        alone_theta, alone_sse = fit_family(fam, y, 50, n_iter=15)
        assert np.array_equal(theta, alone_theta), fam.name
        assert np.array_equal(sse, alone_sse), fam.name
