"""Builders of the NAS-Bench-x11 benchmarks (NB111, NB211, NB311, NLP11) from official data."""

from nas_sim.benchmarks.offline.x11.builder import BuildResult, build_benchmark
from nas_sim.benchmarks.offline.x11.recipes import RECIPES, Recipe

__all__ = ["RECIPES", "BuildResult", "Recipe", "build_benchmark"]
