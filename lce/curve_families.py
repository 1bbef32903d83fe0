"""The 11 parametric learning-curve families of Domhan et al. (2015), batched, and their fits.

Every family maps epochs ``x`` (1-based) to a curve value on the *unit scale* (accuracy-like:
increasing, final value in [0, 1]; see :func:`to_unit_scale`). Parameters come as arrays of shape
``(..., n_params)`` and the result has shape ``(..., len(x))``, so one call evaluates a family for
every walker of every curve.

Constraints. Domhan's prior asks for increasing curves; he checked it on a grid. Here each family is
increasing in ``x`` *by construction* under sign constraints on its parameters (box bounds plus, for
four families, one linear inequality in :attr:`CurveFamily.constraint`), which makes the check exact
and free. The bounds also keep every expression finite. Defaults are Domhan's
(``pylearningcurvepredictor``'s ``model_defaults``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.learning_curve import higher_is_better

Array = NDArray[np.float64]


def _p(theta: Array, i: int) -> Array:
    return theta[..., i, None]


def array_module(a: Array):  # type: ignore[no-untyped-def]
    """numpy for arrays, torch for tensors: the same formulas run in the numpy and torch samplers
    (torch is only looked up when a tensor arrives, so the numpy path never imports it)."""
    return sys.modules["torch"] if type(a).__module__ == "torch" else np


def _log(z: Array) -> Array:
    return array_module(z).log(z)


def _raw_exp(z: Array) -> Array:
    return array_module(z).exp(z)


def _exp(z: Array) -> Array:
    """exp where the argument can be large in magnitude."""
    if array_module(z) is not np or z.dtype == np.float32:
        # float32 exp has no slow path (under/overflow give 0/inf: the correct limits)
        return _raw_exp(z)
    # float64 exp is 10–50× slower on underflow and denormal results; clipping at ±60 changes
    # results by < 1e-26 and avoids that path
    return np.exp(np.minimum(np.maximum(z, -60.0), 60.0))


@dataclass(frozen=True)
class CurveFamily:
    """One parametric family ``f(x; theta)``.

    f : ``f(theta (..., p), x (E,), log_x (E,)) -> (..., E)``.
    constraint : optional ``c(theta (..., p), target_epoch) -> bool (...)``, the inequalities that
        make the family increasing on ``[1, target_epoch]`` beyond the box bounds.
    data_start : ``s(y_first (K,), y_last (K,), n_epochs) -> theta (K, p)``, a start for the
        least-squares fit adapted to the observed curve (used beside Domhan's default start).
    """

    name: str
    params: tuple[str, ...]
    default: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    f: Callable[[Array, Array, Array], Array]
    data_start: Callable[[Array, Array, int], Array]
    #: target is a float, or a 0-d array / tensor inside the vectorised log-posterior
    constraint: Callable[[Array, Any], NDArray[np.bool_]] | None = None

    @property
    def n_params(self) -> int:
        return len(self.params)

    def __call__(self, theta: Array, x: Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self.f(theta, x, np.log(x))

    def feasible(self, theta: Array, target_epoch: float) -> NDArray[np.bool_]:
        lo, hi = np.asarray(self.lower), np.asarray(self.upper)
        ok = np.all((theta >= lo) & (theta <= hi), axis=-1)
        if self.constraint is not None:
            ok &= self.constraint(theta, target_epoch)
        return np.asarray(ok)


def _stack(*cols: Array | float) -> Array:
    return np.stack(np.broadcast_arrays(*cols), axis=-1).astype(np.float64)


def _vapor_pressure(t: Array, x: Array, lx: Array) -> Array:
    return _raw_exp(_p(t, 0) + _p(t, 1) / x + _p(t, 2) * lx)


def _vap_start(y0: Array, y1: Array, e: int) -> Array:
    l0, l1 = np.log(np.maximum(y0, 1e-3)), np.log(np.maximum(y1, 1e-3))
    b = np.minimum(l0 - l1, 0.0) * e / max(e - 1, 1)
    return _stack(l1 - b / e, b, np.zeros_like(y0))


def _pow3(t: Array, x: Array, lx: Array) -> Array:
    return _p(t, 0) - _p(t, 1) * _raw_exp(-_p(t, 2) * lx)


def _pow3_start(y0: Array, y1: Array, e: int) -> Array:
    return _stack(y1 + 0.05 * (y1 - y0), np.maximum(y1 - y0, 1e-3), 1.0)


def _log_log_linear(t: Array, x: Array, lx: Array) -> Array:
    return _log(_p(t, 0) * lx + _p(t, 1))


def _lll_start(y0: Array, y1: Array, e: int) -> Array:
    b = np.exp(y0)
    return _stack(np.maximum(np.exp(y1) - b, 1e-3) / np.log(max(e, 2)), b)


def _log_power(t: Array, x: Array, lx: Array) -> Array:
    return _p(t, 0) / (1.0 + _exp(_p(t, 2) * (lx - _p(t, 1))))


def _log_power_start(y0: Array, y1: Array, e: int) -> Array:
    return _stack(np.maximum(1.1 * y1, 1e-3), np.log(max(e, 2)) / 2, -1.0)


def _pow4(t: Array, x: Array, lx: Array) -> Array:
    base = (_p(t, 1) * x + _p(t, 2)).clip(min=1e-30)
    return _p(t, 0) - _raw_exp(-_p(t, 3) * _log(base))


def _pow4_start(y0: Array, y1: Array, e: int) -> Array:
    c = np.maximum((e * y1 - y0) / max(e - 1, 1), y0 + 1e-3)
    return _stack(c, 1.0 / np.maximum(c - y0, 1e-3), 0.0, 1.0)


def _pow4_constraint(t: Array, target: float) -> NDArray[np.bool_]:
    return t[..., 1] + t[..., 2] > 0  # a*x + b > 0 on x >= 1 (a >= 0)


def _mmf(t: Array, x: Array, lx: Array) -> Array:
    grow = _exp(_p(t, 3) * (_log(_p(t, 2)) + lx))
    return _p(t, 0) - (_p(t, 0) - _p(t, 1)) / (1.0 + grow)


def _mmf_start(y0: Array, y1: Array, e: int) -> Array:
    r = np.maximum(y1 - y0, 1e-3)
    return _stack(y1 + 0.1 * r, y0 - r, 1.0 / max(e / 2, 1), 1.0)


def _ordered_01(t: Array, target: float) -> NDArray[np.bool_]:
    return t[..., 0] >= t[..., 1]  # upper asymptote above the start


def _exp4(t: Array, x: Array, lx: Array) -> Array:
    return _p(t, 0) - _exp(_p(t, 2) - _p(t, 1) * _raw_exp(_p(t, 3) * lx))


def _exp4_start(y0: Array, y1: Array, e: int) -> Array:
    r = np.maximum(y1 - y0, 1e-3)
    c = y1 + 0.05 * r
    a = 3.0 / max(e, 1)
    return _stack(c, a, np.log(np.maximum(c - y0, 1e-3)) + a, 1.0)


def _janoschek(t: Array, x: Array, lx: Array) -> Array:
    return _p(t, 0) - (_p(t, 0) - _p(t, 1)) * _exp(-_p(t, 2) * _raw_exp(_p(t, 3) * lx))


def _janoschek_start(y0: Array, y1: Array, e: int) -> Array:
    r = np.maximum(y1 - y0, 1e-3)
    return _stack(y1 + 0.05 * r, y0 - r, 0.5, 0.5)


def _weibull(t: Array, x: Array, lx: Array) -> Array:
    grow = _raw_exp(_p(t, 3) * (_log(_p(t, 2)) + lx))
    return _p(t, 0) - (_p(t, 0) - _p(t, 1)) * _exp(-grow)


def _weibull_start(y0: Array, y1: Array, e: int) -> Array:
    r = np.maximum(y1 - y0, 1e-3)
    return _stack(y1 + 0.05 * r, y0 - r, 1.0 / max(e / 2, 1), 1.0)


def _ilog2(t: Array, x: Array, lx: Array) -> Array:
    return _p(t, 0) - _p(t, 1) / _log(x + 1.0)


def _ilog2_start(y0: Array, y1: Array, e: int) -> Array:
    g0, g1 = 1 / np.log(2.0), 1 / np.log(e + 1.0)
    a = np.maximum((y1 - y0) / max(g0 - g1, 1e-9), 0.0)
    return _stack(y1 + a * g1, a)


def _hill3(t: Array, x: Array, lx: Array) -> Array:
    return _p(t, 0) / (1.0 + _exp(_p(t, 1) * (_log(_p(t, 2)) - lx)))


def _hill3_start(y0: Array, y1: Array, e: int) -> Array:
    return _stack(np.maximum(1.1 * y1, 1e-3), 1.0, 1.0)


def _vap_constraint(t: Array, target: float) -> NDArray[np.bool_]:
    # d/dx (a + b/x + c log x) = (c x - b) / x², linear in x: check both ends of [1, target]
    b, c = t[..., 1], t[..., 2]
    return (c - b >= 0) & (c * target - b >= 0)


#: The families in Domhan's order (``pylearningcurvepredictor``'s ``curve_combination_models``).
FAMILIES: tuple[CurveFamily, ...] = (
    CurveFamily(
        "vapor_pressure",
        ("a", "b", "c"),
        (-0.622028, -0.470050, 0.042322),
        (-20.0, -20.0, -5.0),
        (5.0, 20.0, 5.0),
        _vapor_pressure,
        _vap_start,
        _vap_constraint,
    ),
    CurveFamily(
        "pow3",
        ("c", "a", "alpha"),
        (0.84, 0.52, 0.01),
        (-10.0, 0.0, 0.0),
        (10.0, 100.0, 10.0),
        _pow3,
        _pow3_start,
    ),
    CurveFamily(
        "log_log_linear",
        ("a", "b"),
        (0.378106, 1.0),
        (0.0, 1e-6),
        (10.0, 10.0),
        _log_log_linear,
        _lll_start,
    ),
    CurveFamily(
        "log_power",
        ("a", "b", "c"),
        (0.77, 2.98, -0.51),
        (0.0, -10.0, -10.0),
        (10.0, 10.0, 0.0),
        _log_power,
        _log_power_start,
    ),
    CurveFamily(
        "pow4",
        ("c", "a", "b", "alpha"),
        (0.8, 200.0, 0.0, 0.1),
        (-10.0, 0.0, -100.0, 0.0),
        (10.0, 1000.0, 100.0, 10.0),
        _pow4,
        _pow4_start,
        _pow4_constraint,
    ),
    CurveFamily(
        "mmf",
        ("alpha", "beta", "kappa", "delta"),
        (0.7, 0.1, 0.01, 5.0),
        (-10.0, -10.0, 1e-8, 0.0),
        (10.0, 10.0, 100.0, 20.0),
        _mmf,
        _mmf_start,
        _ordered_01,
    ),
    CurveFamily(
        "exp4",
        ("c", "a", "b", "alpha"),
        (0.7, 0.8, -0.8, 0.3),
        (-10.0, 0.0, -20.0, 0.0),
        (10.0, 100.0, 20.0, 10.0),
        _exp4,
        _exp4_start,
    ),
    CurveFamily(
        "janoschek",
        ("a", "beta", "k", "delta"),
        (0.73, 0.07, 0.355, 0.46),
        (-10.0, -10.0, 0.0, 0.0),
        (10.0, 10.0, 100.0, 10.0),
        _janoschek,
        _janoschek_start,
        _ordered_01,
    ),
    CurveFamily(
        "weibull",
        ("alpha", "beta", "kappa", "delta"),
        (0.7, 0.1, 0.01, 1.0),
        (-10.0, -10.0, 1e-8, 0.0),
        (10.0, 10.0, 100.0, 20.0),
        _weibull,
        _weibull_start,
        _ordered_01,
    ),
    CurveFamily(
        "ilog2", ("c", "a"), (0.78, 0.43), (-10.0, 0.0), (10.0, 100.0), _ilog2, _ilog2_start
    ),
    CurveFamily(
        "hill3",
        ("theta", "eta", "kappa"),
        (0.772320, 0.586449, 2.460843),
        (0.0, 0.0, 1e-8),
        (10.0, 20.0, 1000.0),
        _hill3,
        _hill3_start,
    ),
)

FAMILY_NAMES: tuple[str, ...] = tuple(f.name for f in FAMILIES)


def family(name: str) -> CurveFamily:
    for fam in FAMILIES:
        if fam.name == name:
            return fam
    raise ValueError(f"unknown curve family {name!r}; choose from: {', '.join(FAMILY_NAMES)}")


# ----------------------------------------------------------------------------- unit scale
def to_unit_scale(curves: Array, metric: str) -> tuple[Array, Array]:
    """Map curves (n, E) to the accuracy-like unit scale the families model.

    Accuracies are used as they are. A lower-is-better metric ``L`` (a loss, >= 0) becomes
    ``u = 1 - L / L_ref`` with ``L_ref`` = the largest observed value of the curve: ``u`` increases
    as the loss falls, ``u = 1`` is a perfect (zero) loss and ``u = 0`` the worst observed loss, so
    "final value in [0, 1]" reads "the final loss is between 0 and the worst loss seen so far".
    Returns ``(u, scale)``: ``scale`` (n,) is ``L_ref`` (0 for accuracies); invert with
    :func:`from_unit_scale`.
    """
    if higher_is_better(metric):
        return curves, np.zeros(len(curves))
    ref = np.maximum(curves.max(axis=1), 1e-12)
    return 1.0 - curves / ref[:, None], ref


def from_unit_scale(u: Array, scale: Array, metric: str) -> Array:
    """Inverse of :func:`to_unit_scale` for values of shape (n,) or (n, s)."""
    if higher_is_better(metric):
        return u
    s = scale if u.ndim == 1 else scale[:, None]
    return s * (1.0 - u)


def unit_scale_factor(scale: Array, metric: str) -> Array:
    """|d metric / d u| per curve: converts standard deviations back from the unit scale."""
    return np.ones_like(scale) if higher_is_better(metric) else scale


# ------------------------------------------------------------------------- least squares
def fit_family(
    fam: CurveFamily,
    y: Array,
    target_epoch: float,
    *,
    n_iter: int = 40,
) -> tuple[Array, Array]:
    """Batched Levenberg–Marquardt least-squares fit of one family to curves ``y`` (K, E).

    Starts from Domhan's default and from :attr:`CurveFamily.data_start`; steps are projected into
    the bounds and rejected when they leave the feasible set, so the result always satisfies the
    constraints (when a start did). Returns ``(theta (K, p), sse (K,))``; ``sse`` is ``inf`` where
    no feasible fit was found.
    """
    return fit_families([fam], y, target_epoch, n_iter=n_iter)[0]


def fit_families(
    fams: Sequence[CurveFamily],
    y: Array,
    target_epoch: float,
    *,
    n_iter: int = 40,
) -> list[tuple[Array, Array]]:
    """:func:`fit_family` for each of ``fams``, the same numbers, in fewer numpy calls.

    Families with the same number of parameters are fitted together: each Levenberg–Marquardt
    iteration evaluates each family once (its rows and their finite-difference neighbours in one
    call) and does the linear algebra of the whole group in one pass. Every row's arithmetic is
    that of a fit alone (elementwise operations, per-row sums, one small system solved per row),
    so grouping changes no number (``tests/lce/test_curve_families.py`` checks it).
    """
    groups: dict[int, list[int]] = {}
    for i, fam in enumerate(fams):
        groups.setdefault(fam.n_params, []).append(i)
    fitted: dict[int, tuple[Array, Array]] = {}
    for members in groups.values():
        fitted.update(zip(members, _fit_group([fams[i] for i in members], y, target_epoch, n_iter)))
    return [fitted[i] for i in range(len(fams))]


def _fit_group(
    fams: Sequence[CurveFamily], y: Array, target_epoch: float, n_iter: int
) -> list[tuple[Array, Array]]:
    k, e = y.shape
    p = fams[0].n_params
    n = 2 * k  # rows per family: each curve from Domhan's default and from the data start
    blocks = [slice(j * n, (j + 1) * n) for j in range(len(fams))]
    x = np.arange(1, e + 1, dtype=np.float64)
    lo = np.concatenate([np.broadcast_to(np.asarray(f.lower), (n, p)) for f in fams])
    hi = np.concatenate([np.broadcast_to(np.asarray(f.upper), (n, p)) for f in fams])
    starts = np.concatenate(
        [
            block
            for f in fams
            for block in (
                np.broadcast_to(np.asarray(f.default), (k, p)),
                f.data_start(y[:, 0], y[:, -1], e),
            )
        ]
    )
    theta = np.clip(starts, lo, hi)
    yy = np.tile(y, (2 * len(fams), 1))

    def sse_of(t: Array) -> Array:
        r = np.concatenate([f(t[b], x) for f, b in zip(fams, blocks)]) - yy
        s = np.einsum("ne,ne->n", r, r)
        ok = np.concatenate([f.feasible(t[b], target_epoch) for f, b in zip(fams, blocks)])
        return np.where(ok & np.isfinite(s), s, np.inf)

    sse = sse_of(theta)
    lam = np.full(len(theta), 1e-2)
    eye = np.eye(p)
    for _ in range(n_iter):
        h = 1e-6 * (1.0 + np.abs(theta))
        # each row and its p forward-difference neighbours, evaluated in one call per family
        probes = np.repeat(theta[None], p + 1, axis=0)
        for j in range(p):
            probes[j + 1, :, j] += h[:, j]
        f_all = np.empty((p + 1, len(theta), e))
        for f, b in zip(fams, blocks):
            f_all[:, b] = f(probes[:, b].reshape((p + 1) * n, p), x).reshape(p + 1, n, e)
        f0 = f_all[0]
        r = f0 - yy
        jac = np.empty((len(theta), e, p))
        for j in range(p):
            jac[:, :, j] = (f_all[j + 1] - f0) / h[:, j, None]
        jac = np.where(np.isfinite(jac), jac, 0.0)
        r = np.where(np.isfinite(r), r, 0.0)
        a = np.einsum("nej,nek->njk", jac, jac)
        g = np.einsum("nej,ne->nj", jac, r)
        diag = np.einsum("njj->nj", a)
        damp = a + (lam[:, None] * (diag + 1e-9))[:, :, None] * eye
        try:
            step = np.linalg.solve(damp, -g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            # as each family fitted alone: only a family with a singular system takes the
            # gradient step
            step = np.empty_like(g)
            for b in blocks:
                try:
                    step[b] = np.linalg.solve(damp[b], -g[b][:, :, None])[:, :, 0]
                except np.linalg.LinAlgError:
                    step[b] = -g[b] / (lam[b, None] * (diag[b] + 1e-9) + 1e-12)
        step = np.where(np.isfinite(step), step, 0.0)
        cand = np.clip(theta + step, lo, hi)
        cand_sse = sse_of(cand)
        better = cand_sse < sse
        theta = np.where(better[:, None], cand, theta)
        sse = np.where(better, cand_sse, sse)
        lam = np.clip(np.where(better, lam / 3.0, lam * 4.0), 1e-9, 1e9)
    out = []
    for b in blocks:
        th, ss = theta[b], sse[b]
        # keep the better of the two starts per curve
        pick = ss[:k] <= ss[k:]
        out.append((np.where(pick[:, None], th[:k], th[k:]), np.where(pick, ss[:k], ss[k:])))
    return out
