"""The project's own benchmark: NB201 cells (Dong & Yang 2020) trained on MNIST-1D (Greydanus 2020).

``DEFAULT_SET_PATH`` is the packaged learning-curve set; ``nas-sim data generate-mnist1d`` and
``nas-sim data build-set`` regenerate it (see ``DATA_DIR / "DATA_CARD.md"``).
"""

from __future__ import annotations

from pathlib import Path

from nas_sim.benchmarks.shipped import MNIST1D_SETS

#: Folder of the packaged v1 data set (curves.parquet, curves.json, DATA_CARD.md, stats.json).
DATA_DIR: Path = MNIST1D_SETS["v1"].parent
#: The packaged v1 learning-curve set.
DEFAULT_SET_PATH: Path = MNIST1D_SETS["v1"]
