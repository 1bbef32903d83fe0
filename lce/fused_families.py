"""Domhan's curve families evaluated together: one pass over all families, walkers and epochs.

WPM's sampler calls the log-posterior 5,000 times per curve, each time for every walker of every
curve in a batch. Evaluating the 11 families one by one costs ~110 small-array operations per
call, so with one curve (50 walkers × 11 epochs) the time goes to numpy's per-operation overhead,
not to arithmetic. Every family fits one of five shapes, ``f(x) = alpha + beta * T(x)`` with

=============  ==========================================  =====================================
kind           ``T(x)``                                    families
=============  ==========================================  =====================================
``exp``        ``exp(l(x))``                               vapor_pressure, pow3, ilog2
``recip``      ``1 / (1 + exp(l(x)))``                     log_power, mmf, hill3
``exp_exp``    ``exp(P + Q * exp(l(x)))``                  exp4, janoschek, weibull
``exp_log``    ``exp(P + Q * log(l(x)))``                  pow4
``log``        ``log(l(x))``                               log_log_linear
=============  ==========================================  =====================================

where ``l(x) = A + B log x + C / x + X x + G g(x)`` is linear in a fixed basis of the epochs
(``g = -log log(x + 1)``, so that ilog2's ``1 / log(x + 1)`` is ``exp(g)``). Every coefficient
(``A … G``, ``alpha``, ``beta``, ``P``, ``Q``) is a parameter, a constant, or a product of two of
them (``-c * b``, ``delta * log kappa``), so all of them come out of one gather from the parameter
vector, and all families' curves out of one small matrix product (coefficients × basis) followed
by a handful of elementwise operations on one ``(..., families, epochs)`` array: ~40 operations
per log-posterior call whatever the number of families. The prior's linear constraints are one
matrix too (:func:`constraint_matrix`).

This saves numpy's per-operation overhead, not arithmetic: the fused arrays are 11× larger, so
for batches of many curves (temporaries out of cache) the family-by-family form is faster, and
WPM uses this one only for small batches (``nas_sim.lce.wpm.FUSED_MAX_WALKERS``).

The formulas are the families' own (:mod:`lce.curve_families`) rearranged, so the values agree to
rounding (``tests/lce/test_fused_families.py`` checks every family against its ``f``); the sampler
built on them therefore draws from the same posterior, but not bit-for-bit the same chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nas_sim.lce.curve_families import CurveFamily, array_module

Array = NDArray[np.float64]
#: the order of the families' rows; within a kind, the order of the layout
KINDS = ("exp", "recip", "exp_exp", "exp_log", "log")
#: the basis of ``l(x)``: 1, log x, 1/x, x, -log log(x + 1)
BASIS = ("A", "B", "C", "X", "G")

#: an affine form of the parameters: ``{name: coefficient}``, ``1`` keys the constant, and a name
#: ``"log:kappa"`` is the log of parameter kappa
Affine = dict[object, float]
#: a coefficient: an affine form, or the product of two
Coef = Affine | tuple[Affine, Affine]


#: a linear prior constraint ``form . theta + target * target_form . theta >= 0`` (``> 0`` when
#: strict): the families' :attr:`~nas_sim.lce.curve_families.CurveFamily.constraint`
Constraint = tuple[Affine, Affine, bool]


@dataclass(frozen=True)
class Shape:
    """One family as ``alpha + beta * T(x)``: its kind and the coefficients it uses (others 0),
    and its constraints beyond the box bounds."""

    kind: str
    alpha: Coef
    beta: Coef
    lin: dict[str, Coef]
    outer_p: Coef | None = None
    outer_q: Coef | None = None
    constraints: tuple[Constraint, ...] = ()


def _v(name: str, c: float = 1.0) -> Affine:
    return {name: c}


_ONE: Affine = {1: 1.0}
_ZERO: Affine = {}
#: upper asymptote above the start (mmf, weibull)
_ORDERED_01: tuple[Constraint, ...] = (({"alpha": 1.0, "beta": -1.0}, {}, False),)

#: the 11 families rearranged (see each family's formula in :mod:`lce.curve_families`)
SHAPES: dict[str, Shape] = {
    # exp(a + b/x + c log x)
    # increasing on [1, target]: c - b >= 0 and c * target - b >= 0
    "vapor_pressure": Shape(
        "exp",
        _ZERO,
        _ONE,
        {"A": _v("a"), "B": _v("c"), "C": _v("b")},
        constraints=(({"c": 1.0, "b": -1.0}, {}, False), (_v("b", -1.0), _v("c"), False)),
    ),
    # c - a exp(-alpha log x)
    "pow3": Shape("exp", _v("c"), _v("a", -1.0), {"B": _v("alpha", -1.0)}),
    # c - a / log(x + 1)
    "ilog2": Shape("exp", _v("c"), _v("a", -1.0), {"G": _ONE}),
    # a / (1 + exp(c (log x - b)))
    "log_power": Shape("recip", _ZERO, _v("a"), {"A": (_v("c", -1.0), _v("b")), "B": _v("c")}),
    # alpha - (alpha - beta) / (1 + exp(delta (log kappa + log x)))
    "mmf": Shape(
        "recip",
        _v("alpha"),
        {"beta": 1.0, "alpha": -1.0},
        {"A": (_v("delta"), _v("log:kappa")), "B": _v("delta")},
        constraints=_ORDERED_01,
    ),
    # theta / (1 + exp(eta (log kappa - log x)))
    "hill3": Shape(
        "recip", _ZERO, _v("theta"), {"A": (_v("eta"), _v("log:kappa")), "B": _v("eta", -1.0)}
    ),
    # c - exp(b - a exp(alpha log x))
    "exp4": Shape(
        "exp_exp", _v("c"), {1: -1.0}, {"B": _v("alpha")}, outer_p=_v("b"), outer_q=_v("a", -1.0)
    ),
    # a - (a - beta) exp(-k exp(delta log x))
    "janoschek": Shape(
        "exp_exp",
        _v("a"),
        {"beta": 1.0, "a": -1.0},
        {"B": _v("delta")},
        outer_p=_ZERO,
        outer_q=_v("k", -1.0),
        constraints=(({"a": 1.0, "beta": -1.0}, {}, False),),
    ),
    # alpha - (alpha - beta) exp(-exp(delta (log kappa + log x)))
    "weibull": Shape(
        "exp_exp",
        _v("alpha"),
        {"beta": 1.0, "alpha": -1.0},
        {"A": (_v("delta"), _v("log:kappa")), "B": _v("delta")},
        outer_p=_ZERO,
        outer_q={1: -1.0},
        constraints=_ORDERED_01,
    ),
    # c - exp(-alpha log(a x + b))
    "pow4": Shape(
        "exp_log",
        _v("c"),
        {1: -1.0},
        {"A": _v("b"), "X": _v("a")},
        outer_p=_ZERO,
        outer_q=_v("alpha", -1.0),
        constraints=(({"a": 1.0, "b": 1.0}, {}, True),),  # a x + b > 0 on x >= 1
    ),
    # log(a log x + b)
    "log_log_linear": Shape("log", _ZERO, _ONE, {"A": _v("b"), "B": _v("a")}),
}


@dataclass(frozen=True)
class FusedLayout:
    """Where each family sits in the fused evaluation (built once per WPM instance).

    order : the families' indices in the layout, in fused order (by kind).
    counts : families per kind, in :data:`KINDS` order.
    kappa : parameter-vector indices whose log enters a coefficient.
    index, scale (3, C), const (2, C) : coefficient ``j`` is
        ``(s0 f[i0] + s1 f[i1] + c0) * (s2 f[i2] + c1)`` with ``f = [theta, log theta[kappa]]``
        (a gather, not a matrix product: the map is sparse); columns are ``lin`` (families ×
        basis), then ``alpha``, ``beta``, ``w`` (families), then ``P``, ``Q`` (outer families).
    """

    order: tuple[int, ...]
    counts: tuple[int, ...]
    kappa: NDArray[np.int64]
    index: NDArray[np.int64]
    scale: Array
    const: Array


def fuse(families: tuple[CurveFamily, ...], offsets: tuple[int, ...]) -> FusedLayout:
    """The fused layout of WPM's parameter vector: family parameters at ``offsets``, then one
    weight per family, then sigma."""
    n_f = len(families)
    order = tuple(
        i for kind in KINDS for i, fam in enumerate(families) if SHAPES[fam.name].kind == kind
    )
    counts = tuple(sum(SHAPES[f.name].kind == kind for f in families) for kind in KINDS)
    d = offsets[-1] + n_f + 1
    kappa = [
        offsets[i] + f.params.index("kappa") for i, f in enumerate(families) if "kappa" in f.params
    ]
    n_lin = n_f * len(BASIS)
    n_outer = counts[2] + counts[3]
    n_coef = n_lin + 3 * n_f + 2 * n_outer
    # unused terms read feature 0 (a parameter: finite) with scale 0
    index = np.zeros((3, n_coef), dtype=np.int64)
    scale = np.zeros((3, n_coef))
    const = np.zeros((2, n_coef))
    const[1] = 1.0  # a plain (affine) coefficient is its form times 1

    def feature(i: int, name: str) -> int:
        j = offsets[i] + families[i].params.index(name.removeprefix("log:"))
        return d + kappa.index(j) if name.startswith("log:") else j

    def put(col: int, coef: Coef | None, i: int) -> None:
        if coef is None:
            return
        forms = coef if isinstance(coef, tuple) else (coef,)
        slots = ((0, 1), (2,))
        for side, form in enumerate(forms):
            const[side, col] = float(form.get(1, 0.0))
            terms = [(feature(i, str(k)), v) for k, v in form.items() if k != 1]
            if len(terms) > len(slots[side]):
                raise ValueError(f"{families[i].name}: coefficient {coef} has too many terms")
            for slot, (j, v) in zip(slots[side], terms):
                index[slot, col], scale[slot, col] = j, v

    n_prev_outer = counts[0] + counts[1]
    for pos, i in enumerate(order):
        shape = SHAPES[families[i].name]
        for b, name in enumerate(BASIS):
            put(pos * len(BASIS) + b, shape.lin.get(name), i)
        put(n_lin + pos, shape.alpha, i)
        put(n_lin + n_f + pos, shape.beta, i)
        index[0, n_lin + 2 * n_f + pos], scale[0, n_lin + 2 * n_f + pos] = offsets[-1] + i, 1.0
        if shape.outer_p is not None:
            k = pos - n_prev_outer
            put(n_lin + 3 * n_f + k, shape.outer_p, i)
            put(n_lin + 3 * n_f + n_outer + k, shape.outer_q, i)
    return FusedLayout(order, counts, np.asarray(kappa, dtype=np.int64), index, scale, const)


def basis(x: Array) -> Array:
    """The basis of ``l(x)`` at epochs ``x`` (E,): shape (5, E), rows in :data:`BASIS` order."""
    with np.errstate(divide="ignore"):
        return np.stack([np.ones_like(x), np.log(x), 1.0 / x, x, -np.log(np.log(x + 1.0))])


def constraint_matrix(
    families: tuple[CurveFamily, ...], offsets: tuple[int, ...], n_dim: int, target: float
) -> tuple[Array, NDArray[np.bool_], NDArray[np.int64]]:
    """The families' constraints as ``theta @ m`` (D, C) compared with 0: ``m``, ``strict`` (C,)
    (``> 0`` rather than ``>= 0``) and the index of the family each belongs to (C,)."""
    cols, strict, owner = [], [], []
    for i, fam in enumerate(families):
        for form, target_form, is_strict in SHAPES[fam.name].constraints:
            col = np.zeros(n_dim)
            for mult, f in ((1.0, form), (float(target), target_form)):
                for name, value in f.items():
                    col[offsets[i] + fam.params.index(str(name))] += mult * value
            cols.append(col)
            strict.append(is_strict)
            owner.append(i)
    m = np.stack(cols, axis=1) if cols else np.zeros((n_dim, 0))
    return m, np.asarray(strict, dtype=bool), np.asarray(owner, dtype=np.int64)


def _exp(z: Array) -> Array:
    """exp; float64 numpy arguments clipped at ±60 (see :func:`lce.curve_families._exp`: the
    slow path of underflowing results; values change by < 1e-26, overflowing curves stay far
    outside any likelihood's reach)."""
    xp = array_module(z)
    if xp is np and z.dtype == np.float64:
        return np.exp(np.minimum(np.maximum(z, -60.0), 60.0))
    return xp.exp(z)


def fused_curves(
    theta: Array,
    index: NDArray[np.int64],
    scale: Array,
    const: Array,
    kappa: NDArray[np.int64],
    basis_x: Array,
    counts: tuple[int, ...],
) -> tuple[Array, Array, Array, Array]:
    """``T (..., F, E)``, ``alpha``, ``beta`` and the weights ``w`` (..., F) of every family (in
    fused order) for walkers ``theta (..., D)``: the curves are ``alpha + beta * T``. Written once
    for numpy and torch (``basis_x`` is :func:`basis` of the epochs; the rest is
    :class:`FusedLayout`; ``counts`` its static per-kind counts)."""
    xp = array_module(theta)
    n_f = sum(counts)
    n0, n1, n2, n3, _ = counts
    n_b = len(BASIS)
    n_lin = n_f * n_b
    n_out = n2 + n3
    batch = theta.shape[:-1]
    n_feat = theta.shape[-1] + kappa.shape[0]
    feat = xp.concatenate([theta, xp.log(theta[..., kappa])], -1).reshape(-1, n_feat)
    g = feat[:, index.reshape(-1)].reshape(-1, 3, index.shape[-1]) * scale
    coef = (g[:, 0] + g[:, 1] + const[0]) * (g[:, 2] + const[1])  # (N, coefficients)
    lin = (coef[:, :n_lin].reshape(-1, n_b) @ basis_x).reshape(*batch, n_f, basis_x.shape[-1])
    n_e = n0 + n1 + n2
    ex = _exp(lin[..., :n_e, :])
    lg = xp.log(lin[..., n_e:, :].clip(min=1e-30))
    p = coef[:, n_lin + 3 * n_f : n_lin + 3 * n_f + n_out].reshape(*batch, n_out, 1)
    q = coef[:, n_lin + 3 * n_f + n_out :].reshape(*batch, n_out, 1)
    inner = xp.concatenate([ex[..., n0 + n1 :, :], lg[..., :n3, :]], -2)
    t = xp.concatenate(
        [
            ex[..., :n0, :],
            1.0 / (1.0 + ex[..., n0 : n0 + n1, :]),
            _exp(p + q * inner),
            lg[..., n3:, :],
        ],
        -2,
    )
    abw = coef[:, n_lin : n_lin + 3 * n_f].reshape(*batch, 3, n_f)
    return t, abw[..., 0, :], abw[..., 1, :], abw[..., 2, :]
