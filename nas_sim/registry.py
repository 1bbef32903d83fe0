"""Plugin registry: optimizers, LCE methods, benchmarks, search spaces and wrappers by name.

Plugins come from entry-point groups (``nas_sim.optimizers``, ``nas_sim.lce``, ``nas_sim.benchmarks``,
``nas_sim.search_spaces``, ``nas_sim.wrappers``), from the :func:`register` decorator, or from ``--plugin FILE_OR_MODULE``.
The built-in plugins are registered through the same entry points as third-party ones; the core
never imports a plugin module by name.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, TypeVar

KINDS: dict[str, str] = {
    "optimizer": "nas_sim.optimizers",
    "lce": "nas_sim.lce",
    "benchmark": "nas_sim.benchmarks",
    "space": "nas_sim.search_spaces",
    #: compositions ``wrapper(optimizer, lce_method, e_few=E, **options)``, e.g. the LCE framework
    "wrapper": "nas_sim.wrappers",
}

T = TypeVar("T")


class UnknownPluginError(KeyError):
    """A plugin name that is not registered; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class PluginError(RuntimeError):
    """A plugin that could not be loaded."""


_registered: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}


def register(kind: str, name: str) -> Callable[[T], T]:
    """Decorator registering a class or factory in-process::

    @register("optimizer", "my-rs")
    class MyRandomSearch(Optimizer): ...
    """
    _check_kind(kind)

    def deco(obj: T) -> T:
        _registered[kind][name] = obj
        if isinstance(obj, type) and not obj.__dict__.get("name"):
            obj.name = name  # type: ignore[attr-defined]
        return obj

    return deco


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown plugin kind {kind!r}; choose from: {', '.join(KINDS)}")


def _entry_points(kind: str) -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=KINDS[kind])}


def names(kind: str) -> list[str]:
    """Every registered name of ``kind`` (entry points and in-process registrations), sorted."""
    _check_kind(kind)
    return sorted(set(_entry_points(kind)) | set(_registered[kind]))


def get(kind: str, name: str) -> Any:
    """The class or factory registered as ``name``; unknown names list the valid ones."""
    _check_kind(kind)
    if name in _registered[kind]:
        return _registered[kind][name]
    eps = _entry_points(kind)
    if name not in eps:
        raise UnknownPluginError(
            f"unknown {kind} {name!r}; choose from: {', '.join(names(kind)) or '(none registered)'}"
        )
    try:
        obj = eps[name].load()
    except Exception as exc:
        raise PluginError(
            f"{kind} plugin {name!r} ({eps[name].value}) failed to load: {exc}"
        ) from exc
    if isinstance(obj, type) and not obj.__dict__.get("name"):
        setattr(obj, "name", name)  # noqa: B010 - a class attribute of a plugin class
    _registered[kind][name] = obj
    return obj


def required_arguments(kind: str, name: str) -> list[str]:
    """Parameters the plugin ``name`` cannot be created without (e.g. a benchmark factory's
    ``path``); empty when ``create(kind, name)`` needs nothing."""
    import inspect

    try:
        sig = inspect.signature(get(kind, name))
    except (TypeError, ValueError):  # a builtin without a signature: assume it needs nothing
        return []
    return [
        p.name
        for p in sig.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]


def create(kind: str, name: str, **kwargs: Any) -> Any:
    """Instantiate the plugin ``name`` with ``kwargs``."""
    obj = get(kind, name)(**kwargs)
    if kind in ("optimizer", "benchmark") and not getattr(obj, "name", ""):
        obj.name = name
    return obj


def load_plugin(spec: str) -> None:
    """Import user code so its ``@register`` decorators run: a ``.py`` file or a module name."""
    path = Path(spec)
    if spec.endswith(".py") or path.is_file():
        if not path.is_file():
            raise PluginError(f"plugin file {spec!r} does not exist")
        mod_name = f"nas_sim_user_plugin_{path.stem}"
        module_spec = importlib.util.spec_from_file_location(mod_name, path)
        if module_spec is None or module_spec.loader is None:
            raise PluginError(f"cannot load plugin file {spec!r}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[mod_name]
            raise PluginError(f"plugin file {spec!r} raised while loading: {exc!r}") from exc
        return
    try:
        importlib.import_module(spec)
    except ImportError as exc:
        raise PluginError(
            f"plugin {spec!r} is neither an existing .py file nor an importable module: {exc}"
        ) from exc
