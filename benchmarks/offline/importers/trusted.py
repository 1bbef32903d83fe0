"""Loading pickle-based upstream files, only when the user vouches for them.

Pickles (NASLib ``.pickle``, NATS-Bench ``.pickle.pbz2``) and torch ``.pth`` files can execute
arbitrary code while loading. nas-sim never writes such files; importers read them only with
``trust=True`` (``--trust`` on the command line).
"""

from __future__ import annotations

import bz2
import pickle
import warnings
from pathlib import Path

from nas_sim.benchmarks.offline.importers.report import DataImportError


class UntrustedFileError(DataImportError):
    """A pickle/torch file was to be loaded without ``trust=True``."""


def _require_trust(path: Path, trust: bool) -> None:
    if not trust:
        raise UntrustedFileError(
            f"{path.name} is a pickle-based file, which can run arbitrary code when loaded; "
            "pass trust=True (--trust) if you trust its origin"
        )
    warnings.warn(
        f"loading {path.name} with pickle: only do this with files from a source you trust",
        stacklevel=3,
    )


def load_pickle(path: str | Path, *, trust: bool) -> object:
    """Unpickle ``path`` (bz2-compressed when it ends in ``.pbz2``)."""
    path = Path(path)
    _require_trust(path, trust)
    if not path.is_file():
        raise DataImportError(f"{str(path)!r} does not exist")
    opener = bz2.open if path.suffix == ".pbz2" else open
    try:
        with opener(path, "rb") as fh:  # type: ignore[operator]
            return pickle.load(fh)
    except (EOFError, OSError, pickle.UnpicklingError, ValueError) as exc:
        raise DataImportError(f"{path.name}: not a readable pickle (truncated?): {exc}") from exc


def load_torch(path: str | Path, *, trust: bool) -> object:
    """``torch.load(weights_only=False)`` of an official NB201 ``.pth`` file."""
    path = Path(path)
    _require_trust(path, trust)
    if not path.is_file():
        raise DataImportError(f"{str(path)!r} does not exist")
    try:
        import torch
    except ImportError as exc:
        raise DataImportError(
            "reading .pth files needs torch (pip install nas-sim[torch])"
        ) from exc
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for corrupt archives
        raise DataImportError(
            f"{path.name}: not a readable torch file (truncated?): {exc}"
        ) from exc
