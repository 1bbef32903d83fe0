"""Every path of the data that ships inside the package, in one place.

The embedded learning-curve tables (by version), the fitted surrogate artifacts and the MNIST-1D
generator's designs. Runtime loaders, offline builders, tests and benches take their paths from
here, so moving a file means editing one module.
"""

from __future__ import annotations

from pathlib import Path

#: The package's data folder.
DATA_DIR: Path = Path(__file__).resolve().parent / "data"

#: The MNIST-1D × NB201 learning-curve tables, by version (each folder also holds its
#: ``curves.json`` sidecar, ``DATA_CARD.md`` and ``stats.json``).
MNIST1D_SETS: dict[str, Path] = {
    "v1": DATA_DIR / "mnist1d_nb201" / "curves.parquet",
    "v2": DATA_DIR / "mnist1d_v2" / "curves.parquet",
}

#: Fitted surrogate artifacts.
SURROGATES_DIR: Path = DATA_DIR / "surrogates"
MNIST1D_SURROGATE: Path = SURROGATES_DIR / "mnist1d_nb201"
TINY_SURROGATE: Path = SURROGATES_DIR / "tiny_synthetic"

#: The MNIST-1D generator's named designs (``<name>.json``).
MNIST1D_DESIGNS_DIR: Path = Path(__file__).resolve().parent / "offline" / "mnist1d" / "designs"
