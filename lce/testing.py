"""The LCE method contract: checks every LCE method plugin can run against itself.

One call runs them all and raises :class:`~nas_sim.testing.ContractError` naming each broken rule::

    from nas_sim.lce.testing import check_lce_method
    check_lce_method("my-method")                               # a registered name
    check_lce_method(MyMethod, kwargs={"n_samples": 50})        # a class or factory

In pytest, one test per rule::

    @pytest.mark.parametrize("check", LCE_METHOD_CHECKS, ids=lambda c: c.__name__)
    def test_contract(check):
        check(MyMethod)

The rules: ``predict`` returns a :class:`~nas_sim.lce.method.Prediction` with ``mean`` and ``std``
of shape ``(n,)``, finite, ``std >= 0`` (and ``samples`` ``(n, s)``, ``fallback`` ``(n,)`` where
given); ``fit`` returns the method and ``predict`` works after it (a method that needs training
data raises :class:`~nas_sim.lce.method.CurveError` before it); accuracies and losses are both
handled and out-of-range values of either are a ``CurveError``; NaN curves and curves shorter than
``min_epochs`` are a ``CurveError`` (in ``fit`` too, for methods that learn from training data); the same ``rng`` seed gives the same prediction; the
hyperparameters are JSON-able and are exactly the constructor's arguments.

The checks live here rather than in :mod:`nas_sim.testing` because they check this package's
interface (:class:`~nas_sim.lce.method.LCEMethod`); the core imports no plugin.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim import registry
from nas_sim.lce.method import CurveError, LCEMethod, Prediction
from nas_sim.params import init_param_names
from nas_sim.testing import ContractError, run_checks
from nas_sim.testing._common import _check

MethodSpec = str | Callable[..., LCEMethod]

#: curves of the checks: ``N_TRAIN`` fully trained examples, ``E_FEW`` observed epochs, target
#: epoch ``TARGET``
N_TRAIN, E_FEW, TARGET = 24, 8, 20


def _make(method: MethodSpec, kwargs: Mapping[str, Any] | None) -> LCEMethod:
    kw = dict(kwargs or {})
    m = registry.create("lce", method, **kw) if isinstance(method, str) else method(**kw)
    if not isinstance(m, LCEMethod):
        raise ContractError(f"the factory returned {m!r}, not an nas_sim.lce.LCEMethod")
    return m


def _curves(metric: str, n: int = N_TRAIN, seed: int = 0) -> tuple[NDArray[np.float64], ...]:
    """Saturating accuracies (or their losses), noisy: partial (n, E_FEW) and targets (n,)."""
    rng = np.random.default_rng(seed)
    epochs = np.arange(1, TARGET + 1)
    final = rng.uniform(0.6, 0.95, size=(n, 1))
    speed = rng.uniform(2.0, 8.0, size=(n, 1))
    acc = final * (1 - np.exp(-epochs / speed)) + rng.normal(0, 0.005, size=(n, TARGET))
    acc = np.clip(acc, 0.01, 0.99)
    full = acc if metric.endswith("accuracy") else -np.log(acc)
    return full[:, :E_FEW], full[:, TARGET - 1]


def _fit_predict(
    m: LCEMethod, metric: str = "val_accuracy", n_predict: int = 5, seed: int = 0
) -> Prediction:
    partial, targets = _curves(metric)
    out = m.fit(
        partial, targets, target_epoch=TARGET, metric=metric, rng=np.random.default_rng(seed)
    )
    if out is not m:
        raise ContractError(f"fit() must return the method itself, got {out!r}")
    pred = m.predict(
        _curves(metric, n_predict, seed=1)[0],
        TARGET,
        metric=metric,
        rng=np.random.default_rng(seed),
    )
    if not isinstance(pred, Prediction):
        raise ContractError(f"predict() must return a Prediction, got {type(pred).__name__}")
    return pred


def _expect_curve_error(what: str, call: Callable[[], object]) -> None:
    try:
        call()
    except CurveError:
        return
    except Exception as exc:
        raise ContractError(f"{what} raised {type(exc).__name__} ({exc}), not CurveError") from exc
    raise ContractError(f"{what} did not raise CurveError")


# --------------------------------------------------------------------------- the checks
@_check
def check_prediction_shapes_and_sign(
    method: MethodSpec, *, kwargs: Mapping[str, Any] | None = None
) -> None:
    """mean and std of shape (n,), finite, std >= 0; samples (n, s) and fallback (n,) if given."""
    n = 5
    pred = _fit_predict(_make(method, kwargs), n_predict=n)
    for field in ("mean", "std"):
        v = np.asarray(getattr(pred, field))
        if v.shape != (n,) or not np.isfinite(v).all():
            raise ContractError(f"Prediction.{field} must be finite of shape ({n},), got {v}")
    if (np.asarray(pred.std) < 0).any():
        raise ContractError(f"Prediction.std must be >= 0, got {pred.std}")
    if pred.samples is not None:
        s = np.asarray(pred.samples)
        if s.ndim != 2 or s.shape[0] != n or not np.isfinite(s).all():
            raise ContractError(
                f"Prediction.samples must be finite of shape ({n}, s), got {s.shape}"
            )
    if pred.fallback is not None and np.asarray(pred.fallback).shape != (n,):
        raise ContractError(f"Prediction.fallback must have shape ({n},)")
    if len(pred) != n:
        raise ContractError(f"len(Prediction) is {len(pred)} for {n} curves")


@_check
def check_fit_predict_lifecycle(
    method: MethodSpec, *, kwargs: Mapping[str, Any] | None = None
) -> None:
    """A method that needs training data refuses to predict before ``fit`` (CurveError); after
    ``fit`` (which returns the method) it predicts, and refitting on more data works."""
    m = _make(method, kwargs)
    if m.needs_training_data:
        _expect_curve_error(
            "predict() before fit()",
            lambda: m.predict(_curves("val_accuracy", 3)[0], TARGET, metric="val_accuracy"),
        )
        if N_TRAIN < m.min_train_size:
            raise ContractError(f"min_train_size {m.min_train_size} > {N_TRAIN} examples")
    _fit_predict(m)
    partial, targets = _curves("val_accuracy", N_TRAIN + 6, seed=2)
    m.fit(
        partial, targets, target_epoch=TARGET, metric="val_accuracy", rng=np.random.default_rng(3)
    )
    m.predict(partial[:2], TARGET, metric="val_accuracy", rng=np.random.default_rng(3))


@_check
def check_losses_and_accuracies(
    method: MethodSpec, *, kwargs: Mapping[str, Any] | None = None
) -> None:
    """Loss curves (lower is better) work as well as accuracies; an accuracy outside [0, 1] and a
    negative loss are CurveErrors."""
    pred = _fit_predict(_make(method, kwargs), metric="val_loss")
    if not np.isfinite(pred.mean).all():
        raise ContractError(f"predictions on loss curves are not finite: {pred.mean}")
    m = _fit_predict_ready(method, kwargs)
    partial = _curves("val_accuracy", 2)[0]
    _expect_curve_error(
        "predict() on accuracies > 1",
        lambda: m.predict(partial * 10, TARGET, metric="val_accuracy"),
    )
    _expect_curve_error(
        "predict() on negative losses",
        lambda: m.predict(-partial, TARGET, metric="val_loss"),
    )


def _fit_predict_ready(method: MethodSpec, kwargs: Mapping[str, Any] | None) -> LCEMethod:
    m = _make(method, kwargs)
    _fit_predict(m)
    return m


@_check
def check_rejects_nan_and_short_curves(
    method: MethodSpec, *, kwargs: Mapping[str, Any] | None = None
) -> None:
    """A NaN in a partial curve, or fewer than ``min_epochs`` epochs, is a CurveError in
    ``predict``, and a NaN is one in ``fit`` for methods that learn from training data."""
    m = _fit_predict_ready(method, kwargs)
    partial, targets = _curves("val_accuracy", 4)
    bad = partial.copy()
    bad[1, 3] = np.nan
    _expect_curve_error("predict() on a NaN curve", lambda: m.predict(bad, TARGET))
    _expect_curve_error(
        f"predict() on {m.min_epochs - 1}-epoch curves (min_epochs={m.min_epochs})",
        lambda: m.predict(partial[:, : m.min_epochs - 1], TARGET),
    )
    fresh = _make(method, kwargs)
    if not fresh.needs_training_data:
        return  # fit() may ignore its data (the default does)
    full, y = _curves("val_accuracy")
    full = full.copy()
    full[0, 2] = np.nan
    _expect_curve_error("fit() on a NaN curve", lambda: fresh.fit(full, y, target_epoch=TARGET))


@_check
def check_same_rng_same_prediction(
    method: MethodSpec, *, kwargs: Mapping[str, Any] | None = None
) -> None:
    """Two fresh instances fitted and asked with generators of the same seed agree exactly."""
    a = _fit_predict(_make(method, kwargs), seed=11)
    b = _fit_predict(_make(method, kwargs), seed=11)
    for field in ("mean", "std", "samples", "fallback"):
        x, y = getattr(a, field), getattr(b, field)
        if (x is None) != (y is None) or (x is not None and not np.array_equal(x, y)):
            raise ContractError(f"same rng seed, different Prediction.{field}")


@_check
def check_hyperparameters_are_the_constructor_arguments(
    method: MethodSpec, *, kwargs: Mapping[str, Any] | None = None
) -> None:
    """``hyperparameters()`` is JSON-able and holds every constructor argument, with the value
    given (or the default), and nothing that is not one."""
    m = _make(method, kwargs)
    h = m.hyperparameters()
    try:
        text = json.dumps(h, sort_keys=True)
    except TypeError as exc:
        raise ContractError(f"hyperparameters() is not JSON-able: {exc}") from exc
    cls = type(m)
    params = init_param_names(cls)
    extra = sorted(k for k in h if k not in params and "." not in k and k != "method")
    if extra:
        raise ContractError(
            f"hyperparameters() reports {extra}, which are not arguments of {cls.__name__}"
        )
    sig = inspect.signature(cls.__init__).parameters
    for name in params:
        p = sig.get(name)
        if p is None:
            continue  # a base class's argument the subclass sets itself
        given = dict(kwargs or {}).get(name, p.default)
        if given is inspect.Parameter.empty or not _json_able(given):
            continue
        if name not in h:
            raise ContractError(f"hyperparameters() lacks the constructor argument {name!r}")
        if json.loads(json.dumps(h[name])) != json.loads(json.dumps(given)):
            raise ContractError(
                f"hyperparameters()[{name!r}] = {h[name]!r}, constructed with {given!r}"
            )
    if json.loads(text) != json.loads(
        json.dumps(_make(method, kwargs).hyperparameters(), sort_keys=True)
    ):
        raise ContractError("two instances built alike report different hyperparameters")


def _json_able(value: object) -> bool:
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


LCE_METHOD_CHECKS: tuple[Callable[..., None], ...] = (
    check_prediction_shapes_and_sign,
    check_fit_predict_lifecycle,
    check_losses_and_accuracies,
    check_rejects_nan_and_short_curves,
    check_same_rng_same_prediction,
    check_hyperparameters_are_the_constructor_arguments,
)


def check_lce_method(
    method: MethodSpec,
    *,
    kwargs: Mapping[str, Any] | None = None,
    checks: Sequence[Callable[..., None]] = LCE_METHOD_CHECKS,
) -> list[str]:
    """Run the LCE method checks; raise :class:`ContractError` listing every failure.

    method : a registered name, or an LCEMethod class / factory called with ``kwargs``.
    Returns the skipped checks with the reason.
    """
    return run_checks(method, tuple(checks), method, kwargs=kwargs)
