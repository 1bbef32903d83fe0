"""The search-space interface every optimizer and LCE method works through.

An architecture is an immutable, hashable value owned by its space (NB201 uses a tuple of six op
indices); `format`/`parse` convert it to and from the space's canonical string.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import ConfigSpace

Architecture = Hashable
#: the architecture type of one space (``SearchSpace[Arch201]``); code that works on any space
#: uses the plain ``SearchSpace``
A = TypeVar("A", bound=Hashable)


class InvalidArchitectureError(ValueError):
    """An architecture (or its string) that does not belong to the search space."""


class SearchSpace(ABC, Generic[A]):
    """A NAS search space.

    Optimizers only ever touch architectures through these methods, so the same optimizer runs on
    every space. Every random choice takes a `numpy.random.Generator` handed down by the caller.
    """

    #: short registry name, e.g. ``"nb201"``
    name: str = ""
    #: encodings accepted by :meth:`encode`
    encodings: tuple[str, ...] = ()
    #: True when :meth:`sample` and :meth:`mutate` draw only ``rng.integers`` with integer bounds
    #: and never check the generator's type: optimizers may then hand them a
    #: :class:`~nas_sim.buffered_integers.BufferedIntegers` (the same numbers, drawn faster)
    draws_bounded_integers_only: bool = False

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> A:
        """Draw one architecture (uniform over the space's representation)."""

    def sample_many(self, rng: np.random.Generator, n: int) -> list[A]:
        """``n`` architectures: exactly what ``n`` successive :meth:`sample` calls with ``rng``
        would return, leaving ``rng`` in the same state. Spaces override it with one vectorised
        draw where numpy's stream allows (random search samples a block at a time)."""
        return [self.sample(rng) for _ in range(n)]

    @abstractmethod
    def mutate(self, arch: A, rng: np.random.Generator) -> A:
        """One random mutation of ``arch`` (the regularized-evolution / BANANAS operator)."""

    @abstractmethod
    def neighbors(self, arch: A, rng: np.random.Generator) -> list[A]:
        """All single-edit neighbours of ``arch``, in random order (the local-search operator)."""

    @abstractmethod
    def encode(self, arch: A, kind: str) -> NDArray[np.float64]:
        """Feature vector of ``arch``; ``kind`` is one of :attr:`encodings`."""

    @abstractmethod
    def parse(self, text: str) -> A:
        """Architecture from its string; raises :class:`InvalidArchitectureError`."""

    @abstractmethod
    def format(self, arch: A) -> str:
        """The canonical string of ``arch`` (inverse of :meth:`parse`)."""

    def canonical(self, arch: A) -> A:
        """The representative of ``arch``'s isomorphism class (identity where none is defined)."""
        return arch

    def validate(self, arch: A) -> None:
        """Raise :class:`InvalidArchitectureError` unless ``arch`` belongs to the space."""
        self.parse(self.format(arch))

    @property
    def size(self) -> int | None:
        """Number of architectures in the representation, or None when unknown/huge."""
        return None

    def encode_batch(self, archs: Sequence[A], kind: str) -> NDArray[np.float64]:
        """Encodings of many architectures, shape ``(len(archs), n_features)``."""
        return np.stack([self.encode(a, kind) for a in archs]) if archs else np.zeros((0, 0))

    def check_encoding(self, kind: str) -> None:
        if kind not in self.encodings:
            raise ValueError(
                f"unknown encoding {kind!r} for space {self.name!r}; choose from: "
                + ", ".join(self.encodings)
            )

    # ------------------------------------------------- optional ConfigSpace view
    # Model-based HPO code (BOHB's KDE, SMAC, ...) works on a ``ConfigSpace.ConfigurationSpace``.
    # Spaces that can be written as a fixed set of categorical/numerical choices implement these
    # three methods; optimizers call them and never branch on the space.
    def to_configspace(self, seed: int | None = None) -> ConfigSpace.ConfigurationSpace:
        """A ``ConfigSpace.ConfigurationSpace`` whose configurations map 1:1 onto architectures.

        Raises NotImplementedError for spaces without such a view.
        """
        raise NotImplementedError(
            f"search space {self.name!r} ({type(self).__name__}) has no ConfigSpace view; "
            "implement to_configspace/to_config/from_config to use it with BOHB"
        )

    def to_config(self, arch: A) -> dict[str, Any]:
        """The configuration (hyperparameter name → value) of ``arch`` in :meth:`to_configspace`."""
        raise NotImplementedError(f"search space {self.name!r} has no ConfigSpace view")

    def from_config(self, config: Mapping[str, Any]) -> A:
        """The architecture of a configuration of :meth:`to_configspace` (inverse of
        :meth:`to_config`); raises :class:`InvalidArchitectureError` on a bad configuration."""
        raise NotImplementedError(f"search space {self.name!r} has no ConfigSpace view")
