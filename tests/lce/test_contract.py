"""Every registered LCE method passes the LCE method contract (nas_sim.lce.testing), and the
contract catches methods that break it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nas_sim import registry
from nas_sim.lce.baselines import LastValue
from nas_sim.lce.method import Prediction
from nas_sim.lce.testing import LCE_METHOD_CHECKS, check_lce_method
from nas_sim.testing import ContractError

#: short MCMC chains, so that WPM's checks take a second; every other method at its defaults
_SHORT_MCMC = {"n_walkers": 8, "n_steps": 60, "burn_in": 20, "thin": 4}
KWARGS: dict[str, dict[str, Any]] = {
    "wpm": _SHORT_MCMC,
    "wpm-conformal": {**_SHORT_MCMC, "min_calibration": 5},
}


@pytest.mark.parametrize("check", LCE_METHOD_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", registry.names("lce"))
def test_registered_method_passes(name: str, check: Any) -> None:
    check(name, kwargs=KWARGS.get(name))


class NegativeSpread(LastValue):
    def predict(self, *args: Any, **kwargs: Any) -> Prediction:  # type: ignore[override]
        p = super().predict(*args, **kwargs)
        return Prediction(mean=p.mean, std=-np.ones_like(p.std))


class IgnoresItsRng(LastValue):
    def predict(self, *args: Any, **kwargs: Any) -> Prediction:  # type: ignore[override]
        p = super().predict(*args, **kwargs)
        return Prediction(
            mean=p.mean + np.random.default_rng().normal(size=p.mean.shape), std=p.std
        )


class StoresUnderAnotherName(LastValue):
    def __init__(self, window: int = 3) -> None:
        self.size = window  # hyperparameters() cannot find 'window'


class ReportsANonArgument(LastValue):
    def hyperparameters(self) -> dict[str, Any]:
        return {"min_epochs": self.min_epochs}  # what the conformal wrapper used to report


class NoNaNCheck(LastValue):
    def predict(self, partial_curves: Any, target_epoch: int, *a: Any, **k: Any) -> Prediction:  # type: ignore[override]
        c = np.atleast_2d(np.asarray(partial_curves, dtype=float))
        return Prediction(mean=c[:, -1], std=np.zeros(len(c)))


@pytest.mark.parametrize(
    ("cls", "rule"),
    [
        (NegativeSpread, "check_prediction_shapes_and_sign"),
        (IgnoresItsRng, "check_same_rng_same_prediction"),
        (StoresUnderAnotherName, "check_hyperparameters_are_the_constructor_arguments"),
        (ReportsANonArgument, "check_hyperparameters_are_the_constructor_arguments"),
        (NoNaNCheck, "check_rejects_nan_and_short_curves"),
    ],
)
def test_contract_catches_broken_methods(cls: type, rule: str) -> None:
    with pytest.raises(ContractError, match=rule):
        check_lce_method(cls)
