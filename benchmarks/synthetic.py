"""The synthetic benchmark: a small NB201 curve set made up from the ops, for tests and bench scripts.

Nothing is trained: final accuracy is a fixed function of the cell's ops and the curves saturate
with op-dependent speed, so optimizers have something to find in milliseconds.
``nas-sim run --benchmark synthetic`` runs on it; the main command uses real data.
"""

from __future__ import annotations

import numpy as np

from nas_sim.benchmarks.curve_set import CurveSet
from nas_sim.benchmarks.spaces.nb201 import NB201Space
from nas_sim.benchmarks.tabular import TabularBenchmark


def synthetic_nb201_set(
    n_archs: int | None = 200, n_seeds: int = 2, max_epochs: int = 12, seed: int = 0
) -> CurveSet:
    """Saturating curves whose final accuracy depends on the ops; ``n_archs=None`` covers all
    6,466 classes."""
    rng = np.random.default_rng(seed)
    space = NB201Space()
    reps = space.unique_architectures()
    if n_archs is not None:
        reps = [reps[i] for i in sorted(rng.choice(len(reps), n_archs, replace=False))]
    quality = np.array([0.0, 0.02, 0.05, 0.08, 0.03])  # per op: none .. avg_pool
    archs, seeds, rows, times = [], [], [], []
    epochs = np.arange(1, max_epochs + 1)
    for a in reps:
        final = 0.5 + quality[list(a)].sum() * 0.9
        speed = 1 + (sum(a) % 4)
        for s in range(n_seeds):
            noise = rng.normal(0, 0.01, size=max_epochs)
            rows.append(np.clip(final * (1 - np.exp(-epochs / speed)) + noise, 0, 1))
            archs.append(space.format(a))
            seeds.append(s)
            times.append(np.full(max_epochs, 1.0 + 0.5 * sum(o in (2, 3) for o in a)))
    val = np.array(rows)
    test = np.clip(val + rng.normal(0, 0.005, size=val.shape), 0, 1)
    train = np.clip(val + 0.05, 0, 1)
    return CurveSet(
        space="nb201",
        archs=archs,
        seeds=np.array(seeds, dtype=np.int64),
        metrics={
            "train_accuracy": train,
            "val_accuracy": val,
            "test_accuracy": test,
            "val_loss": -np.log(np.clip(val, 1e-3, 1)),
        },
        epoch_time_s=np.array(times),
        units={
            "train_accuracy": "fraction",
            "val_accuracy": "fraction",
            "test_accuracy": "fraction",
            "val_loss": "nats",
        },
        objective="val_accuracy",
        provenance={"name": "synthetic", "generator": "nas_sim.benchmarks.synthetic"},
    )


def synthetic(
    n_archs: int | None = 200, n_seeds: int = 2, max_epochs: int = 12, seed: int = 0
) -> TabularBenchmark:
    """The registered ``synthetic`` benchmark: a tabular benchmark over
    :func:`synthetic_nb201_set` (by default 200 architectures, 2 seeds, 12 epochs)."""
    return TabularBenchmark(
        synthetic_nb201_set(n_archs, n_seeds, max_epochs, seed), name="synthetic"
    )
