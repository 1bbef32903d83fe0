"""Random search, the baseline every NAS method must beat (Li & Talwalkar 2019)."""

from __future__ import annotations

from nas_sim.optimizer import Optimizer, Request, Result


class RandomSearch(Optimizer):
    """Random search (Li & Talwalkar, "Random Search and Reproducibility for NAS", UAI 2019).

    Samples architectures from the space and trains each to ``max_epochs``.
    """

    def ask(self) -> Request:
        return Request(self.problem.space.sample(self.rng), self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        pass  # random search learns nothing
