"""The interface every learning-curve extrapolation (LCE) method implements, and its output.

A method sees partial curves (the first ``E`` values of a metric) and predicts the metric at a later
``target_epoch`` as a distribution, not only a point, so that a stopping rule can use
``P(y_target > threshold)`` (Domhan et al. 2015) as well as the mean (NAS-Bench-x11).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy import special

from nas_sim.learning_curve import higher_is_better
from nas_sim.params import JSON_SCALARS_AND_SEQUENCES, init_params


class CurveError(ValueError):
    """A partial curve an LCE method cannot work with (NaN, too short, wrong shape, …)."""


@dataclass(frozen=True)
class Prediction:
    """Predictive distribution of a metric at the target epoch, one per curve.

    mean : array of shape (n,); std : array of shape (n,), >= 0.
    samples : optional array of shape (n, s) of draws from the predictive distribution (MCMC
        methods); when present, probabilities, intervals and densities are computed from them,
        otherwise from a normal distribution N(mean, std²).
    fallback : optional bool array of shape (n,): True where the method could not fit a curve and
        returned its documented fallback instead.
    """

    mean: NDArray[np.float64]
    std: NDArray[np.float64]
    samples: NDArray[np.float64] | None = None
    fallback: NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return len(self.mean)

    def prob_greater(self, threshold: float | NDArray[np.float64]) -> NDArray[np.float64]:
        """P(y_target > threshold) per curve (threshold scalar or shape (n,))."""
        t = np.broadcast_to(np.asarray(threshold, dtype=np.float64), self.mean.shape)
        if self.samples is not None:
            return np.asarray((self.samples > t[:, None]).mean(axis=1), dtype=np.float64)
        std = np.maximum(self.std, 1e-300)
        return np.asarray(special.ndtr((self.mean - t) / std), dtype=np.float64)

    def interval(self, level: float = 0.9) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Central ``level`` predictive interval: (low (n,), high (n,))."""
        if not 0 < level < 1:
            raise ValueError(f"interval level must be in (0, 1), got {level!r}")
        lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
        if self.samples is not None:
            lo, hi = np.quantile(self.samples, [lo_q, hi_q], axis=1)
            return lo, hi
        z = special.ndtri(hi_q)
        return self.mean - z * self.std, self.mean + z * self.std

    def log_pdf(self, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """Log predictive density of the true values ``y`` (n,).

        From samples: a Gaussian kernel density estimate (Silverman's bandwidth, at most 2,000
        draws per curve); otherwise the normal density.
        """
        y = np.asarray(y, dtype=np.float64)
        if self.samples is None:
            std = np.maximum(self.std, 1e-12)
            return np.asarray(
                -0.5 * ((y - self.mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi)
            )
        s = self.samples
        if s.shape[1] > 2000:  # a regular subsample keeps the KDE cheap and deterministic
            s = s[:, :: int(np.ceil(s.shape[1] / 2000))]
        n_s = s.shape[1]
        sd = s.std(axis=1)
        iqr = np.subtract(*np.quantile(s, [0.75, 0.25], axis=1))
        spread = np.minimum(sd, iqr / 1.349)
        spread = np.where(spread > 0, spread, sd)
        h = np.maximum(0.9 * spread * n_s ** (-0.2), 1e-12)
        z = (y[:, None] - s) / h[:, None]
        logk = -0.5 * z**2 - np.log(h)[:, None] - 0.5 * np.log(2 * np.pi)
        return np.asarray(special.logsumexp(logk, axis=1) - np.log(n_s))


class LCEMethod(ABC):
    """Base class of LCE methods (WPM, LcSVR, baselines).

    When each method is called:

    * ``fit(partial_curves, targets, …)`` whenever the caller has fully trained examples (the LCE
      framework calls it after new full trainings, on a schedule the method may thin out). Methods
      that need no training data may use it to calibrate their uncertainty, or ignore it.
    * ``predict(partial_curves, target_epoch, …)`` for every candidate to extrapolate, batched.

    ``metric`` names what the curves measure (``val_accuracy``, ``val_loss``, …): accuracies are
    fractions in [0, 1] and higher is better; losses are non-negative and lower is better. Every
    method handles both orientations.
    """

    #: registry name
    name: str = ""
    #: True when :meth:`predict` needs a prior :meth:`fit` on at least ``min_train_size`` examples
    needs_training_data: bool = False
    #: the smallest training set :meth:`fit` accepts (0 for methods that need none)
    min_train_size: int = 0
    #: the shortest partial curve :meth:`predict` accepts
    min_epochs: int = 1
    #: constructor arguments the LCE wrapper uses unless they are given: a method's own defaults
    #: are for offline accuracy, but inside a search it predicts every candidate, so cost per
    #: curve counts (``make_optimizer(..., lce_defaults="method")`` keeps the method's own)
    wrapper_defaults: ClassVar[Mapping[str, Any]] = {}

    def fit(
        self,
        partial_curves: NDArray[np.float64],
        targets: NDArray[np.float64],
        arch_features: NDArray[np.float64] | None = None,
        *,
        target_epoch: int | None = None,
        metric: str = "val_accuracy",
        rng: np.random.Generator | None = None,
    ) -> LCEMethod:
        """Learn from fully trained runs: ``partial_curves`` (n, E), ``targets`` (n,) = the metric
        at ``target_epoch`` (1-based), ``arch_features`` (n, f) or None. The default does
        nothing."""
        return self

    @abstractmethod
    def predict(
        self,
        partial_curves: NDArray[np.float64],
        target_epoch: int,
        arch_features: NDArray[np.float64] | None = None,
        *,
        metric: str = "val_accuracy",
        rng: np.random.Generator | None = None,
    ) -> Prediction:
        """Predict the metric at ``target_epoch`` (1-based) from ``partial_curves`` (n, E)."""

    def modeled_cost_s(self, n_curves: int) -> float:
        """Deterministic overhead estimate for ``overhead="modeled"`` simulations."""
        return 0.0

    def hyperparameters(self) -> dict[str, Any]:
        """The JSON-able constructor parameters (``__init__`` stores each under its own name;
        see :mod:`nas_sim.params`), recorded in result files."""
        return init_params(self, JSON_SCALARS_AND_SEQUENCES)


def check_partial_curves(
    partial_curves: object,
    *,
    metric: str,
    min_epochs: int = 1,
    target_epoch: int | None = None,
    method: str = "LCE method",
) -> NDArray[np.float64]:
    """Validate a batch of partial curves, shape (n, E); every error names the bad row and value."""
    try:
        curves = np.asarray(partial_curves, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CurveError(f"{method}: partial curves must be numeric arrays: {exc}") from None
    if curves.ndim == 1:
        curves = curves[None, :]
    if curves.ndim != 2:
        raise CurveError(
            f"{method}: partial curves must have shape (n_curves, n_epochs), got {curves.shape}"
        )
    n, e = curves.shape
    if e < min_epochs:
        raise CurveError(
            f"{method}: partial curves have {e} epoch(s); this method needs at least {min_epochs} "
            "(raise --e-few)"
        )
    bad = ~np.isfinite(curves)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise CurveError(
            f"{method}: curve {row} has a non-finite {metric} ({curves[row, col]}) at epoch "
            f"{col + 1}; diverged runs cannot be extrapolated (drop them or stop them)"
        )
    if higher_is_better(metric):
        out = (curves < 0) | (curves > 1)
        if out.any():
            row, col = map(int, np.argwhere(out)[0])
            raise CurveError(
                f"{method}: curve {row} has {metric} {curves[row, col]} at epoch {col + 1}, outside "
                "[0, 1]; accuracies are fractions"
            )
    elif (curves < 0).any():
        row, col = map(int, np.argwhere(curves < 0)[0])
        raise CurveError(
            f"{method}: curve {row} has a negative {metric} ({curves[row, col]}) at epoch "
            f"{col + 1}; losses must be >= 0"
        )
    if target_epoch is not None:
        if isinstance(target_epoch, bool) or not isinstance(target_epoch, (int, np.integer)):
            raise CurveError(f"{method}: target_epoch must be an integer, got {target_epoch!r}")
        if target_epoch < e:
            raise CurveError(
                f"{method}: target_epoch {target_epoch} is before the last observed epoch {e}"
            )
    return curves


def check_targets(targets: object, n: int, *, metric: str, method: str) -> NDArray[np.float64]:
    y = np.asarray(targets, dtype=np.float64).reshape(-1)
    if y.shape != (n,):
        raise CurveError(f"{method}: targets must have shape ({n},), got {y.shape}")
    if not np.isfinite(y).all():
        i = int(np.argwhere(~np.isfinite(y))[0, 0])
        raise CurveError(f"{method}: target {i} is not finite ({y[i]})")
    return y


def check_training_data(
    partial_curves: object, targets: object, *, metric: str, min_epochs: int, method: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The checks every ``fit`` makes: :func:`check_partial_curves`, then one finite target per
    curve (:func:`check_targets`). Returns ``(curves, targets)``."""
    curves = check_partial_curves(
        partial_curves, metric=metric, min_epochs=min_epochs, method=method
    )
    return curves, check_targets(targets, len(curves), metric=metric, method=method)


def check_features(features: object, n: int, *, method: str) -> NDArray[np.float64] | None:
    if features is None:
        return None
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] != n:
        raise CurveError(
            f"{method}: arch_features must have shape ({n}, n_features), got {f.shape}"
        )
    if not np.isfinite(f).all():
        raise CurveError(f"{method}: arch_features contain non-finite values")
    return f


def to_generator(rng: np.random.Generator | None, seed: int) -> np.random.Generator:
    return rng if rng is not None else np.random.default_rng(seed)
