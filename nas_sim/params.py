"""Hyperparameters read from the constructor's signature (scikit-learn's ``get_params`` rule).

A plugin's ``__init__`` stores each argument under its own name; the hyperparameters recorded in
result files are exactly those arguments, so they can never drift from the constructor.
"""

from __future__ import annotations

import inspect
from typing import Any

#: the value types a result file records as hyperparameters (others, e.g. objects, are left out)
JSON_SCALARS_AND_SEQUENCES: tuple[type, ...] = (int, float, str, bool, type(None), list, tuple)

_SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def init_param_names(cls: type) -> list[str]:
    """Names of the constructor parameters of ``cls`` and of every base class with its own
    ``__init__`` (a subclass that fixes some of its base's arguments still stores them)."""
    names: list[str] = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if klass is object or init is None:
            continue
        for name, p in inspect.signature(init).parameters.items():
            if name != "self" and p.kind not in _SKIPPED_KINDS and name not in names:
                names.append(name)
    return names


def init_params(obj: object, json_types: tuple[type, ...] | None = None) -> dict[str, Any]:
    """``{name: getattr(obj, name)}`` for every constructor parameter ``obj`` stores; with
    ``json_types``, only values of those types."""
    out = {}
    for name in init_param_names(type(obj)):
        if hasattr(obj, name):
            value = getattr(obj, name)
            if json_types is None or isinstance(value, json_types):
                out[name] = value
    return out
