"""The optimizer protocol's value types."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nas_sim.optimizer import Result, finished_result


def test_finished_result_is_the_constructors():
    """The simulator's fast Result is the one the constructor builds: every field, equality,
    and the frozen instance refusing assignment."""
    curve = {"val_accuracy": np.array([0.5, 0.6])}
    args = dict(
        run_id=3,
        arch=(1, 2, 3, 4, 0, 1),
        epochs=2,
        curve=curve,
        value=0.6,
        score=-0.6,
        finished_s=7.5,
    )
    fast, slow = finished_result(**args), Result(**args)  # type: ignore[arg-type]
    assert vars(fast) == vars(slow)
    assert [f.name for f in dataclasses.fields(Result)] == list(vars(fast))
    assert fast == slow and fast.stopped is False and fast.extrapolated is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.value = 0.0  # type: ignore[misc]
