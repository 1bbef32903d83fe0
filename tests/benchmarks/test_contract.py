"""Every registered benchmark passes the benchmark contract (nas_sim.testing.benchmarks), and the
contract catches benchmarks that break it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nas_sim import registry
from nas_sim.benchmark import BestKnown
from nas_sim.benchmarks.shipped import TINY_SURROGATE
from nas_sim.benchmarks.synthetic import synthetic
from nas_sim.benchmarks.tabular import TabularBenchmark
from nas_sim.learning_curve import LearningCurve
from nas_sim.testing import BENCHMARK_CHECKS, ContractError, check_benchmark

#: constructor arguments of the registered factories that need them (every other name is built
#: with no arguments; a new factory that needs some fails here until it is listed)
FACTORY_KWARGS = {"tabular": "synthetic_set_path", "surrogate": TINY_SURROGATE}


@pytest.mark.parametrize("check", BENCHMARK_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", registry.names("benchmark"))
def test_registered_benchmark_passes(name: str, check: Any, request: pytest.FixtureRequest) -> None:
    path = FACTORY_KWARGS.get(name)
    if path == "synthetic_set_path":
        path = request.getfixturevalue("synthetic_set_path")
    check(name, kwargs=None if path is None else {"path": Path(path)})


class _Broken(TabularBenchmark):
    def __init__(self) -> None:
        inner = synthetic(n_archs=30, n_seeds=1, max_epochs=6)
        super().__init__(inner.curve_set, name="broken")


class Impure(_Broken):
    calls = 0

    def curve(self, arch: Any, run_seed: int) -> LearningCurve:
        Impure.calls += 1
        return _shift(super().curve(arch, run_seed), 1e-3 * (Impure.calls % 7))


class BatchDiffers(_Broken):
    def curves(self, archs: Any, run_seeds: Any) -> list[LearningCurve]:
        return [_shift(c, 0.01) for c in super().curves(archs, run_seeds)]


class PercentAccuracy(_Broken):
    def curve(self, arch: Any, run_seed: int) -> LearningCurve:
        c = super().curve(arch, run_seed)
        values = {k: v * 100 if k.endswith("accuracy") else v for k, v in c.values.items()}
        return LearningCurve(values=values, epoch_time_s=c.epoch_time_s)


class WrongBest(_Broken):
    @property
    def best_known(self) -> BestKnown:  # type: ignore[override]
        best = super().best_known
        assert best is not None
        return BestKnown(arch=best.arch, val=best.val, test=best.test - 0.2)


class LeakyCurve(LearningCurve):
    def observed(self, to_epoch: int) -> dict[str, Any]:
        return {k: v[:to_epoch] for k, v in self.values.items()}


class LeaksTestMetrics(_Broken):
    def curve(self, arch: Any, run_seed: int) -> LearningCurve:
        c = super().curve(arch, run_seed)
        return LeakyCurve(values=c.values, epoch_time_s=c.epoch_time_s)


def _shift(c: LearningCurve, by: float) -> LearningCurve:
    values = {
        k: np.clip(v + by, 0, 1) if k.endswith("accuracy") else v for k, v in c.values.items()
    }
    return LearningCurve(values=values, epoch_time_s=c.epoch_time_s)


@pytest.mark.parametrize(
    ("cls", "rule"),
    [
        (Impure, "check_curve_is_pure"),
        (BatchDiffers, "check_batched_curves_match_single_calls"),
        (PercentAccuracy, "check_metric_shapes_and_ranges"),
        (LeaksTestMetrics, "check_test_metrics_never_observed"),
        (WrongBest, "check_best_known_is_consistent"),
    ],
)
def test_contract_catches_broken_benchmarks(cls: type, rule: str) -> None:
    with pytest.raises(ContractError, match=rule):
        check_benchmark(cls())


def test_range_check_catches_a_surrogate_predicting_beyond_its_training_data() -> None:
    """A fitted benchmark whose expected finals pass its stated training range fails the check."""
    from nas_sim.benchmarks.surrogate.artifact import load_surrogate
    from nas_sim.benchmarks.surrogate.benchmark import SurrogateBenchmark
    from nas_sim.testing.benchmarks import check_predictions_within_training_range

    class Overreaching(SurrogateBenchmark):
        @property
        def training_final_range(self) -> dict[str, tuple[float, float]] | None:
            return {m: (0.0, 0.05) for m in self.metrics}  # every real final lies above

    with pytest.raises(ContractError, match="outside the training range"):
        check_predictions_within_training_range(Overreaching(load_surrogate(TINY_SURROGATE)))
