"""The plugin runs nas-sim's optimizer contract suite against itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from nas_sim_example_plugin import TournamentEvolution

from nas_sim.testing import OPTIMIZER_CHECKS


@pytest.fixture(scope="module")
def curves(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic learning-curve set (replace with your own benchmark)."""
    from nas_sim.benchmarks.curve_set import write_curve_set
    from nas_sim.benchmarks.synthetic import synthetic_nb201_set

    path = tmp_path_factory.mktemp("sets") / "curves.parquet"
    write_curve_set(synthetic_nb201_set(n_archs=100, n_seeds=2, max_epochs=8), path)
    return path


@pytest.mark.parametrize("check", OPTIMIZER_CHECKS, ids=lambda c: c.__name__)
def test_contract(check, curves: Path) -> None:  # type: ignore[no-untyped-def]
    check(TournamentEvolution, curves)
