"""A user optimizer in 20 lines: `nas-sim run --plugin examples/my_optimizer.py --optimizer greedy`."""

from nas_sim import Optimizer, Request, Result, register


@register("optimizer", "greedy")
class GreedyMutation(Optimizer):
    """Mutate the best architecture seen so far; start from 10 random ones."""

    def setup(self, problem, rng):
        super().setup(problem, rng)
        self.best_ = None  # (score, arch)
        self.seen_ = 0

    def ask(self):
        space = self.problem.space
        if self.seen_ < 10 or self.best_ is None:
            return Request(space.sample(self.rng), self.problem.max_epochs)
        return Request(space.mutate(self.best_[1], self.rng), self.problem.max_epochs)

    def tell(self, result: Result):
        self.seen_ += 1
        if self.best_ is None or result.score > self.best_[0]:
            self.best_ = (result.score, result.arch)
