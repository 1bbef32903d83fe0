"""NB201 space against NASLib's and NAS-Bench-201's published test vectors."""

from __future__ import annotations

import numpy as np
import pytest

from nas_sim.benchmarks.spaces.nb201 import (
    NB201Space,
    from_naslib,
    path_indices,
    to_naslib,
    unique_string,
)
from nas_sim.search_space import InvalidArchitectureError

SPACE = NB201Space()
INDEX0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
VECTOR = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def test_naslib_conversions_match_spec() -> None:
    assert SPACE.format(from_naslib((2, 2, 3, 4, 3, 2))) == VECTOR
    assert SPACE.format(from_naslib((4, 3, 3, 0, 0, 0))) == INDEX0
    assert to_naslib(SPACE.parse(VECTOR)) == (2, 2, 3, 4, 3, 2)
    for arch in SPACE.all_architectures()[::97]:
        assert from_naslib(to_naslib(arch)) == arch
        assert SPACE.parse(SPACE.format(arch)) == arch


def test_path_encoding_naslib_quirk_vector_and_true_paths() -> None:
    arch = from_naslib((2, 2, 3, 4, 3, 2))
    assert path_indices(arch, naslib_quirk=True) == [4, 22, 17, 97]
    # true paths: 0→3 (conv1x1=3), 0→1→3 (22), 0→2→3 (17), 0→1→2→3 (30+2+5·4+25·2)
    assert path_indices(arch) == [3, 22, 17, 102]
    v = SPACE.encode(arch, "path_naslib")
    assert v.shape == (155,) and set(np.flatnonzero(v)) == {4, 22, 17, 97}


def test_nb211_alphabetical_encoding_vector() -> None:
    assert SPACE.encode(SPACE.parse(VECTOR), "nb211").tolist() == [2, 2, 0, 1, 1, 2]


def test_path_encoding_drops_paths_through_none() -> None:
    all_none = (0,) * 6
    assert path_indices(all_none) == []
    assert len(path_indices(all_none, naslib_quirk=True)) == 4


def test_adjacency_one_hot() -> None:
    v = SPACE.encode(from_naslib((2, 2, 3, 4, 3, 2)), "adjacency_one_hot")
    assert v.shape == (30,)
    assert list(np.flatnonzero(v)) == [2, 7, 13, 19, 23, 27]


def test_counts_15625_and_6466() -> None:
    assert SPACE.size == 15_625 == len(SPACE.all_architectures())
    assert len(SPACE.unique_architectures()) == 6_466
    assert len({unique_string(a) for a in SPACE.all_architectures()}) == 6_466


def test_canonical_is_invariant_under_isomorphism() -> None:
    # skip on 0→1 then conv on 1→3 equals conv on 0→3 directly, other paths dead
    a = SPACE.parse("|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|")
    b = SPACE.parse("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    assert SPACE.canonical(a) == SPACE.canonical(b)
    assert SPACE.canonical(SPACE.canonical(a)) == SPACE.canonical(a)
    c = SPACE.parse(VECTOR)
    assert SPACE.canonical(c) != SPACE.canonical(a)


def test_mutation_always_differs_and_neighbourhood_has_24() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = SPACE.sample(rng)
        child = SPACE.mutate(a, rng)
        assert child != a and sum(x != y for x, y in zip(a, child)) == 1
    nbrs = SPACE.neighbors(a, rng)
    assert len(nbrs) == 24 == len(set(nbrs)) and a not in nbrs


def test_sampling_is_seeded() -> None:
    a = [SPACE.sample(np.random.default_rng(1)) for _ in range(3)]
    assert a[0] == a[1] == a[2]


@pytest.mark.parametrize(
    "text, message",
    [
        ("|nor_conv_3x3~0|", "expected 3 .+.-separated"),
        ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown NB201 op 'conv'"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "expected 'op~0'"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "has 1 inputs, expected 2"),
    ],
)
def test_malformed_strings(text: str, message: str) -> None:
    with pytest.raises(InvalidArchitectureError, match=message):
        SPACE.parse(text)


def test_bad_arch_values_and_encoding_names() -> None:
    with pytest.raises(InvalidArchitectureError):
        SPACE.format((0, 1, 2))
    with pytest.raises(InvalidArchitectureError):
        from_naslib((5, 0, 0, 0, 0, 0))
    with pytest.raises(ValueError, match="unknown encoding 'adj'"):
        SPACE.encode((0,) * 6, "adj")


@pytest.mark.parametrize("seed", [0, 1, 17])
def test_sample_many_is_the_stream_of_single_samples(seed: int) -> None:
    # random search draws blocks; its runs must equal one draw per ask, and a block must leave
    # the generator where the single draws would (mixed with other draws and odd sizes too)
    one, block = np.random.default_rng(seed), np.random.default_rng(seed)
    singles = [SPACE.sample(one) for _ in range(37)]
    assert SPACE.sample_many(block, 37) == singles
    assert one.integers(1000, size=5).tolist() == block.integers(1000, size=5).tolist()
    assert [SPACE.sample(one) for _ in range(3)] == SPACE.sample_many(block, 3)


def test_canonical_lookup_agrees_with_the_class_table() -> None:
    reps, table = SPACE._canonical_table
    for i, arch in enumerate(SPACE.all_architectures()[::7]):
        assert SPACE.canonical(arch) == reps[table[7 * i]]
    numpy_arch = tuple(np.int64(o) for o in (1, 2, 3, 4, 0, 1))
    assert SPACE.canonical(numpy_arch) == SPACE.canonical((1, 2, 3, 4, 0, 1))
