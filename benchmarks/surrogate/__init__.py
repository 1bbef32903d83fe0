"""Surrogate benchmarks with full learning curves (the NAS-Bench-x11 technique).

Public API (stable; builders of other spaces call it)::

    model = fit_surrogate(curve_set, space, compression="svd", model="lgb", noise="window")
    model.save(directory); model = load_surrogate(directory)
    scores = evaluate_surrogate(model, test_set)
    bench = SurrogateBenchmark(model)   # or load(path), the ``surrogate`` entry point

Heavy dependencies (lightgbm, torch) are imported only when a model is fitted or loaded.
"""

from __future__ import annotations

from nas_sim.benchmarks.surrogate.artifact import ArtifactError, load_surrogate
from nas_sim.benchmarks.surrogate.benchmark import SurrogateBenchmark, load, mnist1d_surrogate
from nas_sim.benchmarks.surrogate.evaluate import (
    cross_validate,
    evaluate_surrogate,
    seed_vs_mean_test,
)
from nas_sim.benchmarks.surrogate.model import (
    FeatureSpec,
    SurrogateError,
    SurrogateModel,
    fit_surrogate,
)

__all__ = [
    "ArtifactError",
    "FeatureSpec",
    "SurrogateBenchmark",
    "SurrogateError",
    "SurrogateModel",
    "cross_validate",
    "evaluate_surrogate",
    "fit_surrogate",
    "load",
    "load_surrogate",
    "mnist1d_surrogate",
    "seed_vs_mean_test",
]
