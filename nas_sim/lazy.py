"""Lazy re-exports for packages whose modules pull in heavy dependencies (scipy, torch, emcee).

A package lists ``{public name: submodule}`` and sets ``__getattr__ = lazy_exports(__name__, …)``;
``from package import Name`` then imports the submodule on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``package.<modules[name]>`` when ``name`` is read."""

    def __getattr__(name: str) -> Any:
        if name not in modules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{modules[name]}"), name)

    return __getattr__
