"""The built-in optimizers, one module per paper: ``from nas_sim.optimizers import RegularizedEvolution``.

Classes are imported on first access, so importing this package does not pull in torch (BANANAS)
or hpbandster (BOHB). Each is registered under the ``nas_sim.optimizers`` entry-point group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nas_sim.lazy import lazy_exports

if TYPE_CHECKING:
    from nas_sim.optimizers.asha import ASHA
    from nas_sim.optimizers.bananas import BANANAS
    from nas_sim.optimizers.bohb import BOHB
    from nas_sim.optimizers.hyperband import Hyperband
    from nas_sim.optimizers.local_search import LocalSearch
    from nas_sim.optimizers.random_search import RandomSearch
    from nas_sim.optimizers.regularized_evolution import RegularizedEvolution

__all__ = [
    "ASHA",
    "BANANAS",
    "BOHB",
    "Hyperband",
    "LocalSearch",
    "RandomSearch",
    "RegularizedEvolution",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "ASHA": "asha",
        "BANANAS": "bananas",
        "BOHB": "bohb",
        "Hyperband": "hyperband",
        "LocalSearch": "local_search",
        "RandomSearch": "random_search",
        "RegularizedEvolution": "regularized_evolution",
    },
)
