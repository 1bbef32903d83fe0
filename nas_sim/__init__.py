"""nas-sim: simulate neural architecture search on benchmarks with full learning curves.

Public names are re-exported here; plugins (optimizers, LCE methods, benchmarks) live in their own
top-level packages and are found through entry points.
"""

from nas_sim.benchmark import Benchmark, BestKnown
from nas_sim.budget import Budget, parse_budget
from nas_sim.learning_curve import METRICS, LearningCurve
from nas_sim.optimizer import Optimizer, Problem, Request, Result
from nas_sim.registry import register
from nas_sim.search_space import Architecture, InvalidArchitectureError, SearchSpace
from nas_sim.simulator import SimulationResult, Simulator

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
