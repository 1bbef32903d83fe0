"""Random architectures that avoid isomorphism classes an optimizer already asked for."""

from __future__ import annotations

from collections.abc import Container

import numpy as np

from nas_sim.search_space import Architecture, SearchSpace

#: random draws tried before accepting an architecture seen before (small spaces run out)
UNSEEN_TRIES = 32


def sample_unseen(
    space: SearchSpace,
    rng: np.random.Generator,
    seen: Container[Architecture],
    tries: int = UNSEEN_TRIES,
) -> Architecture:
    """A random architecture whose canonical form is not in ``seen``, if one turns up within
    ``tries`` draws; otherwise the last draw."""
    arch = space.sample(rng)
    for _ in range(tries - 1):
        if space.canonical(arch) not in seen:
            break
        arch = space.sample(rng)
    return arch
