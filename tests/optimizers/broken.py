"""A deliberately broken optimizer for the contract tests: it ignores its generator."""

from __future__ import annotations

import random

from nas_sim.optimizer import Optimizer, Request, Result


class GlobalRandomSearch(Optimizer):
    """Random search drawing from Python's global RNG (breaks seeding rules on purpose)."""

    def ask(self) -> Request:
        space = self.problem.space
        # a random walk of mutations from a fixed start, driven by the global RNG
        arch = space.sample(__import__("numpy").random.default_rng(random.randrange(2**32)))
        return Request(arch, self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        pass
