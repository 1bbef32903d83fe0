"""Shared fixtures for the LCE tests: synthetic curves and a small tabular benchmark."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.benchmarks.tabular import TabularBenchmark


def shared_data() -> Path:
    env = os.environ.get("NAS_SIM_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def saturating(n: int, e_max: int, seed: int = 0, noise: float = 0.005) -> np.ndarray:
    """Accuracy curves 'final * (1 - a * x^-alpha)' with small noise, shape (n, e_max)."""
    rng = np.random.default_rng(seed)
    x = np.arange(1, e_max + 1)
    final = rng.uniform(0.6, 0.95, n)[:, None]
    a = rng.uniform(0.3, 0.6, n)[:, None]
    alpha = rng.uniform(0.5, 1.2, n)[:, None]
    y = final * (1 - a * x ** (-alpha)) + rng.normal(0, noise, (n, e_max))
    return np.clip(y, 0, 1)


@pytest.fixture(scope="session")
def small_bench() -> TabularBenchmark:
    return TabularBenchmark(synthetic_nb201_set(n_archs=80, n_seeds=1, max_epochs=12), name="syn")
