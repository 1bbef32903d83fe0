"""Local search over the space's neighbourhood, with random restarts (White et al. 2020)."""

from __future__ import annotations

from collections import deque

import numpy as np

from nas_sim.optimizer import Optimizer, Problem, Request, Result, check_positive_int
from nas_sim.optimizers._unseen import sample_unseen
from nas_sim.search_space import Architecture

IMPROVEMENTS: tuple[str, ...] = ("best", "first")


class LocalSearch(Optimizer):
    """Local search (White, Nolen, Savani, "Exploring the Loss Landscape in Neural Architecture
    Search", UAI 2021; arXiv 2005.02960, 2020).

    The first ``num_init`` requests are random architectures, fully trained; the best of them
    becomes the centre. Each later request trains one neighbour of the centre
    (``space.neighbors``), skipping architectures whose isomorphism class was already evaluated.

    ``improvement`` chooses when to move:

    - ``"best"`` (best-improvement, the NAS-Bench-x11 / NASLib default): the whole neighbourhood is
      evaluated, then the search moves to the best architecture seen in this climb if it beats the
      centre.
    - ``"first"`` (first-improvement): the search moves as soon as a neighbour beats the centre,
      dropping the rest of the neighbourhood.

    At a local optimum (no neighbour beats the centre), and whenever the neighbourhood is empty
    (sparse tabular benchmarks cover few neighbours, and already-evaluated ones are skipped), the
    search restarts from a random architecture, preferably one not evaluated before; it is fully
    trained and becomes the new centre.

    Runs the LCE framework stopped early never become the centre (x11: only promoted
    neighbours can become the best). With ``W > 1`` workers neighbours are handed out while others
    train; under best-improvement the move waits until every neighbour of the centre has been
    told (``ask`` returns None meanwhile), so the walk is the same as with one worker.
    """

    def __init__(self, num_init: int = 20, improvement: str = "best") -> None:
        self.num_init = check_positive_int("num_init", num_init)
        if improvement not in IMPROVEMENTS:
            raise ValueError(
                f"improvement must be one of {', '.join(IMPROVEMENTS)}, got {improvement!r}"
            )
        self.improvement = improvement

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        super().setup(problem, rng)
        self.n_asked_ = 0
        self.seen_: set[Architecture] = set()  # canonical forms asked so far
        # why each asked architecture was asked: canonical form → FIFO of (purpose, generation)
        self.tags_: dict[Architecture, deque[tuple[str, int]]] = {}
        self.center_: tuple[Architecture, float] | None = None
        self.best_: tuple[Architecture, float] | None = None  # best of the current climb
        self.neighbors_: deque[Architecture] = deque()
        self.generation_ = 0  # bumped whenever a neighbourhood is opened
        self.init_pending_ = 0  # initial architectures still training
        self.outstanding_ = 0  # neighbours of the current centre still training
        self.restarting_ = False  # a restart architecture is training

    # ----------------------------------------------------------------- ask
    def ask(self) -> Request | None:
        if self.n_asked_ < self.num_init:
            self.init_pending_ += 1
            return self._request(sample_unseen(self.problem.space, self.rng, self.seen_), "init")
        if self.neighbors_:
            self.outstanding_ += 1
            return self._request(self.neighbors_.popleft(), "neighbor")
        if self.outstanding_ or self.restarting_ or self.init_pending_:
            return None  # the next move depends on results still training
        best, center = self.best_, self.center_
        if best is not None and (center is None or best[1] > center[1]):
            self._open_neighborhood(best)
            if self.neighbors_:
                self.outstanding_ += 1
                return self._request(self.neighbors_.popleft(), "neighbor")
        # a local optimum, or an empty neighbourhood: restart from a random architecture
        self.center_ = self.best_ = None
        self.restarting_ = True
        return self._request(sample_unseen(self.problem.space, self.rng, self.seen_), "restart")

    def _request(self, arch: Architecture, purpose: str) -> Request:
        self.n_asked_ += 1
        key = self.problem.space.canonical(arch)
        self.seen_.add(key)
        self.tags_.setdefault(key, deque()).append((purpose, self.generation_))
        return Request(arch, self.problem.max_epochs)

    def _open_neighborhood(self, center: tuple[Architecture, float]) -> None:
        self.center_ = center
        self.generation_ += 1
        self.outstanding_ = 0  # neighbours of an earlier centre no longer hold the move back
        space = self.problem.space
        fresh, classes = [], set()
        for n in space.neighbors(center[0], self.rng):
            c = space.canonical(n)
            if c not in self.seen_ and c not in classes:
                classes.add(c)
                fresh.append(n)
        self.neighbors_ = deque(fresh)

    # ---------------------------------------------------------------- tell
    def tell(self, result: Result) -> None:
        key = self.problem.space.canonical(result.arch)
        tags = self.tags_.get(key)
        purpose, generation = tags.popleft() if tags else ("unknown", -1)
        if tags is not None and not tags:
            del self.tags_[key]
        if purpose == "init":
            self.init_pending_ -= 1
        elif purpose == "neighbor" and generation == self.generation_:
            self.outstanding_ -= 1
        elif purpose == "restart":
            self.restarting_ = False
        if result.stopped:
            return  # a partial value never becomes a centre
        member = (result.arch, result.score)
        if self.best_ is None or result.score > self.best_[1]:
            self.best_ = member
        if purpose == "restart":
            self._open_neighborhood(member)
        elif (
            self.improvement == "first"
            and purpose == "neighbor"
            and self.center_ is not None
            and result.score > self.center_[1]
        ):
            self._open_neighborhood(member)
