"""A deterministic per-epoch cost model fitted to measured training times.

Measured seconds vary with machine load, so simulated time uses a fit
``t_epoch ≈ a + b·FLOPs + c·params + d·ops`` over all measured runs instead (in the spirit of the
cost models of NAS-Bench-x11, Yan et al. 2021); the raw means stay in the set as run metadata.
``ops`` counts the cell ops actually built (live, non-``none`` edges × cells): for networks this
small a training step costs mostly per-op overhead, which FLOPs and parameters miss (pooling and
skip ops have neither). Coefficients are constrained to be non-negative (NNLS), so more work never
costs less time.

A generation that spans several machines (sittings on fresh machines, about 2× apart in speed)
is fitted with one multiplicative speed factor per machine, ``t ≈ s_machine · (a + b·FLOPs + …)``
(machine fixed effects): otherwise the machine, not the architecture, explains most of the
variance. The factors are scaled so that the median run's is 1, so the model's seconds are those
of a typical machine of the generation, and ``r2`` is then the share of the within-machine
variance that the architecture explains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class EpochTimeModel:
    """``epoch_time_s = intercept_s + s_per_flop·flops + s_per_param·params + s_per_op·ops``."""

    intercept_s: float
    s_per_flop: float
    s_per_param: float
    s_per_op: float
    r2: float
    n_runs: int
    #: speed factor per machine label (None: fitted as one machine)
    machine_factors: dict[str, float] | None = None
    #: R² of the measured seconds against factor × model (None: one machine)
    r2_with_machine_factors: float | None = None

    def predict(
        self, flops: NDArray[np.float64], params: NDArray[np.float64], ops: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        return (
            self.intercept_s
            + self.s_per_flop * flops
            + self.s_per_param * params
            + (self.s_per_op * ops)
        )


def machine_label_of(record: dict[str, Any], machine_of: dict[str, str]) -> str:
    """The machine a run record names, else the one ``machine_of`` gives its key (e.g. from the
    shard it was packed in), else a placeholder shared by all such runs."""
    return str(record.get("machine") or machine_of.get(record.get("key", "")) or "not recorded")


def _r2(y: NDArray[np.float64], pred: NDArray[np.float64]) -> float:
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / ss_tot if ss_tot > 0 else 1.0


def _nnls_fit(
    cols: list[NDArray[np.float64]], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coefficients (intercept first, in the columns' units) and predictions of the NNLS fit."""
    from scipy.optimize import nnls

    # scale the columns so the solver is well conditioned; undo the scaling on the coefficients
    scales = [max(float(c.max()), 1.0) for c in cols]
    design = np.column_stack([np.ones_like(y)] + [c / s for c, s in zip(cols, scales)])
    coef, _ = nnls(design, y)
    if coef[0] <= 0:
        # a zero intercept would give an empty cell zero cost; keep it strictly positive
        coef[0] = 0.5 * float(y.min())
    return coef / np.array([1.0, *scales]), design @ coef


def fit_epoch_time(
    flops: NDArray[np.float64],
    params: NDArray[np.float64],
    ops: NDArray[np.float64],
    measured_s: NDArray[np.float64],
    machines: Sequence[str] | None = None,
    iterations: int = 100,
) -> EpochTimeModel:
    """Non-negative least-squares fit of measured epoch seconds, all arrays of shape (n,).

    With ``machines`` (one label per run) and more than one distinct label, a speed factor per
    machine is fitted too, alternating the NNLS fit on factor-corrected seconds with each
    machine's median ratio of measured to predicted seconds.
    """
    cols = [np.asarray(v, dtype=np.float64) for v in (flops, params, ops)]
    y = np.asarray(measured_s, dtype=np.float64)
    if len(y) < 4:
        raise ValueError(f"the epoch-time fit needs at least 4 runs, got {len(y)}")
    labels = list(machines) if machines is not None else ["one machine"] * len(y)
    if len(labels) != len(y):
        raise ValueError(f"got {len(labels)} machine labels for {len(y)} runs")
    names, index = np.unique(np.array(labels, dtype=str), return_inverse=True)
    factors = np.ones(len(names))
    coef, pred = _nnls_fit(cols, y)
    for _ in range(iterations if len(names) > 1 else 0):
        ratio = y / pred
        new = np.array([np.median(ratio[index == k]) for k in range(len(names))])
        new /= np.median(new[index])  # the median run's machine has factor 1
        coef, pred = _nnls_fit(cols, y / new[index])
        if np.allclose(new, factors, rtol=1e-10, atol=0.0):
            break
        factors = new
    several = len(names) > 1
    return EpochTimeModel(
        intercept_s=float(coef[0]),
        s_per_flop=float(coef[1]),
        s_per_param=float(coef[2]),
        s_per_op=float(coef[3]),
        r2=_r2(y / factors[index], pred),
        n_runs=len(y),
        machine_factors={m: float(f) for m, f in zip(names, factors)} if several else None,
        r2_with_machine_factors=_r2(y, pred * factors[index]) if several else None,
    )
