"""BufferedIntegers returns exactly numpy's bounded integers and hands the generator back exactly."""

from __future__ import annotations

import numpy as np
import pytest

from nas_sim.buffered_integers import BLOCK_WORDS, BufferedIntegers


def _bounds(rng: np.random.Generator, k: int) -> list[int]:
    # small bounds (tournaments, edges, ops), bounds with many rejections, and the extremes
    out = [int(rng.integers(1, 40)) for _ in range(k)]
    out += [int(rng.integers(1, 2**32)) for _ in range(k // 4)]
    out += [1, 2, 2**31 + 1, 2**32 - 1, 2**32]
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_the_same_integers_as_numpy_in_the_same_order(seed):
    direct, buffered = np.random.default_rng(seed), BufferedIntegers(np.random.default_rng(seed))
    plan = np.random.default_rng(seed + 1000)
    # enough draws to cross several refills
    for n in _bounds(plan, 4 * BLOCK_WORDS):
        if plan.random() < 0.3:
            want = direct.integers(3, 3 + n, size=5).tolist()
            got = buffered.integers(3, 3 + n, size=5).tolist()
        else:
            want, got = int(direct.integers(n)), buffered.integers(n)
        assert got == want, n


# 20 and 10: a tournament; 3 * 2**30 rejects about a quarter of its draws, 2**31 + 1 half
@pytest.mark.parametrize("n", [20, 10, 3 * 2**30, 2**31 + 1])
@pytest.mark.parametrize("odd_start", [False, True])
def test_repeated_bounds_served_from_the_table_are_numpys(n, odd_start):
    """below_many with the bound of its previous call slices a per-block table: the same draws
    as numpy's, across refills, rejections and the single draws interleaved with it."""
    direct, wrapped = np.random.default_rng(11), np.random.default_rng(11)
    if odd_start:  # the block then starts with the generator's stored upper half
        direct.integers(10, size=1)
        wrapped.integers(10, size=1)
    buffered = BufferedIntegers(wrapped)
    plan = np.random.default_rng(12)
    for _ in range(3 * BLOCK_WORDS // 5):
        k = int(plan.integers(1, 12))
        assert buffered.below_many(n, k) == direct.integers(n, size=k).tolist()
        if plan.random() < 0.3:  # a mutation's draws between two tournaments
            assert buffered.below(6) == int(direct.integers(6))
    buffered.release()
    assert wrapped.bit_generator.state == direct.bit_generator.state


@pytest.mark.parametrize("odd_start", [False, True])
@pytest.mark.parametrize("draws", [0, 1, 2, 3, 2 * BLOCK_WORDS - 1, 2 * BLOCK_WORDS + 3])
def test_release_leaves_the_generator_where_direct_calls_would(draws, odd_start):
    direct, wrapped = np.random.default_rng(7), np.random.default_rng(7)
    if odd_start:  # a pending upper half in the generator's state when buffering starts
        direct.integers(10, size=3)
        wrapped.integers(10, size=3)
    buffered = BufferedIntegers(wrapped)
    for _ in range(draws):
        assert buffered.integers(20) == int(direct.integers(20))
    # any other method releases the buffer first: the streams stay equal from there on
    assert buffered.random(4).tolist() == direct.random(4).tolist()
    assert buffered.integers(20, size=6).tolist() == direct.integers(20, size=6).tolist()
    assert wrapped.bit_generator.state == direct.bit_generator.state


def test_calls_numpy_does_not_bound_by_32_bits_go_to_the_generator():
    direct, buffered = np.random.default_rng(3), BufferedIntegers(np.random.default_rng(3))
    assert buffered.integers(5) == int(direct.integers(5))
    assert buffered.integers(2**40) == direct.integers(2**40)
    assert buffered.integers(0, 5, endpoint=True) == direct.integers(0, 5, endpoint=True)
    assert buffered.integers(9) == int(direct.integers(9))


def test_another_bit_generator_is_used_directly():
    direct = np.random.Generator(np.random.MT19937(5))
    buffered = BufferedIntegers(np.random.Generator(np.random.MT19937(5)))
    assert [buffered.integers(17) for _ in range(50)] == direct.integers(17, size=50).tolist()


@pytest.mark.parametrize("pre", [0, 1, 3])
@pytest.mark.parametrize(
    "draws", [0, 1, 2, 5, 2 * BLOCK_WORDS, 2 * BLOCK_WORDS + 2, 4 * BLOCK_WORDS]
)
def test_the_state_after_release_is_the_direct_state_field_for_field(pre, draws):
    # including PCG64's stale stored half, which later draws ignore but the state shows
    direct, wrapped = np.random.default_rng(11), np.random.default_rng(11)
    for g in (direct, wrapped):
        for _ in range(pre):
            g.integers(7)
    buffered = BufferedIntegers(wrapped)
    for _ in range(draws):
        assert buffered.integers(2) == direct.integers(2)
    buffered.release()
    assert wrapped.bit_generator.state == direct.bit_generator.state


def test_arguments_numpy_refuses_or_treats_otherwise_go_to_numpy():
    direct, buffered = np.random.default_rng(4), BufferedIntegers(np.random.default_rng(4))
    for n, k in [(0, 3), (5, -1)]:
        with pytest.raises(ValueError):
            direct.integers(n, size=k)
        with pytest.raises(ValueError):
            buffered.below_many(n, k)
    for lo, hi in [(2**63 - 3, 2**63 + 2), (-(2**63) - 2, -(2**63) + 1)]:
        with pytest.raises(ValueError):
            BufferedIntegers(np.random.default_rng(4)).integers(lo, hi)
    # numpy integer bounds are served as ints (no int64 overflow in the products)
    direct, buffered = np.random.default_rng(4), BufferedIntegers(np.random.default_rng(4))
    want = direct.integers(np.int64(2**32), size=3).tolist()
    assert BufferedIntegers(np.random.default_rng(4)).below_many(np.int64(2**32), 3) == want
    assert buffered.integers(0, np.uint64(2**32), 3).tolist() == want
    # dtype and endpoint, by keyword or position, as numpy takes them
    direct, buffered = np.random.default_rng(6), BufferedIntegers(np.random.default_rng(6))
    assert (
        buffered.integers(0, 5, 3, np.int32).tolist() == direct.integers(0, 5, 3, np.int32).tolist()
    )


def test_copies_and_pickles_continue_the_same_stream():
    import copy
    import pickle

    direct, buffered = np.random.default_rng(9), BufferedIntegers(np.random.default_rng(9))
    for _ in range(5):
        assert buffered.integers(13) == direct.integers(13)
    for clone in (
        copy.copy(buffered),
        copy.deepcopy(buffered),
        pickle.loads(pickle.dumps(buffered)),
    ):
        twin = copy.deepcopy(direct)
        assert [clone.integers(13) for _ in range(9)] == twin.integers(13, size=9).tolist()
    with pytest.raises(AttributeError):
        BufferedIntegers.__new__(BufferedIntegers).anything  # noqa: B018
