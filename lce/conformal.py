"""Split-conformal calibration of an LCE method's predictive spread.

Split conformal prediction (Papadopoulos et al., "Inductive Confidence Machines for Regression",
ECML 2002; Lei et al., "Distribution-Free Predictive Inference for Regression", JASA 2018): score
held-out examples by how far the truth falls outside the method's interval, and widen (or narrow)
every later interval by the score quantile that makes ``level`` of the held-out truths fall inside.
Marginal coverage is then at least ``level`` for exchangeable curves, whatever the model gets wrong.

Why here: WPM's intervals are the posterior predictive of Domhan's model, which assumes every curve
keeps improving and its noise is independent across epochs. Real curves break both (8 % of the
NAS-Bench-NLP validation losses rise again after epoch 10), so the raw intervals under-cover
(docs/lce.md). Conformal calibration fixes the spread without changing any point prediction.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.lce.method import LCEMethod, Prediction, check_training_data, to_generator
from nas_sim.optimizer import check_fraction, check_positive_int

Array = NDArray[np.float64]


class SplitConformal(LCEMethod):
    """Wrap a method that needs no training data and calibrate its spread on fully trained runs.

    :meth:`fit` predicts each training curve's target from its partial curve with the inner method
    and scores it ``r = max((y - m) / (hi - m), (m - y) / (m - lo))``, the factor by which the
    central ``level`` interval ``[lo, hi]`` around the mean ``m`` must be stretched to reach the
    truth ``y``. Scores are cached by content, so the LCE framework's fit after every full training
    costs one prediction (and an identical (curve, target) pair seen twice counts once). The
    calibration factor is the ``ceil((n + 1) level) / n`` empirical quantile of the scores (the
    finite-sample conformal quantile); :meth:`predict` stretches the inner prediction's samples
    (or std) around its mean by it. Until ``min_calibration`` curves are scored, predictions are
    the inner method's, unchanged.

    method : the inner method, an instance (the registry's ``wpm-conformal`` is
        :class:`ConformalWPM`, which builds WPM from keyword arguments).
    max_calibration_curves : at most this many curves are scored (the first ones seen): the cost of
        a fit is bounded, and the calibration set never changes once full.
    """

    name = "conformal"

    def __init__(
        self,
        method: LCEMethod,
        level: float = 0.9,
        min_calibration: int = 10,
        max_calibration_curves: int = 64,
    ) -> None:
        if not isinstance(method, LCEMethod):
            raise TypeError(f"method must be an LCEMethod, got {method!r}")
        if method.needs_training_data:
            raise ValueError(
                f"split-conformal calibration needs held-out curves; {type(method).__name__} "
                "learns from the training curves, so its scores on them would be in-sample "
                "(use a method that needs no training data, e.g. wpm, powerlaw or last)"
            )
        self.method = method
        self.level = check_fraction("level", level)
        if self.level >= 1:
            raise ValueError(f"level must be in (0, 1), got {level!r}")
        self.min_calibration = check_positive_int("min_calibration", min_calibration)
        self.max_calibration_curves = check_positive_int(
            "max_calibration_curves", max_calibration_curves
        )
        self.min_epochs = method.min_epochs
        self.scores_: dict[str, float] = {}
        self.scale_: float | None = None

    def hyperparameters(self) -> dict[str, Any]:
        own = super().hyperparameters()
        inner = {f"{self.method.name}.{k}": v for k, v in self.method.hyperparameters().items()}
        return {**own, "method": self.method.name, **inner}

    def modeled_cost_s(self, n_curves: int) -> float:
        return self.method.modeled_cost_s(n_curves)

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
        who = f"conformal {type(self.method).__name__}"
        curves, y = check_training_data(
            partial_curves, targets, metric=metric, min_epochs=self.min_epochs, method=who
        )
        if target_epoch is None:
            raise ValueError("conformal calibration needs target_epoch (the epoch of targets)")
        keys = [_key(c, t, int(target_epoch), metric) for c, t in zip(curves, y)]
        room = self.max_calibration_curves - len(self.scores_)
        new = [i for i, k in enumerate(keys) if k not in self.scores_][: max(room, 0)]
        if new:
            pred = self.method.predict(
                curves[new],
                int(target_epoch),
                None if arch_features is None else np.asarray(arch_features)[new],
                metric=metric,
                rng=to_generator(rng, 0),
            )
            for i, s in zip(new, _scores(pred, y[new], self.level)):
                self.scores_[keys[i]] = float(s)
        scores = np.fromiter(self.scores_.values(), dtype=np.float64)
        n = len(scores)
        if n >= self.min_calibration:
            q = min(math.ceil((n + 1) * self.level) / n, 1.0)
            self.scale_ = float(np.quantile(scores, q, method="higher"))
        return self

    def predict(  # type: ignore[no-untyped-def]
        self, partial_curves, target_epoch, arch_features=None, *, metric="val_accuracy", rng=None
    ) -> Prediction:
        pred = self.method.predict(
            partial_curves, target_epoch, arch_features, metric=metric, rng=rng
        )
        c = self.scale_
        if c is None:
            return pred
        samples = None
        if pred.samples is not None:
            samples = pred.mean[:, None] + c * (pred.samples - pred.mean[:, None])
        return replace(pred, std=c * pred.std, samples=samples)


class ConformalWPM(SplitConformal):
    """:class:`~nas_sim.lce.wpm.WPM` with split-conformal intervals (registered as ``wpm-conformal``);
    keyword arguments other than the calibration settings go to WPM."""

    name = "wpm-conformal"

    def __init__(
        self,
        level: float = 0.9,
        min_calibration: int = 10,
        max_calibration_curves: int = 64,
        **wpm_kwargs: Any,
    ) -> None:
        from nas_sim.lce.wpm import WPM

        super().__init__(WPM(**wpm_kwargs), level, min_calibration, max_calibration_curves)


def _scores(pred: Prediction, y: Array, level: float) -> Array:
    """Stretch factor of the central ``level`` interval around the mean that reaches ``y``."""
    lo, hi = pred.interval(level)
    m = pred.mean
    tiny = 1e-12
    up = (y - m) / np.maximum(hi - m, tiny)
    down = (m - y) / np.maximum(m - lo, tiny)
    return np.maximum(np.maximum(up, down), 0.0)


def _key(curve: Array, target: float, target_epoch: int, metric: str) -> str:
    h = hashlib.sha256(np.ascontiguousarray(curve, dtype=np.float64).tobytes())
    h.update(f"{target!r}|{target_epoch}|{metric}".encode())
    return h.hexdigest()
