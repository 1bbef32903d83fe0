"""DARTS space: genotype round trips, the NB301 56-value vector, operators and encodings."""

from __future__ import annotations

import numpy as np
import pytest

from nas_sim import registry
from nas_sim.benchmarks.spaces.darts import (
    NB301_VECTOR_NAMES,
    PATHS_PER_INPUT,
    PREFIX,
    SIZE,
    DartsSpace,
    check_config,
    configspace,
    from_config,
    from_genotype,
    nb301_vector,
    to_config,
)
from nas_sim.search_space import InvalidArchitectureError

NORMAL = [
    ("sep_conv_3x3", 0),
    ("sep_conv_5x5", 1),
    ("skip_connect", 1),
    ("max_pool_3x3", 2),
    ("sep_conv_3x3", 0),
    ("dil_conv_5x5", 1),
    ("sep_conv_5x5", 2),
    ("dil_conv_5x5", 4),
]
REDUCE = [
    ("dil_conv_5x5", 0),
    ("skip_connect", 1),
    ("avg_pool_3x3", 0),
    ("sep_conv_5x5", 1),
    ("avg_pool_3x3", 0),
    ("max_pool_3x3", 2),
    ("sep_conv_3x3", 1),
    ("max_pool_3x3", 3),
]
README = from_genotype(NORMAL, REDUCE)

# the NAS-Bench-301 README genotype
EXPECTED_VECTOR = [
    0.586345,
    0,
    0,
    0,
    0.166664,
    0.310000,
    0,
    0,
    0,
    0,
    3,
    4,
    6,
    2,
    0.00315,
    2,
    0,
    8,
    0,
    1,
    5,
    0.00075,
    0,
    0,
    -3.688879,
    0.898876,
    -8.111728,
    0.00995,
    1e-12,
    0,
    0,
    0.705128,
    -1,
    4,
    -1,
    6,
    -1,
    2,
    0,
    3,
    6,
    -1,
    -1,
    -1,
    3,
    -1,
    0,
    -1,
    1,
    4,
    -1,
    1,
    -1,
    0,
    -1,
    -1,
]


@pytest.fixture
def space():
    return DartsSpace()


def test_registered_and_size():
    assert isinstance(registry.create("space", "darts"), DartsSpace)
    assert SIZE == (180 * 7**8) ** 2


def test_nb301_vector_matches_upstream_vector():
    v = nb301_vector(README)
    assert v.shape == (56,) and len(NB301_VECTOR_NAMES) == 56
    np.testing.assert_allclose(v, EXPECTED_VECTOR, atol=2e-6)
    assert NB301_VECTOR_NAMES[32] == PREFIX + "edge_normal_10"
    assert NB301_VECTOR_NAMES[36] == PREFIX + "edge_normal_2"


def test_config_dict_matches_upstream_example():
    c = {k[len(PREFIX) :]: v for k, v in to_config(README).items()}
    assert c == {
        "edge_normal_0": "sep_conv_3x3",
        "edge_normal_1": "sep_conv_5x5",
        "edge_normal_3": "skip_connect",
        "edge_normal_4": "max_pool_3x3",
        "edge_normal_5": "sep_conv_3x3",
        "edge_normal_6": "dil_conv_5x5",
        "edge_normal_11": "sep_conv_5x5",
        "edge_normal_13": "dil_conv_5x5",
        "inputs_node_normal_3": "1_2",
        "inputs_node_normal_4": "0_1",
        "inputs_node_normal_5": "2_4",
        "edge_reduce_0": "dil_conv_5x5",
        "edge_reduce_1": "skip_connect",
        "edge_reduce_2": "avg_pool_3x3",
        "edge_reduce_3": "sep_conv_5x5",
        "edge_reduce_5": "avg_pool_3x3",
        "edge_reduce_7": "max_pool_3x3",
        "edge_reduce_10": "sep_conv_3x3",
        "edge_reduce_12": "max_pool_3x3",
        "inputs_node_reduce_3": "0_1",
        "inputs_node_reduce_4": "0_2",
        "inputs_node_reduce_5": "1_3",
    }


def test_configspace_accepts_configs_and_orders_differently_from_0_4():
    assert check_config(to_config(README)) == README
    # ConfigSpace >= 1.0 puts all unconditional names first too, but its vector values differ
    # (no ±0.49999 integer widening, constants = 1): we compute the 0.4.x vector ourselves.
    keys = list(configspace().keys())
    assert set(keys) == {
        n for n in NB301_VECTOR_NAMES if n.startswith(PREFIX + "edge") or "inputs_node" in n
    }


def test_genotype_round_trips(space):
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = space.sample(rng)
        assert space.parse(space.format(a)) == a
        assert from_config(to_config(a)) == space.canonical(a)
        assert space.canonical(space.canonical(a)) == space.canonical(a)
    text = space.format(README)
    assert text.startswith("Genotype(normal=[('sep_conv_3x3', 0)")
    # concat lists are ignored, as every upstream converter does
    assert (
        space.parse(text.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=[4, 5, 6]")) == README
    )


def test_operators(space):
    rng = np.random.default_rng(1)
    for _ in range(100):
        a = space.sample(rng)
        child = space.mutate(a, rng)
        space.validate(child)
        assert child != a
        diffs = sum(p != q for c1, c2 in zip(a, child) for p, q in zip(c1, c2))
        assert diffs == 1
        nbs = space.neighbors(a, rng)
        assert len(nbs) == 120 and len(set(nbs)) == 120
        for n in nbs[:10]:
            space.validate(n)


def test_encodings(space):
    assert space.encode(README, "adjacency_naslib").shape == (114,)
    adj = space.encode(README, "adjacency_one_hot")
    assert adj.shape == (210,) and adj.sum() == 2 * (8 + 4 + 8)
    assert space.encode(README, "categorical").shape == (32,)
    full, quirk = space.encode(README, "path"), space.encode(README, "path_naslib")
    assert full.shape == quirk.shape == (4 * PATHS_PER_INPUT,) == (11_204,)
    # NASLib's loop skips each cell's last pair; every quirk path is also a full path
    assert (quirk <= full).all() and quirk.sum() < full.sum()
    # normal cell, pair 0: sep_conv_3x3 (3) from c_{k-2}: index 3 + 1
    assert full[4] == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("Genotype(normal=[('conv_9x9', 0)], reduce=[])", "unknown DARTS op 'conv_9x9'"),
        ("normal only", "no 'normal="),
    ],
)
def test_bad_genotypes(space, text, message):
    with pytest.raises(InvalidArchitectureError, match=message):
        space.parse(text)


def test_bad_archs_and_configs(space):
    bad = list(map(list, README))
    bad[0][0] = (1, 3)  # node 2 takes input 1 twice
    with pytest.raises(InvalidArchitectureError, match="twice"):
        space.validate((tuple(bad[0]), README[1]))
    bad = list(README[0])
    bad[0] = (2, 3)  # node 2 cannot read node 2
    with pytest.raises(InvalidArchitectureError, match="valid inputs are 0..1"):
        space.validate((tuple(bad), README[1]))
    config = to_config(README)
    del config[PREFIX + "edge_normal_13"]
    with pytest.raises(InvalidArchitectureError, match="1 active edges for normal node 5"):
        from_config(config)
