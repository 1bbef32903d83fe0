"""Random search, the baseline every NAS method must beat (Li & Talwalkar 2019)."""

from __future__ import annotations

import numpy as np

from nas_sim.optimizer import Optimizer, Problem, Request, Result
from nas_sim.search_space import Architecture

#: most architectures drawn per block: random search uses its generator for nothing else, so
#: drawing ahead (``SearchSpace.sample_many``) yields the same sequence as one draw per ask. Blocks
#: start at 8 and double, so short runs on spaces that sample slowly draw little in vain.
BLOCK = 256


class RandomSearch(Optimizer):
    """Random search (Li & Talwalkar, "Random Search and Reproducibility for NAS", UAI 2019).

    Samples architectures from the space and trains each to ``max_epochs``.
    """

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        super().setup(problem, rng)
        self.pending_: list[Architecture] = []
        self.block_ = 8

    def ask(self) -> Request:
        pending = self.pending_
        if not pending:
            pending.extend(reversed(self.problem.space.sample_many(self.rng, self.block_)))
            self.block_ = min(BLOCK, 2 * self.block_)
        return Request(pending.pop(), self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        pass  # random search learns nothing
