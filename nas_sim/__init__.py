"""nas-sim: simulate neural architecture search on benchmarks with full learning curves.

Public names are re-exported here; plugins (optimizers, LCE methods, benchmarks) live in their own
top-level packages and are found through entry points.
"""

from typing import TYPE_CHECKING

from nas_sim.lazy import lazy_exports

if TYPE_CHECKING:  # the same names, eagerly, for type checkers
    from nas_sim.benchmark import Benchmark, BestKnown
    from nas_sim.budget import Budget, parse_budget
    from nas_sim.learning_curve import METRICS, LearningCurve
    from nas_sim.optimizer import Optimizer, Problem, Request, Result
    from nas_sim.registry import register
    from nas_sim.search_space import Architecture, InvalidArchitectureError, SearchSpace
    from nas_sim.simulator import SimulationResult, Simulator

# Imported on first use (PEP 562): ``nas-sim --help`` and the plugin registry need none of these,
# and importing them pulls in numpy (a third of the CLI's start-up).
_EXPORTS = {
    "Benchmark": "benchmark",
    "BestKnown": "benchmark",
    "Budget": "budget",
    "parse_budget": "budget",
    "METRICS": "learning_curve",
    "LearningCurve": "learning_curve",
    "Optimizer": "optimizer",
    "Problem": "optimizer",
    "Request": "optimizer",
    "Result": "optimizer",
    "register": "registry",
    "Architecture": "search_space",
    "InvalidArchitectureError": "search_space",
    "SearchSpace": "search_space",
    "SimulationResult": "simulator",
    "Simulator": "simulator",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__version__ = "0.1.0"

__all__ = [
    "METRICS",
    "Architecture",
    "Benchmark",
    "BestKnown",
    "Budget",
    "InvalidArchitectureError",
    "LearningCurve",
    "Optimizer",
    "Problem",
    "Request",
    "Result",
    "SearchSpace",
    "SimulationResult",
    "Simulator",
    "parse_budget",
    "register",
]
