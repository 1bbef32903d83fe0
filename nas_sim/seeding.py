"""Seed derivation: every random choice flows from the run's seed.

Generators come from ``numpy.random.SeedSequence`` children. Per-run training seeds use
:func:`mix`, a SplitMix64 hash, because the simulator derives one for every run it starts and a
SeedSequence per run would dominate the cost of a tabular lookup.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_MASK = (1 << 64) - 1
_START = 0x9E3779B97F4A7C15


def _round(h: int, v: int) -> int:
    z = (h + (int(v) & _MASK) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return (z ^ (z >> 31)) & _MASK


def mix(*values: int) -> int:
    """A 63-bit hash of integers (SplitMix64 finaliser), stable across processes and platforms."""
    h = _START
    for v in values:
        h = _round(h, v)
    return h >> 1


def mixer(*prefix: int) -> Callable[[int], int]:
    """``mixer(*prefix)(v) == mix(*prefix, v)``, with the prefix hashed once: the simulator derives
    a training seed from ``(seed, run_id)`` for every run it starts."""
    h = _START
    for p in prefix:
        h = _round(h, p)

    def mixed(v: int) -> int:
        return _round(h, v) >> 1

    return mixed


def generators(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` independent generators derived from ``seed``."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]
