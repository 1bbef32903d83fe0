"""Tournament-selection evolution without aging (Goldberg & Deb 1991 selection)."""

from __future__ import annotations

import numpy as np

from nas_sim.optimizer import Optimizer, Problem, Request, Result, check_positive_int
from nas_sim.search_space import Architecture


class TournamentEvolution(Optimizer):
    """Steady-state evolution with tournament selection (Goldberg & Deb, "A Comparative
    Analysis of Selection Schemes Used in Genetic Algorithms", 1991).

    ``population_size`` random architectures first; then each request mutates the winner of a
    tournament of ``tournament_size`` members drawn without replacement, and a finished child
    replaces the population's worst member if it is better (no aging, unlike REA).
    """

    def __init__(self, population_size: int = 20, tournament_size: int = 5) -> None:
        self.population_size = check_positive_int("population_size", population_size)
        self.tournament_size = check_positive_int("tournament_size", tournament_size)
        if self.tournament_size > self.population_size:
            raise ValueError(
                f"tournament_size ({tournament_size}) must be <= population_size "
                f"({population_size})"
            )

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        super().setup(problem, rng)
        self.population_: list[tuple[Architecture, float]] = []
        self.n_asked_ = 0

    def ask(self) -> Request:
        space, pop = self.problem.space, self.population_
        self.n_asked_ += 1
        if self.n_asked_ <= self.population_size or len(pop) < self.tournament_size:
            return Request(space.sample(self.rng), self.problem.max_epochs)
        picks = self.rng.choice(len(pop), size=self.tournament_size, replace=False)
        parent = max((pop[i] for i in picks), key=lambda m: m[1])[0]
        return Request(space.mutate(parent, self.rng), self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        if result.stopped:
            return
        member = (result.arch, result.score)
        if len(self.population_) < self.population_size:
            self.population_.append(member)
            return
        worst = min(range(len(self.population_)), key=lambda i: self.population_[i][1])
        if result.score > self.population_[worst][1]:
            self.population_[worst] = member
