"""Simulation budgets: simulated seconds, or a multiple of the mean full-training time."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: The largest budgets accepted, so a typo (``1e308x``) cannot start a run that never ends while
#: its memory grows: a million mean full trainings, or 1e15 simulated seconds (31.7 million
#: years; bound a run by ``max_jobs`` to measure the simulator itself).
MAX_MULTIPLE = 1e6
MAX_SECONDS = 1e15

_MULTIPLE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*x\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Budget:
    """Either ``seconds`` of simulated time or ``multiple`` × the mean full-training time."""

    seconds: float | None = None
    multiple: float | None = None

    def __post_init__(self) -> None:
        if (self.seconds is None) == (self.multiple is None):
            raise ValueError("a budget is either seconds or a multiple, not both or neither")
        v = self.seconds if self.seconds is not None else self.multiple
        assert v is not None
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"budget must be > 0, got {self}")
        if self.multiple is not None and self.multiple > MAX_MULTIPLE:
            raise ValueError(
                f"budget {self} exceeds the cap of {MAX_MULTIPLE:g}x mean full-training times; "
                "give a smaller multiple (or bound the run by --max-jobs)"
            )
        if self.seconds is not None and self.seconds > MAX_SECONDS:
            raise ValueError(
                f"budget {self} exceeds the cap of {MAX_SECONDS:g} simulated seconds; give a "
                "smaller budget (or bound the run by --max-jobs)"
            )

    def resolve_s(self, mean_full_training_time_s: float) -> float:
        if self.seconds is not None:
            return self.seconds
        assert self.multiple is not None
        seconds = self.multiple * mean_full_training_time_s
        if not math.isfinite(seconds):
            raise ValueError(
                f"budget {self} is {seconds} simulated seconds on this benchmark (mean full "
                f"training {mean_full_training_time_s:g} s); give a smaller multiple"
            )
        return seconds

    def __str__(self) -> str:
        return f"{self.multiple:g}x" if self.multiple is not None else f"{self.seconds:g}s"


def parse_budget(text: str | float | int | Budget) -> Budget:
    """``"3600"``/``3600`` → seconds; ``"100x"`` → 100 mean full trainings."""
    if isinstance(text, Budget):
        return text
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        s = str(text)
        m = _MULTIPLE.match(s)
        try:
            value = float(m.group(1)) if m else float(s.strip().removesuffix("s"))
        except ValueError:
            raise ValueError(
                f"invalid budget {text!r}: give simulated seconds (e.g. 36000) or a multiple of the "
                "mean full-training time (e.g. 100x)"
            ) from None
        if m:
            if not math.isfinite(value) or not 0 < value <= MAX_MULTIPLE:
                raise ValueError(
                    f"invalid budget {text!r}: the multiple must be > 0 and at most "
                    f"{MAX_MULTIPLE:g}x (a cap, so that a run ends; bound longer runs by max_jobs)"
                )
            return Budget(multiple=value)
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise ValueError(
            f"invalid budget {text!r}: simulated seconds must be > 0 and at most "
            f"{MAX_SECONDS:g} (a cap, so that a run ends; bound longer runs by max_jobs)"
        )
    return Budget(seconds=value)
