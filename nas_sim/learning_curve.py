"""Learning curves: per-epoch metrics of one training run, and the metric vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    # Cumulative training time, so that a job's cost is one subtraction (computed once per run).
    cumulative_time_s: NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cum = np.concatenate(([0.0], np.cumsum(self.epoch_time_s)))
        object.__setattr__(self, "cumulative_time_s", cum)

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
        return float(self.cumulative_time_s[to_epoch] - self.cumulative_time_s[from_epoch])

    def observed(self, to_epoch: int) -> dict[str, NDArray[np.float64]]:
        """The first ``to_epoch`` values of every observable (non-test) metric, as read-only views.

        These arrays go to optimizer plugins. They are views of the stored benchmark table, so a
        plugin that wrote into one would change every later run of the process (other optimizers'
        included); read-only views make such a write raise instead, at no copying cost.
        """
        return {
            k: _read_only(v[:to_epoch])
            for k, v in self.values.items()
            if k.startswith(OBSERVABLE_PREFIXES)
        }


def _read_only(view: NDArray[np.float64]) -> NDArray[np.float64]:
    view.flags.writeable = False  # on the view only: the owner's own arrays stay as they are
    return view
