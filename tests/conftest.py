"""Shared fixtures: synthetic learning-curve sets written once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nas_sim.benchmarks.curve_set import write_curve_set
from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.benchmarks.tabular import TabularBenchmark


@pytest.fixture(scope="session")
def synthetic_set_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 200-architecture, 2-seed, 12-epoch NB201 set on disk."""
    path = tmp_path_factory.mktemp("sets") / "synthetic.parquet"
    write_curve_set(synthetic_nb201_set(n_archs=200, n_seeds=2, max_epochs=12), path)
    return path


@pytest.fixture(scope="session")
def synthetic_benchmark(synthetic_set_path: Path) -> TabularBenchmark:
    return TabularBenchmark.from_path(synthetic_set_path, name="synthetic")
