"""NAS-Bench-NLP space: compact conversion vectors, NLP11 restriction and encoding, operators."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from nas_sim import registry
from nas_sim.benchmarks.spaces.nlp import (
    NLPSpace,
    RecipeError,
    check_recipe,
    compact_to_recipe,
    recipe_to_compact,
)
from nas_sim.search_space import InvalidArchitectureError

RNN = {
    "f": {"op": "linear", "input": ["x", "h_prev_0"]},
    "h_new_0": {"op": "activation_tanh", "input": ["f"]},
}
WT2 = {
    "node_0": {"op": "linear", "input": ["h_prev_0", "x"]},
    "node_1": {"op": "activation_sigm", "input": ["node_0"]},
    "node_4": {"op": "linear", "input": ["h_prev_0", "x"]},
    "node_5": {"op": "activation_sigm", "input": ["node_4"]},
    "node_6": {"op": "linear", "input": ["node_1", "node_5"]},
    "h_new_0": {"op": "activation_sigm", "input": ["node_6"]},
}


def shared_data() -> Path:
    env = os.environ.get("NAS_SIM_SHARED_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    return root / "nas-bench-nlp-wikitext2"


def test_registered():
    assert isinstance(registry.create("space", "nlp"), NLPSpace)


def test_compact_vectors():
    assert recipe_to_compact(RNN) == (((0, 4), (1, 4), (4, 5)), (0, 0, 0, 0, 6, 2), (5,))
    assert recipe_to_compact(WT2) == (
        ((1, 4), (0, 4), (4, 5), (1, 6), (0, 6), (6, 7), (5, 8), (7, 8), (8, 9)),
        (0, 0, 0, 0, 6, 1, 6, 1, 6, 1),
        (9,),
    )


def test_out_of_order_recipe_is_reordered():
    rec = {
        "h_new_0": {"op": "activation_tanh", "input": ["f"]},
        "f": {"op": "linear", "input": ["x", "h_prev_0"]},
    }
    assert recipe_to_compact(rec) == recipe_to_compact(RNN)


def test_nlp11_encoding_vector():
    space = NLPSpace(max_nodes=12)
    e = space.encode(recipe_to_compact(RNN), "nlp11")
    assert e.shape == (185,)
    assert set(np.flatnonzero(e[:169])) == {4, 17, 64}
    np.testing.assert_array_equal(e[169:182], [0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 2])
    np.testing.assert_array_equal(e[182:], [5, 0, 0])


def test_nlp11_restriction():
    big = {
        f"n{i}": {"op": "activation_tanh", "input": [f"n{i - 1}" if i else "x"]} for i in range(9)
    }
    big["h_new_0"] = {"op": "linear", "input": ["n8", "h_prev_0"]}
    arch = NLPSpace().parse(json.dumps(big))  # 14 nodes: fine in the full space
    with pytest.raises(InvalidArchitectureError, match="at most 12"):
        NLPSpace(max_nodes=12).validate(arch)
    rng = np.random.default_rng(0)
    s12 = NLPSpace(max_nodes=12)
    assert all(len(s12.sample(rng)[1]) <= 12 for _ in range(30))


def test_canonical_ignores_names_order_and_dead_nodes():
    space = NLPSpace()
    renamed = {
        "a": {"op": "linear", "input": ["h_prev_0", "x"]},
        "h_new_0": {"op": "activation_tanh", "input": ["a"]},
        "dead": {"op": "activation_sigm", "input": ["a"]},
    }
    assert space.canonical(space.from_recipe(renamed)) == space.canonical(space.from_recipe(RNN))
    assert space.canonical(space.from_recipe(WT2)) != space.canonical(space.from_recipe(RNN))


def test_operators_and_round_trip():
    space = NLPSpace()
    rng = np.random.default_rng(0)
    for _ in range(100):
        a = space.sample(rng)
        assert space.parse(space.format(a)) == a
        c = space.canonical(a)
        assert space.canonical(c) == c and space.parse(space.format(c)) == c
        space.validate(space.mutate(a, rng))
        for n in space.neighbors(a, rng):
            space.validate(n)
            assert n != a
    assert compact_to_recipe(recipe_to_compact(RNN))["h_new_0"]["op"] == "activation_tanh"


@pytest.mark.parametrize(
    "recipe, message",
    [
        ({"h_new_0": {"op": "conv", "input": ["x"]}}, "unknown op 'conv'"),
        ({"h_new_0": {"op": "blend", "input": ["x", "h_prev_0"]}}, "has 2 inputs; it takes 3"),
        ({"h_new_0": {"op": "activation_tanh", "input": ["y"]}}, "unknown node 'y'"),
        ({"node_1": {"op": "activation_tanh", "input": ["x"]}}, "h_new_0"),
        (
            {
                "h_new_0": {"op": "activation_tanh", "input": ["a"]},
                "a": {"op": "activation_tanh", "input": ["h_new_0"]},
            },
            "cycle",
        ),
    ],
)
def test_bad_recipes(recipe, message):
    with pytest.raises(RecipeError, match=message):
        recipe_to_compact(recipe)


def test_bad_recipe_json():
    with pytest.raises(InvalidArchitectureError, match="not valid recipe JSON"):
        NLPSpace().parse("{node")
    with pytest.raises(RecipeError, match="non-empty"):
        check_recipe({})


def test_real_recipes_parse():
    folder = shared_data()
    if not folder.is_dir():
        pytest.skip("shared NAS-Bench-NLP data not present")
    space = NLPSpace()
    for f in sorted(folder.glob("log_stats_model_*.json"))[:60]:
        recipe = json.loads(json.loads(f.read_text())["recepie"])
        arch = space.from_recipe(recipe, where=f.name)
        assert space.parse(space.format(space.canonical(arch))) == space.canonical(arch)
