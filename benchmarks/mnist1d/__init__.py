"""The project's own benchmark: NB201 cells (Dong & Yang 2020) trained on MNIST-1D (Greydanus 2020).

``DEFAULT_SET_PATH`` is the packaged learning-curve set; ``nas-sim data generate-mnist1d`` and
``nas-sim data build-set`` regenerate it (see ``DATA_DIR / "DATA_CARD.md"``).
"""

from __future__ import annotations

from pathlib import Path

#: Folder of the packaged data set (curves.parquet, curves.json, DATA_CARD.md, stats.json).
DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data" / "mnist1d_nb201"
#: The packaged learning-curve set, read by the ``mnist1d`` tabular benchmark.
DEFAULT_SET_PATH: Path = DATA_DIR / "curves.parquet"
