"""Loading pickle-based upstream files: restricted where the format allows it, else only on trust.

Pickles (NASLib ``.pickle``, NATS-Bench ``.pickle.pbz2``) and torch ``.pth`` files can execute
arbitrary code while loading, through the globals (classes, functions) a pickle names. nas-sim never
writes such files. NATS-Bench files name only ``collections.OrderedDict`` and numpy's scalar and
dtype constructors, so :func:`load_restricted_pickle` reads them with an unpickler that allows
exactly those globals: no ``--trust`` is needed, and a tampered file that names anything else is
refused. Files that need other classes (torch ``.pth``; a pickle naming other globals) load only
with ``trust=True`` (``--trust``), each with a :class:`TrustedLoadWarning`.
"""

from __future__ import annotations

import bz2
import pickle
import warnings
from pathlib import Path
from typing import IO, Any

from nas_sim.benchmarks.offline.importers.report import DataImportError

#: the globals NATS-Bench / NB201 data pickles name (numpy 1 and 2 spell the scalar module apart)
SAFE_GLOBALS = frozenset(
    {
        ("collections", "OrderedDict"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
    }
)


class UntrustedFileError(DataImportError):
    """A file needs full unpickling (it names globals outside :data:`SAFE_GLOBALS`, or is a torch
    file) but was to be loaded without ``trust=True``."""


class UnsafePickleError(DataImportError):
    """A pickle names a global outside :data:`SAFE_GLOBALS`."""


class TrustedLoadWarning(UserWarning):
    """A file was loaded with full unpickling because the user passed ``trust=True``."""


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, fh: IO[bytes], where: str) -> None:
        super().__init__(fh)
        self.where = where

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in SAFE_GLOBALS:
            raise UnsafePickleError(
                f"{self.where} names the global {module}.{name}, which NB201 / NATS-Bench data "
                f"files never contain; allowed are only "
                f"{', '.join(sorted(f'{m}.{n}' for m, n in SAFE_GLOBALS))}"
            )
        if module == "numpy.core.multiarray":  # numpy 1 pickles; numpy 2 moved it (no warning)
            import numpy

            if hasattr(numpy, "_core"):
                module = "numpy._core.multiarray"
        return super().find_class(module, name)


def _opener(path: Path):  # type: ignore[no-untyped-def]
    return bz2.open if path.suffix == ".pbz2" else open


def _exists(path: Path) -> None:
    if not path.is_file():
        raise DataImportError(f"{str(path)!r} does not exist")


def load_restricted_pickle(path: str | Path) -> object:
    """Unpickle ``path`` (bz2 when it ends in ``.pbz2``) allowing only :data:`SAFE_GLOBALS`."""
    path = Path(path)
    _exists(path)
    try:
        with _opener(path)(path, "rb") as fh:
            return _RestrictedUnpickler(fh, path.name).load()
    except UnsafePickleError:
        raise
    except (EOFError, OSError, pickle.UnpicklingError, ValueError, AttributeError) as exc:
        raise DataImportError(f"{path.name}: not a readable pickle (truncated?): {exc}") from exc


def _warn_trusted(path: Path) -> None:
    warnings.warn(
        f"loading {path.name} with full unpickling (--trust): only do this with files from a "
        "source you trust",
        TrustedLoadWarning,
        stacklevel=3,
    )


def load_pickle(path: str | Path, *, trust: bool) -> object:
    """Unpickle ``path`` restricted to :data:`SAFE_GLOBALS`; a file naming other globals loads
    fully only with ``trust``."""
    path = Path(path)
    try:
        return load_restricted_pickle(path)
    except UnsafePickleError as exc:
        if not trust:
            raise UntrustedFileError(
                f"{exc}; full unpickling can run arbitrary code: pass trust=True (--trust) only "
                "if you trust the file's origin"
            ) from exc
    _warn_trusted(path)
    try:
        with _opener(path)(path, "rb") as fh:
            return pickle.load(fh)
    except (EOFError, OSError, pickle.UnpicklingError, ValueError) as exc:
        raise DataImportError(f"{path.name}: not a readable pickle (truncated?): {exc}") from exc


def load_torch(path: str | Path, *, trust: bool) -> object:
    """``torch.load(weights_only=False)`` of an official NB201 ``.pth`` file (needs ``trust``)."""
    path = Path(path)
    if not trust:
        raise UntrustedFileError(
            f"{path.name} is a torch pickle, which can run arbitrary code when loaded; "
            "pass trust=True (--trust) if you trust its origin"
        )
    _exists(path)
    _warn_trusted(path)
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
