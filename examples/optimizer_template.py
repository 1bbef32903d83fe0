"""Template for a new nas-sim optimizer: copy this file, rename the class, fill in ask/tell.

Try it without installing anything:

    nas-sim run --plugin examples/optimizer_template.py --optimizer my-greedy-mutation \\
        --param num_init=10 --budget 100x

and check it against the plugin contract:

    python -c "from nas_sim.testing import check_optimizer; \\
        check_optimizer('my-greedy-mutation', 'mnist1d', plugins=['examples/optimizer_template.py'])"

To ship it as a package, register the class under the ``nas_sim.optimizers`` entry point (see
``examples/nas_sim_example_plugin/pyproject.toml``) instead of using ``@register``.
"""

from __future__ import annotations

import numpy as np

from nas_sim.optimizer import Optimizer, Problem, Request, Result, check_positive_int
from nas_sim.registry import register
from nas_sim.search_space import Architecture


@register("optimizer", "my-greedy-mutation")
class GreedyMutation(Optimizer):
    """Greedy mutation (a toy, for the template): ``num_init`` random architectures, then always
    train one mutation of the best architecture so far. Cite your paper here."""

    # Set to True only if the optimizer chooses training lengths itself (like Hyperband); the LCE
    # framework then refuses to wrap it.
    multi_fidelity = False

    def __init__(self, num_init: int = 10) -> None:
        # 1. Only store and validate hyperparameters here: errors name the parameter.
        self.num_init = check_positive_int("num_init", num_init)

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        # 2. Called once before the run. Every random choice must come from ``rng``; learned
        #    state lives in attributes ending in "_".
        super().setup(problem, rng)
        self.n_asked_ = 0
        self.best_: tuple[Architecture, float] | None = None

    def ask(self) -> Request | None:
        # 3. Called whenever a worker is free. Return a Request, or None only while a result
        #    you are waiting for is still training (with W > 1 workers).
        space = self.problem.space
        self.n_asked_ += 1
        if self.n_asked_ <= self.num_init or self.best_ is None:
            arch = space.sample(self.rng)
        else:
            arch = space.mutate(self.best_[0], self.rng)
        return Request(arch, to_epoch=self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        # 4. A job finished. ``result.score`` is oriented so larger is better; runs the LCE
        #    framework stopped early come with ``stopped=True`` and a partial ``score``.
        if result.stopped:
            return
        if self.best_ is None or result.score > self.best_[1]:
            self.best_ = (result.arch, result.score)
