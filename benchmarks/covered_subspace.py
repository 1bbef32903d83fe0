"""The part of a search space a tabular benchmark actually covers.

A table often holds only part of its space (the NAS-Bench-NLP logs a few hundred of ~10^53
architectures; an NB201 table built from an unfinished generator run part of the 6,466 classes,
while the embedded MNIST-1D set holds all of them and gets the full space). Optimizers must then
only propose architectures the table can answer, so the benchmark hands them this wrapper instead
of the full space: sampling is uniform over covered isomorphism classes, mutation retries the space's own
operator until the child is covered, and the neighbourhood keeps only covered neighbours.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from nas_sim.search_space import Architecture, InvalidArchitectureError, SearchSpace

#: how many mutations are tried before falling back to a random covered architecture
MUTATION_TRIES = 64


class CoveredSubspace(SearchSpace):
    """``space`` restricted to the canonical architectures in ``covered``."""

    def __init__(self, space: SearchSpace, covered: Iterable[Architecture]) -> None:
        self.inner = space
        self.name = space.name
        self.encodings = space.encodings
        # sample draws one index with rng.integers; mutate is the inner space's
        self.draws_bounded_integers_only = space.draws_bounded_integers_only
        self._covered = list(dict.fromkeys(space.canonical(a) for a in covered))
        if not self._covered:
            raise ValueError("a covered subspace needs at least one architecture")
        self._covered_set = set(self._covered)
        self._is_covered: dict[Architecture, bool] = {}

    @property
    def size(self) -> int:
        return len(self._covered)

    def is_covered(self, arch: Architecture) -> bool:
        # memoised: mutation retries call this for most proposals, canonical() is the dear part
        hit = self._is_covered.get(arch)
        if hit is None:
            hit = self._is_covered[arch] = self.inner.canonical(arch) in self._covered_set
        return hit

    def sample(self, rng: np.random.Generator) -> Architecture:
        return self._covered[int(rng.integers(len(self._covered)))]

    def sample_many(self, rng: np.random.Generator, n: int) -> list[Architecture]:
        # a block of n indices is the same stream as n scalar draws (see NB201Space.sample_many)
        covered = self._covered
        return [covered[i] for i in rng.integers(len(covered), size=n).tolist()]

    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        for _ in range(MUTATION_TRIES):
            child = self.inner.mutate(arch, rng)
            if self.is_covered(child) and self.inner.canonical(child) != self.inner.canonical(arch):
                return child
        # sparse coverage: no covered child found nearby; a random covered one keeps the run going
        return self.sample(rng)

    def neighbors(self, arch: Architecture, rng: np.random.Generator) -> list[Architecture]:
        return [a for a in self.inner.neighbors(arch, rng) if self.is_covered(a)]

    def encode(self, arch: Architecture, kind: str) -> NDArray[np.float64]:
        return self.inner.encode(arch, kind)

    def encode_batch(self, archs: list[Architecture], kind: str) -> NDArray[np.float64]:  # type: ignore[override]
        return self.inner.encode_batch(archs, kind)

    # The ConfigSpace view is the full space's: a configuration may name an uncovered
    # architecture, which optimizers detect with validate() and repair.
    def to_configspace(self, seed: int | None = None):  # type: ignore[no-untyped-def]
        return self.inner.to_configspace(seed)

    def to_config(self, arch: Architecture) -> dict[str, object]:
        return self.inner.to_config(arch)

    def from_config(self, config) -> Architecture:  # type: ignore[no-untyped-def]
        return self.inner.from_config(config)

    def parse(self, text: str) -> Architecture:
        return self.inner.parse(text)

    def format(self, arch: Architecture) -> str:
        return self.inner.format(arch)

    def canonical(self, arch: Architecture) -> Architecture:
        return self.inner.canonical(arch)

    def validate(self, arch: Architecture) -> None:
        self.inner.validate(arch)
        if not self.is_covered(arch):
            raise InvalidArchitectureError(
                f"architecture {self.inner.format(arch)!r} is not covered by this benchmark "
                f"({len(self._covered)} architectures are)"
            )

    def __getattr__(self, attr: str) -> object:
        # space-specific helpers (e.g. NB201's unique_architectures) stay reachable
        if attr == "inner":
            raise AttributeError(attr)
        return getattr(self.inner, attr)
