"""Named generator designs: a design is a JSON file of :class:`GeneratorConfig` sections.

The shipped ones live in ``designs/`` beside this module (``v1``: the first embedded set,
``v2``: the current one, ``pilot-*``: variants measured by ``nas-sim data pilot-mnist1d``); any
other JSON file of the same shape is a design too, so a deeper benchmark is one file away.
Missing sections and fields take :class:`GeneratorConfig`'s defaults; ``description`` is free text.
"""

from __future__ import annotations

import json
from pathlib import Path

from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorConfig, GeneratorError
from nas_sim.benchmarks.shipped import MNIST1D_DESIGNS_DIR

DESIGNS_DIR = MNIST1D_DESIGNS_DIR


def design_names() -> list[str]:
    return sorted(p.stem for p in DESIGNS_DIR.glob("*.json"))


def load_design(name_or_path: str) -> tuple[GeneratorConfig, str]:
    """The config and description of a shipped design (by name) or of a design file (by path)."""
    path = Path(name_or_path)
    if not path.is_file():
        path = DESIGNS_DIR / f"{name_or_path}.json"
    if not path.is_file():
        raise GeneratorError(
            f"unknown design {name_or_path!r}: neither a file nor one of: {', '.join(design_names())}"
        )
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise GeneratorError(f"design file {str(path)!r} is unreadable: {e}") from None
    if not isinstance(raw, dict):
        raise GeneratorError(f"design file {str(path)!r} must hold a JSON object")
    description = str(raw.pop("description", ""))
    return GeneratorConfig.from_json(raw), description
