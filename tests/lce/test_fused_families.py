from __future__ import annotations

import numpy as np
import pytest

from nas_sim.lce.curve_families import FAMILIES, FAMILY_NAMES, family
from nas_sim.lce.fused_families import SHAPES, basis, constraint_matrix, fuse, fused_curves


def _random_params(rng: np.random.Generator, n: int, families) -> tuple[np.ndarray, tuple]:  # type: ignore[no-untyped-def]
    """Parameter vectors of the fused layout, uniform in every family's box (weights, sigma too)."""
    off = np.cumsum([0] + [f.n_params for f in families])
    cols = [rng.uniform(f.lower, f.upper, size=(n, f.n_params)) for f in families]
    theta = np.concatenate([*cols, rng.random((n, len(families) + 1))], axis=1)
    return theta, tuple(int(o) for o in off)


def test_every_family_has_a_fused_shape():
    assert set(SHAPES) == set(FAMILY_NAMES)


@pytest.mark.parametrize("names", [FAMILY_NAMES, ("ilog2",), ("weibull", "pow4", "pow3")])
def test_fused_curves_are_the_families_own(names: tuple[str, ...]):
    fams = tuple(family(n) for n in names)
    rng = np.random.default_rng(0)
    theta, off = _random_params(rng, 400, fams)
    x = np.array([1.0, 2, 3, 5, 8, 10, 50])
    fused = fuse(fams, off)
    t, alpha, beta, w = fused_curves(
        theta, fused.index, fused.scale, fused.const, fused.kappa, basis(x), fused.counts
    )
    curves = alpha[..., None] + beta[..., None] * t
    for pos, i in enumerate(fused.order):
        own = fams[i](theta[:, off[i] : off[i + 1]], x)
        ok = np.isfinite(own) & (np.abs(own) < 1e6)  # exp far outside the prior overflows
        assert ok.mean() > 0.5
        np.testing.assert_allclose(curves[:, pos][ok], own[ok], rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(w[:, pos], theta[:, off[-1] + i])


def test_constraint_matrix_is_the_families_constraints():
    rng = np.random.default_rng(1)
    theta, off = _random_params(rng, 2000, FAMILIES)
    target = 37.0
    m, strict, owner = constraint_matrix(FAMILIES, off, theta.shape[1], target)
    v = theta @ m
    ok = np.where(strict, v > 0, v >= 0)
    for i, fam in enumerate(FAMILIES):
        mine = ok[:, owner == i].all(axis=1)
        if fam.constraint is None:
            assert not (owner == i).any()
            continue
        expected = fam.constraint(theta[:, off[i] : off[i + 1]], target)
        assert 0 < expected.mean() < 1  # both outcomes are exercised
        np.testing.assert_array_equal(mine, expected)
