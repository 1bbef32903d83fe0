"""Build a tabular and an x11-style surrogate benchmark from imported data, and evaluate both.

``build_benchmark(recipe, data, out)`` writes ``out/tabular.parquet`` (the imported runs, usable
with ``nas-sim run --benchmark``), ``out/surrogate/`` (a surrogate fitted on the training
architectures; held-out architectures score it) and ``out/report.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from nas_sim import registry
from nas_sim.atomic import atomic_write_text
from nas_sim.benchmarks.curve_set import CurveSet, write_curve_set
from nas_sim.benchmarks.offline.x11.recipes import Recipe
from nas_sim.learning_curve import higher_is_better


@dataclass
class BuildResult:
    """Paths written and the evaluation report (``report`` is also ``out/report.json``)."""

    tabular: Path
    surrogate: Path | None
    report: dict[str, Any] = field(default_factory=dict)


def tabular_summary(cs: CurveSet, space: Any) -> dict[str, Any]:
    """Coverage and noise of a curve set: what a tabular benchmark over it offers."""
    obj = cs.objective
    keys = [space.format(space.canonical(space.parse(a))) for a in cs.archs]
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        groups.setdefault(k, []).append(i)
    final = cs.metrics[obj][:, -1]
    per_arch = np.array([final[r].mean() for r in groups.values()])
    seed_sd = [final[r].std(ddof=1) for r in groups.values() if len(r) > 1]
    best = per_arch.max() if higher_is_better(obj) else per_arch.min()
    return {
        "runs": cs.n_runs,
        "architectures": len(groups),
        "max_epochs": cs.max_epochs,
        "objective": obj,
        "unit": cs.units.get(obj, ""),
        "final_objective": {
            "mean": float(per_arch.mean()),
            "best": float(best),
            "p10": float(np.quantile(per_arch, 0.1)),
            "p90": float(np.quantile(per_arch, 0.9)),
        },
        "multi_seed_architectures": len(seed_sd),
        "seed_std_final": float(np.mean(seed_sd)) if seed_sd else None,
        "mean_full_training_time_s": float(cs.epoch_time_s.sum(axis=1).mean()),
    }


def _split(cs: CurveSet, space: Any, test_fraction: float, seed: int) -> np.ndarray:
    """Run mask of held-out *architectures* (all seeds of an architecture stay together)."""
    keys = [space.format(space.canonical(space.parse(a))) for a in cs.archs]
    uniq = sorted(set(keys))
    rng = np.random.default_rng(seed)
    n_test = max(2, int(round(test_fraction * len(uniq))))
    if len(uniq) - n_test < 5:
        raise ValueError(
            f"{len(uniq)} architectures are too few to hold {n_test} out for evaluation"
        )
    test = set(rng.choice(len(uniq), n_test, replace=False).tolist())
    test_keys = {uniq[i] for i in test}
    return np.array([k in test_keys for k in keys])


def build_benchmark(
    recipe: Recipe,
    data: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    surrogate: bool = True,
    test_fraction: float = 0.1,
    seed: int = 0,
    n_members: int = 1,
    fit_kwargs: dict[str, Any] | None = None,
    **import_kwargs: Any,
) -> BuildResult:
    """Import ``data`` with the recipe, write the tabular set, fit and score the surrogate.

    fit_kwargs : further arguments of :func:`nas_sim.benchmarks.surrogate.fit_surrogate`
        (e.g. ``n_components``, ``model_params``); import_kwargs go to the recipe's importer.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cs, report = recipe.load(Path(data), **import_kwargs)
    if cs.max_epochs != recipe.max_epochs:
        raise ValueError(
            f"{recipe.name}: imported {cs.max_epochs} epochs, expected {recipe.max_epochs}"
        )
    cs = replace(cs, provenance={**cs.provenance, "name": recipe.name})
    tab_path = write_curve_set(cs, out / "tabular.parquet")
    space = registry.create("space", recipe.space, **recipe.space_kwargs)
    result: dict[str, Any] = {
        "benchmark": recipe.name,
        "import": report.as_dict(),
        "tabular": {"path": str(tab_path), **tabular_summary(cs, space)},
    }
    sur_path: Path | None = None
    if surrogate:
        result["surrogate"] = _fit_and_score(
            recipe, cs, space, out, test_fraction, seed, n_members, dict(fit_kwargs or {})
        )
        sur_path = out / "surrogate"
    atomic_write_text(
        out / "report.json", json.dumps(result, indent=2, sort_keys=True, default=str) + "\n"
    )
    return BuildResult(tab_path, sur_path, result)


def _fit_and_score(
    recipe: Recipe,
    cs: CurveSet,
    space: Any,
    out: Path,
    test_fraction: float,
    seed: int,
    n_members: int,
    fit_kwargs: dict[str, Any],
) -> dict[str, Any]:
    from nas_sim.benchmarks.surrogate import evaluate_surrogate, fit_surrogate
    from nas_sim.benchmarks.surrogate.evaluate import subset

    test = _split(cs, space, test_fraction, seed)
    extra = recipe.extra_array(cs)
    train_set, test_set = subset(cs, ~test), subset(cs, test)
    model = fit_surrogate(
        train_set,
        space,
        encoding=recipe.encoding,
        seed=seed,
        n_members=n_members,
        extra_features=(recipe.extra_metrics or (extra[~test] if extra is not None else None)),
        **fit_kwargs,
    )
    scores = evaluate_surrogate(
        model, test_set, extra=extra[test] if extra is not None else None, seed=seed
    )
    model.save(out / "surrogate")
    return {
        "path": str(out / "surrogate"),
        "encoding": recipe.encoding,
        "extra_features": recipe.extra_metrics or list(recipe.extra_columns),
        "train_architectures": len(set(train_set.archs)),
        "test_architectures": scores["n_architectures"],
        "n_components": int(model.compression_.n_components),
        "scores": scores,
    }
