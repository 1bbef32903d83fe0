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
