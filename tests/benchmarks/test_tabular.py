"""Tabular benchmark over a learning-curve set."""

from __future__ import annotations

import numpy as np
import pytest

from nas_sim.benchmarks.covered_subspace import CoveredSubspace
from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.benchmarks.tabular import TabularBenchmark
from nas_sim.search_space import InvalidArchitectureError


def test_run_seed_picks_a_stored_seed_deterministically(synthetic_benchmark) -> None:  # type: ignore[no-untyped-def]
    b = synthetic_benchmark
    arch = b.space.sample(np.random.default_rng(0))
    rows = b.rows_of(arch)
    assert len(rows) == 2
    c0, c1, c2 = (b.curve(arch, s) for s in (0, 1, 2))
    assert not np.array_equal(c0["val_accuracy"], c1["val_accuracy"])
    np.testing.assert_array_equal(c0["val_accuracy"], c2["val_accuracy"])
    cs = b.curve_set
    np.testing.assert_array_equal(c1["val_accuracy"], cs.metrics["val_accuracy"][rows[1]])


def test_isomorphic_strings_share_curves(synthetic_benchmark) -> None:  # type: ignore[no-untyped-def]
    b = synthetic_benchmark
    inner = b.space.inner
    # find a covered class with more than one member string
    for arch in inner.all_architectures():
        canon = inner.canonical(arch)
        if arch != canon and b.space.is_covered(arch):
            np.testing.assert_array_equal(
                b.curve(arch, 0)["val_accuracy"], b.curve(canon, 0)["val_accuracy"]
            )
            return
    pytest.fail("no isomorphic pair found")


def test_absent_architecture_is_a_clear_error(synthetic_benchmark) -> None:  # type: ignore[no-untyped-def]
    b = synthetic_benchmark
    missing = next(a for a in b.space.inner.unique_architectures() if not b.space.is_covered(a))
    with pytest.raises(InvalidArchitectureError, match="is not in the tabular benchmark"):
        b.curve(missing, 0)


def test_partial_table_gives_a_covered_subspace(synthetic_benchmark) -> None:  # type: ignore[no-untyped-def]
    space = synthetic_benchmark.space
    assert isinstance(space, CoveredSubspace) and space.size == 200
    rng = np.random.default_rng(1)
    for _ in range(50):
        a = space.sample(rng)
        assert space.is_covered(a) and space.is_covered(space.mutate(a, rng))
        assert all(space.is_covered(n) for n in space.neighbors(a, rng))


def test_complete_table_uses_the_full_space() -> None:
    b = TabularBenchmark(synthetic_nb201_set(n_archs=None, n_seeds=1, max_epochs=3))
    assert not isinstance(b.space, CoveredSubspace) and b.space.size == 15_625


def test_best_known_and_expected_final(synthetic_benchmark) -> None:  # type: ignore[no-untyped-def]
    b = synthetic_benchmark
    best = b.best_known
    arch = b.space.parse(best.arch)
    val, test = b.expected_final(arch)
    assert (val, test) == (best.val, best.test)
    cs = b.curve_set
    rows = b.rows_of(arch)
    assert test == pytest.approx(cs.metrics["test_accuracy"][rows, -1].mean())
    tests = [b.expected_final(a)[1] for a in b._rows]
    assert best.test == max(tests)
    assert b.mean_full_training_time_s > 0
    info = b.describe()
    assert info["architectures"] == 200 and info["seeds_per_architecture"] == {"2": 200}


def test_covered_sample_many_is_the_stream_of_single_samples(synthetic_benchmark) -> None:  # type: ignore[no-untyped-def]
    space = synthetic_benchmark.space
    assert isinstance(space, CoveredSubspace)
    one, block = np.random.default_rng(3), np.random.default_rng(3)
    assert space.sample_many(block, 40) == [space.sample(one) for _ in range(40)]
    assert one.integers(1000) == block.integers(1000)
