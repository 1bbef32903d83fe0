"""Simulation budgets: simulated seconds, or a multiple of the mean full-training time."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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

    def resolve_s(self, mean_full_training_time_s: float) -> float:
        if self.seconds is not None:
            return self.seconds
        assert self.multiple is not None
        return self.multiple * mean_full_training_time_s

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
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"invalid budget {text!r}: the multiple must be > 0")
            return Budget(multiple=value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"invalid budget {text!r}: simulated seconds must be > 0")
    return Budget(seconds=value)
