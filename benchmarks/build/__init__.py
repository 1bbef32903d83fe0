"""Builders of the NAS-Bench-x11 benchmarks (NB111, NB211, NB311, NLP11) from official data."""

from benchmarks.build.builder import BuildResult, build_benchmark
from benchmarks.build.recipes import RECIPES, Recipe

__all__ = ["RECIPES", "BuildResult", "Recipe", "build_benchmark"]
