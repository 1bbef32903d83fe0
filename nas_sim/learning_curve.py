"""Learning curves: per-epoch metrics of one training run, and the metric vocabulary."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

#: The metric names a benchmark may provide. Accuracies are fractions in [0, 1]; losses are
#: mean cross-entropy in nats (or the benchmark's stated unit, see its metadata).
METRICS: tuple[str, ...] = (
    "train_loss",
    "train_accuracy",
    "val_loss",
    "val_accuracy",
    "test_loss",
    "test_accuracy",
)
#: Metrics an optimizer may see. Test metrics never leave the simulator.
OBSERVABLE_PREFIXES: tuple[str, ...] = ("train_", "val_")


def higher_is_better(metric: str) -> bool:
    """Accuracies are maximised; losses, errors and perplexities minimised."""
    return metric.endswith("accuracy")


def test_metric_of(metric: str) -> str:
    """The test-set twin of a validation metric (``val_accuracy`` → ``test_accuracy``)."""
    if not metric.startswith("val_"):
        raise ValueError(f"objective metric must be a validation metric 'val_*', got {metric!r}")
    return "test_" + metric[len("val_") :]


@dataclass(frozen=True)
class LearningCurve:
    """The whole curve of one training run.

    values : mapping metric name → array of shape ``(max_epochs,)``; value ``e`` is measured after
        epoch ``e + 1``.
    epoch_time_s : array of shape ``(max_epochs,)``, simulated seconds each epoch costs to train.
    """

    values: Mapping[str, NDArray[np.float64]]
    epoch_time_s: NDArray[np.float64]

    # Derived on first use (cached_property writes the instance dict, which a frozen dataclass
    # allows): a surrogate builds a hundred thousand curves in one batch, most of which are
    # never simulated, and computing these eagerly was half of the batch's time.
    @cached_property
    def cumulative_time_s(self) -> NDArray[np.float64]:
        """Cumulative training time, so that a job's cost is one subtraction."""
        return np.concatenate(([0.0], np.cumsum(self.epoch_time_s)))

    @cached_property
    def _cumulative(self) -> list[float]:
        # as Python floats: the simulator reads two per job, and a list index plus a float
        # subtraction cost a third of numpy's scalar path (the same double either way)
        return self.cumulative_time_s.tolist()  # type: ignore[no-any-return]

    @cached_property
    def _observable(self) -> tuple[str, ...]:
        return tuple(k for k in self.values if k.startswith(OBSERVABLE_PREFIXES))

    @cached_property
    def _lists(self) -> dict[str, list[float]]:
        return {}

    @property
    def max_epochs(self) -> int:
        return len(self.epoch_time_s)

    def __getitem__(self, metric: str) -> NDArray[np.float64]:
        try:
            return self.values[metric]
        except KeyError:
            raise KeyError(
                f"metric {metric!r} not in this curve; available: {', '.join(self.values)}"
            ) from None

    def cost_s(self, from_epoch: int, to_epoch: int) -> float:
        """Seconds to train from ``from_epoch`` to ``to_epoch`` (epochs counted from 0)."""
        cum = self._cumulative
        return cum[to_epoch] - cum[from_epoch]

    def value_at(self, metric: str, epochs: int) -> float:
        """``metric`` after ``epochs`` epochs (1-based), as a Python float.

        The simulator reads one value per job; the metric's values are converted to a list on
        first use (a list index costs a fifth of numpy's scalar indexing plus ``float``)."""
        values = self._lists.get(metric)
        if values is None:
            values = self._lists[metric] = self[metric].tolist()
        return values[epochs - 1]

    def observed(self, to_epoch: int) -> ObservedCurve:
        """The first ``to_epoch`` values of every observable (non-test) metric."""
        return ObservedCurve(self.values, self._observable, to_epoch)


class ObservedCurve(Mapping[str, NDArray[np.float64]]):
    """What an optimizer sees of a run: observable metric → its first ``epochs`` values.

    A read-only view that slices on access: the simulator hands one to every ``tell``, and most
    optimizers (random search, REA) never look inside, so building a dict of slices for each job
    was 7 % of a random-search simulation. The arrays it gives are read-only too: they are views
    of the stored benchmark table, and a plugin writing into one would change every later run of
    the process (other optimizers' included); such a write raises instead, at no copying cost.
    """

    __slots__ = ("_values", "_keys", "_epochs")

    def __init__(
        self, values: Mapping[str, NDArray[np.float64]], keys: tuple[str, ...], epochs: int
    ) -> None:
        self._values = values
        self._keys = keys
        self._epochs = epochs

    def __getitem__(self, metric: str) -> NDArray[np.float64]:
        if metric not in self._keys:
            raise KeyError(metric)
        view = self._values[metric][: self._epochs]
        view.flags.writeable = False  # on the view only: the table's own arrays stay as they are
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"ObservedCurve({dict(self)!r})"
