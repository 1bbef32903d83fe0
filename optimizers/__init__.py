"""The built-in optimizers, one module per paper: ``from nas_sim.optimizers import RegularizedEvolution``.

Every class registered under the ``nas_sim.optimizers`` entry points from this package is
importable from here by its class name, found through the entry points on first access: adding an
optimizer needs no edit of this file, and importing the package does not pull in torch (BANANAS)
or hpbandster (BOHB).
"""

from __future__ import annotations

from importlib.metadata import entry_points

from nas_sim.lazy import lazy_exports


def _built_in_classes() -> dict[str, str]:
    """``{class name: module}`` of this package's registered optimizers."""
    prefix = f"{__name__}."
    out = {}
    for ep in entry_points(group="nas_sim.optimizers"):
        module, _, attr = ep.value.partition(":")
        if module.startswith(prefix) and attr:
            out[attr] = module.removeprefix(prefix)
    return out


_CLASSES = _built_in_classes()
__all__ = sorted(_CLASSES)
__getattr__ = lazy_exports(__name__, _CLASSES)
