"""The benchmark interface: full learning curves of any architecture of a space."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nas_sim.learning_curve import LearningCurve, higher_is_better, test_metric_of
from nas_sim.search_space import Architecture, SearchSpace


@dataclass(frozen=True)
class BestKnown:
    """The optimum of a benchmark: the best architecture by expected final metric.

    "Expected" means averaged over training seeds (tabular) or noiseless (surrogate), so regret
    measures how far the chosen architecture is from the best one, not seed luck.
    """

    arch: str
    val: float
    test: float


class Benchmark(ABC):
    """A benchmark returns the whole learning curve of a training run.

    ``curve(arch, run_seed)`` is a pure function of its arguments: the simulator fixes a run's
    curve when the run starts, and pausing/resuming reveals later epochs of that same curve.
    """

    #: registry name or a path, for result files
    name: str = ""
    #: the data version under one name (e.g. ``"v2"`` for the embedded ``mnist1d``); "" if none
    version: str = ""
    #: SHA-256 of the data that answers queries (a curve set's Parquet file, a surrogate's
    #: manifest); result files record it, so a result names exactly what produced it
    data_sha256: str | None = None

    @property
    @abstractmethod
    def space(self) -> SearchSpace: ...

    @property
    @abstractmethod
    def max_epochs(self) -> int: ...

    @property
    @abstractmethod
    def metrics(self) -> tuple[str, ...]: ...

    @property
    def objective(self) -> str:
        """The validation metric an optimizer optimises (``val_accuracy`` or ``val_loss``, …)."""
        return "val_accuracy" if "val_accuracy" in self.metrics else "val_loss"

    @property
    def maximize(self) -> bool:
        return higher_is_better(self.objective)

    @property
    def test_metric(self) -> str:
        return test_metric_of(self.objective)

    @abstractmethod
    def curve(self, arch: Architecture, run_seed: int) -> LearningCurve:
        """The full curve of the training run identified by ``run_seed``."""

    def curves(
        self, archs: Sequence[Architecture], run_seeds: Sequence[int]
    ) -> list[LearningCurve]:
        """Batched :meth:`curve`; surrogates override it with one vectorised prediction."""
        if len(archs) != len(run_seeds):
            raise ValueError(f"{len(archs)} architectures but {len(run_seeds)} run seeds")
        return [self.curve(a, s) for a, s in zip(archs, run_seeds)]

    def expected_final(self, arch: Architecture) -> tuple[float, float]:
        """(validation, test) objective at ``max_epochs``, averaged over training noise."""
        c = self.curve(arch, 0)
        return float(c[self.objective][-1]), float(c[self.test_metric][-1])

    @property
    def best_known(self) -> BestKnown | None:
        """The optimum where it is known (for regret), else None."""
        return None

    @property
    def training_final_range(self) -> dict[str, tuple[float, float]] | None:
        """For a model fitted to data (a surrogate): ``{metric: (lowest, highest)}`` final value
        its training runs reached, which its predictions must not leave; None for a table."""
        return None

    @property
    def mean_full_training_time_s(self) -> float:
        """Mean seconds to train one architecture to ``max_epochs`` (for ``Nx`` budgets)."""
        rng = np.random.default_rng(0)
        archs = [self.space.sample(rng) for _ in range(256)]
        return float(np.mean([c.cost_s(0, self.max_epochs) for c in self.curves(archs, [0] * 256)]))

    def describe(self) -> dict[str, object]:
        """JSON-able summary for ``nas-sim benchmarks info``."""
        best = self.best_known
        return {
            "name": self.name,
            "space": self.space.name,
            "space_size": self.space.size,
            "max_epochs": self.max_epochs,
            "metrics": list(self.metrics),
            "objective": self.objective,
            "maximize": self.maximize,
            "mean_full_training_time_s": self.mean_full_training_time_s,
            "best_known": None if best is None else best.__dict__,
        }
