"""The defaults the CLI shows and the API uses, in a module that imports nothing: ``nas-sim
--help`` reads them without loading the simulator (numpy)."""

from __future__ import annotations

from typing import Literal

DEFAULT_BENCHMARK = "mnist1d"
DEFAULT_OPTIMIZER = "rea"
DEFAULT_BUDGET = "100x"
#: The wrapper plugin that composes an optimizer with an LCE method (the LCE framework).
DEFAULT_WRAPPER = "lce"

OverheadMode = Literal["none", "measured", "modeled"]
OVERHEAD_MODES: tuple[str, ...] = ("none", "measured", "modeled")
