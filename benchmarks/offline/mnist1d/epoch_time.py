"""A deterministic per-epoch cost model fitted to measured training times.

Measured seconds vary with machine load, so simulated time uses a fit
``t_epoch ≈ a + b·FLOPs + c·params + d·ops`` over all measured runs instead (in the spirit of the
cost models of NAS-Bench-x11, Yan et al. 2021); the raw means stay in the set as run metadata.
``ops`` counts the cell ops actually built (live, non-``none`` edges × cells): for networks this
small a training step costs mostly per-op overhead, which FLOPs and parameters miss (pooling and
skip ops have neither). Coefficients are constrained to be non-negative (NNLS), so more work never
costs less time.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def predict(
        self, flops: NDArray[np.float64], params: NDArray[np.float64], ops: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        return (
            self.intercept_s
            + self.s_per_flop * flops
            + self.s_per_param * params
            + (self.s_per_op * ops)
        )


def fit_epoch_time(
    flops: NDArray[np.float64],
    params: NDArray[np.float64],
    ops: NDArray[np.float64],
    measured_s: NDArray[np.float64],
) -> EpochTimeModel:
    """Non-negative least-squares fit of mean measured epoch seconds, all arrays of shape (n,)."""
    from scipy.optimize import nnls

    cols = [np.asarray(v, dtype=np.float64) for v in (flops, params, ops)]
    y = np.asarray(measured_s, dtype=np.float64)
    if len(y) < 4:
        raise ValueError(f"the epoch-time fit needs at least 4 runs, got {len(y)}")
    # scale the columns so the solver is well conditioned; undo the scaling on the coefficients
    scales = [max(float(c.max()), 1.0) for c in cols]
    design = np.column_stack([np.ones_like(y)] + [c / s for c, s in zip(cols, scales)])
    coef, _ = nnls(design, y)
    if coef[0] <= 0:
        # a zero intercept would give an empty cell zero cost; keep it strictly positive
        coef[0] = 0.5 * float(y.min())
    resid = y - design @ coef
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else 1.0
    return EpochTimeModel(
        intercept_s=float(coef[0]),
        s_per_flop=float(coef[1] / scales[0]),
        s_per_param=float(coef[2] / scales[1]),
        s_per_op=float(coef[3] / scales[2]),
        r2=r2,
        n_runs=len(y),
    )
