"""Baseline extrapolators: the last observed value (what Hyperband assumes) and one power law."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from nas_sim.lce.curve_families import family, fit_family, from_unit_scale, to_unit_scale
from nas_sim.lce.method import LCEMethod, Prediction, check_partial_curves, check_training_data

Array = NDArray[np.float64]


def random_walk_std(curves: Array, target_epoch: int) -> Array:
    """Std of a random walk with the curve's recent epoch-to-epoch changes, grown to the target."""
    e = curves.shape[1]
    if e < 2:
        return np.zeros(len(curves))
    diffs = np.diff(curves[:, -min(e, 6) :], axis=1)
    return np.asarray(np.sqrt(np.mean(diffs**2, axis=1)) * np.sqrt(max(target_epoch - e, 1)))


class _PointPlusCalibration(LCEMethod):
    """A point rule with a normal predictive. Its std is the RMS error of the rule on the examples
    given to :meth:`fit` (when there are >= 2 and their ``target_epoch`` is known), otherwise the
    curve's recent epoch-to-epoch variability grown as a random walk to the target."""

    def point(self, curves: Array, target_epoch: int, metric: str) -> Array:
        raise NotImplementedError

    def fit(  # type: ignore[no-untyped-def]
        self,
        partial_curves,
        targets,
        arch_features=None,
        *,
        target_epoch=None,
        metric="val_accuracy",
        rng=None,
    ):
        who = type(self).__name__
        curves, y = check_training_data(
            partial_curves, targets, metric=metric, min_epochs=self.min_epochs, method=who
        )
        self.residual_std_: float | None = None
        if len(y) >= 2 and target_epoch is not None:
            pred = self.point(curves, int(target_epoch), metric)
            self.residual_std_ = float(np.sqrt(np.mean((y - pred) ** 2)))
        return self

    def predict(  # type: ignore[no-untyped-def]
        self, partial_curves, target_epoch, arch_features=None, *, metric="val_accuracy", rng=None
    ) -> Prediction:
        curves = check_partial_curves(
            partial_curves,
            metric=metric,
            min_epochs=self.min_epochs,
            target_epoch=target_epoch,
            method=type(self).__name__,
        )
        mean = self.point(curves, int(target_epoch), metric)
        calibrated = getattr(self, "residual_std_", None)
        if calibrated is not None:
            std = np.full(len(mean), max(calibrated, 1e-9))
        else:
            std = np.maximum(random_walk_std(curves, int(target_epoch)), 1e-9)
        return Prediction(mean=mean, std=std)


class LastValue(_PointPlusCalibration):
    """The last observed value as the prediction for every later epoch: the implicit model of
    successive halving and Hyperband (Li et al., "Hyperband: A Novel Bandit-Based Approach to
    Hyperparameter Optimization", JMLR 2018). Uncertainty: see :class:`_PointPlusCalibration`."""

    name = "last"

    def point(self, curves: Array, target_epoch: int, metric: str) -> Array:
        return curves[:, -1].copy()


class PowerLaw(_PointPlusCalibration):
    """One saturating power law ``y = c - a * x^(-alpha)`` per curve, fitted by least squares (the
    ``pow3`` family of Domhan et al. 2015, a common single-model baseline).

    Lower-is-better metrics are fitted on the unit scale of
    :func:`~nas_sim.lce.curve_families.to_unit_scale` (a falling loss becomes a rising curve). Where the
    fit fails the prediction is the last value. Uncertainty: see :class:`_PointPlusCalibration`.
    """

    name = "powerlaw"
    min_epochs = 3

    def __init__(self, lm_iterations: int = 60) -> None:
        self.lm_iterations = lm_iterations

    def point(self, curves: Array, target_epoch: int, metric: str) -> Array:
        u, scale = to_unit_scale(curves, metric)
        fam = family("pow3")
        theta, sse = fit_family(fam, u, target_epoch, n_iter=self.lm_iterations)
        at = fam(theta, np.array([float(target_epoch)]))[:, 0]
        good = np.isfinite(sse) & np.isfinite(at)
        return np.asarray(from_unit_scale(np.where(good, at, u[:, -1]), scale, metric))
