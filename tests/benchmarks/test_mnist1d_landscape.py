"""Landscape statistics: seed agreement, ICC and the locality of 1-edit neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from nas_sim.benchmarks.offline.mnist1d.landscape import (
    check_targets,
    icc_mean,
    landscape_stats,
    neighbour_pairs,
)
from nas_sim.benchmarks.spaces.nb201 import OPS, NB201Space

SPACE = NB201Space()
C3, C1, NONE = (OPS.index(o) for o in ("nor_conv_3x3", "nor_conv_1x1", "none"))


def _s(arch: tuple[int, ...]) -> str:
    return SPACE.format(SPACE.canonical(arch))


def test_neighbour_pairs_are_one_edit_apart_up_to_isomorphism():
    base = (C3,) * 6
    one = (C1, C3, C3, C3, C3, C3)
    two = (C1, C1, C3, C3, C3, C3)
    cells = [_s(base), _s(one), _s(two)]
    assert neighbour_pairs(cells, SPACE) == [(0, 1), (1, 2)]  # base and two are 2 edits apart
    # an edit that only changes a dead edge leaves the cell isomorphic to itself: no pair
    dead = (C3, C3, C3, NONE, NONE, NONE)  # output disconnected
    dead_edit = (C1, C3, C3, NONE, NONE, NONE)
    assert _s(dead) == _s(dead_edit)
    assert neighbour_pairs([_s(dead)], SPACE) == []


def _records(mean_of, n_cells: int = 120, seed: int = 0, noise: float = 0.002):
    rng = np.random.default_rng(seed)
    unique = SPACE.unique_architectures()
    cells = [unique[i] for i in rng.choice(len(unique), n_cells, replace=False)]
    recs = []
    for a in cells:
        m = mean_of(a)
        for s in (0, 1, 2):
            v = float(m + rng.normal(0, noise))
            recs.append(
                {
                    "arch": SPACE.format(a),
                    "seed": s,
                    "val_accuracy": [v - 0.1, v],
                    "test_accuracy": [v - 0.1, v],
                    "train_accuracy": [v, v],
                }
            )
    return recs


def test_a_smooth_landscape_has_correlated_neighbours_and_reliable_means():
    # accuracy rises with the number of 3x3 convs: most edits change it by one (an edit that
    # disconnects edges changes it by more)
    stats = landscape_stats(_records(lambda a: 0.8 + 0.02 * sum(o == C3 for o in a), 300), 1)
    assert stats["neighbour_pairs"] >= 30
    assert stats["neighbour_pearson_of_means"] > 0.6  # an edit can kill edges: not 1.0
    assert stats["icc_mean_better_half"] > 0.9
    met = check_targets(stats)
    assert met["seed_spearman_all"] and met["icc_mean_better_half"]


def test_a_random_landscape_has_uncorrelated_neighbours():
    rng = np.random.default_rng(5)
    table = {a: rng.uniform(0.8, 0.95) for a in SPACE.unique_architectures()}
    stats = landscape_stats(_records(lambda a: table[a], n_cells=400), 1)
    assert stats["neighbour_pairs"] >= 30
    assert abs(stats["neighbour_pearson_of_means"]) < 0.3


def test_few_neighbour_pairs_give_no_correlation():
    stats = landscape_stats(_records(lambda a: 0.9, n_cells=8), 1)
    assert stats["neighbour_pairs"] < 30 and "neighbour_pearson_of_means" not in stats


def test_icc_of_identical_seeds_is_one():
    values = np.repeat(np.linspace(0.5, 0.9, 10)[:, None], 3, axis=1)
    assert icc_mean(values) == pytest.approx(1.0)
