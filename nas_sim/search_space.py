"""The search-space interface every optimizer and LCE method works through.

An architecture is an immutable, hashable value owned by its space (NB201 uses a tuple of six op
indices); `format`/`parse` convert it to and from the space's canonical string.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import NDArray

Architecture = Hashable


class InvalidArchitectureError(ValueError):
    """An architecture (or its string) that does not belong to the search space."""


class SearchSpace(ABC):
    """A NAS search space.

    Optimizers only ever touch architectures through these methods, so the same optimizer runs on
    every space. Every random choice takes a `numpy.random.Generator` handed down by the caller.
    """

    #: short registry name, e.g. ``"nb201"``
    name: str = ""
    #: encodings accepted by :meth:`encode`
    encodings: tuple[str, ...] = ()

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Architecture:
        """Draw one architecture (uniform over the space's representation)."""

    @abstractmethod
    def mutate(self, arch: Architecture, rng: np.random.Generator) -> Architecture:
        """One random mutation of ``arch`` (the regularized-evolution / BANANAS operator)."""

    @abstractmethod
    def neighbors(self, arch: Architecture, rng: np.random.Generator) -> list[Architecture]:
        """All single-edit neighbours of ``arch``, in random order (the local-search operator)."""

    @abstractmethod
    def encode(self, arch: Architecture, kind: str) -> NDArray[np.float64]:
        """Feature vector of ``arch``; ``kind`` is one of :attr:`encodings`."""

    @abstractmethod
    def parse(self, text: str) -> Architecture:
        """Architecture from its string; raises :class:`InvalidArchitectureError`."""

    @abstractmethod
    def format(self, arch: Architecture) -> str:
        """The canonical string of ``arch`` (inverse of :meth:`parse`)."""

    def canonical(self, arch: Architecture) -> Architecture:
        """The representative of ``arch``'s isomorphism class (identity where none is defined)."""
        return arch

    def validate(self, arch: Architecture) -> None:
        """Raise :class:`InvalidArchitectureError` unless ``arch`` belongs to the space."""
        self.parse(self.format(arch))

    @property
    def size(self) -> int | None:
        """Number of architectures in the representation, or None when unknown/huge."""
        return None

    def encode_batch(self, archs: Sequence[Architecture], kind: str) -> NDArray[np.float64]:
        """Encodings of many architectures, shape ``(len(archs), n_features)``."""
        return np.stack([self.encode(a, kind) for a in archs]) if archs else np.zeros((0, 0))

    def check_encoding(self, kind: str) -> None:
        if kind not in self.encodings:
            raise ValueError(
                f"unknown encoding {kind!r} for space {self.name!r}; choose from: "
                + ", ".join(self.encodings)
            )
