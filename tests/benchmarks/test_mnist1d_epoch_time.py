"""The epoch-time fit: NNLS on FLOPs, params and ops, with a speed factor per machine."""

from __future__ import annotations

import numpy as np
import pytest

from nas_sim.benchmarks.offline.mnist1d.epoch_time import fit_epoch_time


def _runs(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    flops = rng.uniform(1e5, 1.4e6, n)
    params = rng.uniform(7e3, 1.1e5, n)
    ops = rng.integers(0, 73, n).astype(float)
    truth = 0.05 + 2e-7 * flops + 1e-5 * params + 0.004 * ops
    return flops, params, ops, truth


def test_machine_factors_are_recovered_and_explain_the_pooled_variance():
    flops, params, ops, truth = _runs()
    machines = ["fast"] * 120 + ["slow"] * 80  # the median run is on the fast machine
    measured = truth * np.where(np.array(machines) == "slow", 2.0, 1.0)
    pooled = fit_epoch_time(flops, params, ops, measured)
    fitted = fit_epoch_time(flops, params, ops, measured, machines)
    assert pooled.machine_factors is None and pooled.r2 < 0.8
    assert fitted.machine_factors == pytest.approx({"fast": 1.0, "slow": 2.0}, rel=1e-6)
    assert fitted.r2 == pytest.approx(1.0, abs=1e-9)
    assert fitted.r2_with_machine_factors == pytest.approx(1.0, abs=1e-9)
    # seconds of the median run's machine: the fast one's true coefficients
    assert fitted.intercept_s == pytest.approx(0.05, rel=1e-6)
    assert fitted.s_per_flop == pytest.approx(2e-7, rel=1e-6)
    assert fitted.s_per_op == pytest.approx(0.004, rel=1e-6)


def test_one_machine_is_the_plain_fit():
    flops, params, ops, truth = _runs(seed=1)
    noisy = truth * np.random.default_rng(2).lognormal(0.0, 0.05, len(truth))
    plain = fit_epoch_time(flops, params, ops, noisy)
    same = fit_epoch_time(flops, params, ops, noisy, ["m"] * len(noisy))
    assert same == plain and 0.5 < plain.r2 < 1.0


def test_machine_labels_must_match_the_runs():
    flops, params, ops, truth = _runs(n=10)
    with pytest.raises(ValueError, match="got 3 machine labels for 10 runs"):
        fit_epoch_time(flops, params, ops, truth, ["a", "b", "c"])
