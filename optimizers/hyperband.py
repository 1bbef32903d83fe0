"""Hyperband: successive halving over brackets of epochs (Li et al. 2018), and its asynchronous
variant (Li et al. 2020)."""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from nas_sim.optimizer import Optimizer, Problem, Request, Result, check_positive_int
from nas_sim.optimizers._unseen import sample_unseen
from nas_sim.search_space import Architecture

#: guards floor(log(...)) against round-off (x11 uses the same epsilon)
_EPS = 1e-6


@dataclass(frozen=True)
class BracketPlan:
    """One Hyperband bracket: ``sizes[i]`` configurations are trained to ``epochs[i]`` at rung i.

    s : the bracket's early-stopping rate (``s_max`` is the most aggressive bracket).
    """

    s: int
    sizes: tuple[int, ...]
    epochs: tuple[int, ...]


def default_min_epochs(max_epochs: int, eta: float) -> int:
    """``max(1, floor(E_max / eta^3))``: four brackets (``s_max = 3``) for any E_max >= eta^3, as
    NAS-Bench-x11's NB201 setting had (rungs 18/56/170/200 there; 7/22/67/200 here for E_max
    200 and eta 3, 2/6/17/50 for E_max 50)."""
    return max(1, int(max_epochs // eta**3))


def hyperband_brackets(max_epochs: int, eta: float, min_epochs: int) -> list[BracketPlan]:
    """The brackets of Hyperband (Li et al. 2018, Algorithm 1), most aggressive first.

    ``s_max = floor(log_eta(E_max / min_epochs))``; bracket ``s`` starts
    ``n = ceil((s_max + 1) eta^s / (s + 1))`` configurations and keeps ``floor(n / eta^i)`` at rung
    i, trained to ``round(E_max eta^(i - s))`` epochs (at least 1).
    """
    if not 1 <= min_epochs <= max_epochs:
        raise ValueError(f"min_epochs must be in [1, max_epochs={max_epochs}], got {min_epochs!r}")
    s_max = int(math.floor(math.log(max_epochs / min_epochs) / math.log(eta) + _EPS))
    plans = []
    for s in range(s_max, -1, -1):
        n = int(math.ceil((s_max + 1) * eta**s / (s + 1) - _EPS))
        sizes = tuple(max(1, int(n / eta**i + _EPS)) for i in range(s + 1))
        epochs = tuple(max(1, int(round(max_epochs * eta ** (i - s)))) for i in range(s + 1))
        if any(b <= a for a, b in zip(epochs, epochs[1:])):
            raise ValueError(
                f"eta={eta} and min_epochs={min_epochs} give rungs with equal epochs {epochs} for "
                f"max_epochs={max_epochs}; use a larger eta or min_epochs"
            )
        plans.append(BracketPlan(s=s, sizes=sizes, epochs=epochs))
    return plans


@dataclass(eq=False)
class _Trial:
    """One configuration inside a bracket; ``run_id`` is its latest run (None until told)."""

    arch: Architecture
    run_id: int | None = None
    epochs: int = 0
    score: float = -math.inf
    promotable: bool = True
    seq: int = 0  # arrival order, breaks ties between equal scores
    tid: int = 0  # creation order, identifies the trial across its runs


@dataclass(eq=False)
class _Bracket:
    plan: BracketPlan
    rung: int = 0
    to_sample: int = 0  # rung-0 configurations still to draw
    queue: deque[_Trial] = field(default_factory=deque)  # promotions waiting for a worker
    expected: int = 0  # jobs of the current rung
    done: list[_Trial] = field(default_factory=list)  # told jobs of the current rung
    # asynchronous brackets: per rung, snapshots (-score, seq, trial, promotable) of told jobs
    # kept sorted best first, and the ids of trials already promoted from it
    rungs: list[list[tuple[float, int, _Trial, bool]]] = field(default_factory=list)
    promoted: list[set[int]] = field(default_factory=list)
    # per rung, a heap of (-score, seq, tid) of the promotable snapshots not yet promoted: the
    # best of them is the only one a promotion can pick, found without scanning the rung's top
    candidates: list[list[tuple[float, int, int]]] = field(default_factory=list)


class Hyperband(Optimizer):
    """Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar, "Hyperband: A Novel
    Bandit-Based Approach to Hyperparameter Optimization", JMLR 2018).

    Brackets over epochs (:func:`hyperband_brackets`, derived from the problem's ``max_epochs``),
    run from most to least aggressive and repeated until the budget ends. In a bracket, each rung
    trains its configurations to the rung's epochs; when a rung is complete, the best
    ``1/eta`` are promoted. A promotion **resumes** the same run (``Request(arch, to_epoch,
    resume=run_id)``) and pays only the new epochs; ``resume=False`` retrains from scratch as
    NAS-Bench-x11 did. Rung-0 configurations are random (avoiding classes already asked for).

    Parameters
    ----------
    eta : the halving rate, > 1 (3 as in x11's NB201/NB101/DARTS settings).
    min_epochs : epochs of the smallest rung; default :func:`default_min_epochs`
        (``max(1, E_max // eta**3)``, four brackets).
    n_brackets : use only the ``n_brackets`` most aggressive brackets (default: all).
    resume : continue promoted runs (True) or retrain them from scratch (False, x11).
    asynchronous : asynchronous successive halving (Li et al., "A System for Massively Parallel
        Hyperparameter Tuning", MLSys 2020): no rung ever waits; whenever a worker is free, the
        best not-yet-promoted configuration in the top ``1/eta`` of the highest possible rung is
        promoted, otherwise a new configuration starts at rung 0. New configurations go to the
        brackets in turn (asynchronous Hyperband). Meant for ``W > 1`` workers.

    With ``W > 1`` workers and ``asynchronous=False``, a worker that finds the current bracket
    waiting for its rung to complete starts the next bracket (as hpbandster does), so workers
    never idle. Runs stopped by someone else (``Result.stopped``) are never promoted.
    """

    multi_fidelity = True

    def __init__(
        self,
        eta: float = 3,
        min_epochs: int | None = None,
        n_brackets: int | None = None,
        resume: bool = True,
        asynchronous: bool = False,
    ) -> None:
        if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not eta > 1:
            raise ValueError(f"eta must be a number > 1, got {eta!r}")
        self.eta = eta
        self.min_epochs = (
            None if min_epochs is None else check_positive_int("min_epochs", min_epochs)
        )
        self.n_brackets = (
            None if n_brackets is None else check_positive_int("n_brackets", n_brackets)
        )
        if not isinstance(resume, bool):
            raise ValueError(f"resume must be true or false, got {resume!r}")
        self.resume = resume
        if not isinstance(asynchronous, bool):
            raise ValueError(f"asynchronous must be true or false, got {asynchronous!r}")
        self.asynchronous = asynchronous

    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        super().setup(problem, rng)
        e_max = problem.max_epochs
        min_epochs = self.min_epochs or default_min_epochs(e_max, self.eta)
        if min_epochs > e_max:
            raise ValueError(f"min_epochs={min_epochs} exceeds the problem's max_epochs={e_max}")
        plans = hyperband_brackets(e_max, self.eta, min_epochs)
        self.plans_ = plans[: self.n_brackets] if self.n_brackets else plans
        self.seen_: set[Architecture] = set()
        self.n_started_ = 0  # brackets started (synchronous) / new configurations (asynchronous)
        self.active_: list[_Bracket] = []
        self.n_told_ = 0
        self.n_trials_ = 0
        # jobs in flight: resumed runs by run id, new runs by canonical architecture (FIFO)
        self.pending_resume_: dict[int, tuple[_Bracket, _Trial]] = {}
        self.pending_new_: dict[Architecture, list[tuple[int, _Bracket, _Trial]]] = {}
        if self.asynchronous:
            self.active_ = [self._new_async_bracket(p) for p in self.plans_]

    # ------------------------------------------------------------- hooks
    def _sample_new(self, epochs: int) -> Architecture:
        """A new configuration for a rung trained to ``epochs`` (BOHB overrides this)."""
        return sample_unseen(self.problem.space, self.rng, self.seen_)

    def _observe(self, result: Result) -> None:
        """Every told result, before bracket bookkeeping (BOHB feeds its model here)."""

    # --------------------------------------------------------------- ask
    def ask(self) -> Request:
        if self.asynchronous:
            return self._ask_async()
        for bracket in self.active_:
            req = self._next_in_bracket(bracket)
            if req is not None:
                return req
        plan = self.plans_[self.n_started_ % len(self.plans_)]
        self.n_started_ += 1
        bracket = _Bracket(plan=plan, to_sample=plan.sizes[0], expected=plan.sizes[0])
        self.active_.append(bracket)
        req = self._next_in_bracket(bracket)
        assert req is not None  # a fresh bracket always has a configuration to sample
        return req

    def _next_in_bracket(self, bracket: _Bracket) -> Request | None:
        epochs = bracket.plan.epochs[bracket.rung]
        if bracket.queue:
            return self._promote(bracket, bracket.queue.popleft(), epochs)
        if bracket.to_sample > 0:
            bracket.to_sample -= 1
            return self._start(bracket, epochs)
        return None

    def _start(self, bracket: _Bracket, epochs: int) -> Request:
        arch = self._sample_new(epochs)
        key = self.problem.space.canonical(arch)
        self.seen_.add(key)
        trial = _Trial(arch=arch, tid=self.n_trials_)
        self.n_trials_ += 1
        self.pending_new_.setdefault(key, []).append((epochs, bracket, trial))
        return Request(arch, epochs)

    def _promote(self, bracket: _Bracket, trial: _Trial, epochs: int) -> Request:
        if self.resume and trial.run_id is not None and trial.epochs < epochs:
            self.pending_resume_[trial.run_id] = (bracket, trial)
            return Request(trial.arch, epochs, resume=trial.run_id)
        key = self.problem.space.canonical(trial.arch)
        self.pending_new_.setdefault(key, []).append((epochs, bracket, trial))
        return Request(trial.arch, epochs)

    # -------------------------------------------------------------- tell
    def tell(self, result: Result) -> None:
        self._observe(result)
        entry = self.pending_resume_.pop(result.run_id, None)
        if entry is None:
            waiting = self.pending_new_.get(self.problem.space.canonical(result.arch))
            if not waiting:
                return  # not a job of ours (nothing to book)
            # the oldest request of this architecture for these epochs, else the oldest one
            # (a run stopped early by someone else reports fewer epochs than it asked for)
            pos = next((i for i, w in enumerate(waiting) if w[0] == result.epochs), 0)
            entry = waiting.pop(pos)[1:]
        bracket, trial = entry
        trial.run_id, trial.epochs, trial.score = result.run_id, result.epochs, result.score
        trial.promotable = trial.promotable and not result.stopped
        trial.seq = self.n_told_
        self.n_told_ += 1
        if self.asynchronous:
            self._tell_async(bracket, trial)
        else:
            self._tell_sync(bracket, trial)

    def _tell_sync(self, bracket: _Bracket, trial: _Trial) -> None:
        bracket.done.append(trial)
        if len(bracket.done) < bracket.expected:
            return
        # the rung is complete: promote its best 1/eta (by the plan's rung sizes)
        plan = bracket.plan
        if bracket.rung + 1 >= len(plan.sizes):
            self.active_.remove(bracket)
            return
        ranked = sorted((t for t in bracket.done if t.promotable), key=lambda t: (-t.score, t.seq))
        chosen = ranked[: plan.sizes[bracket.rung + 1]]
        if not chosen:
            self.active_.remove(bracket)
            return
        bracket.rung += 1
        bracket.queue = deque(chosen)
        bracket.expected = len(chosen)
        bracket.done = []

    # ------------------------------------------------------- asynchronous
    def _new_async_bracket(self, plan: BracketPlan) -> _Bracket:
        n = len(plan.epochs)
        return _Bracket(
            plan=plan,
            rungs=[[] for _ in range(n)],
            promoted=[set() for _ in range(n)],
            candidates=[[] for _ in range(n)],
        )

    def _ask_async(self) -> Request:
        for bracket in self.active_:
            found = self._async_promotion(bracket)
            if found is not None:
                trial, rung = found
                return self._promote(bracket, trial, bracket.plan.epochs[rung])
        bracket = self.active_[self.n_started_ % len(self.active_)]
        self.n_started_ += 1
        return self._start(bracket, bracket.plan.epochs[0])

    def _async_promotion(self, bracket: _Bracket) -> tuple[_Trial, int] | None:
        """ASHA's get_job: the highest rung with a promotable configuration in its top 1/eta.

        That configuration is the best promotable, not yet promoted snapshot of the rung, if its
        rank among all of the rung's snapshots is below ``k``: the heap of candidates gives it in
        O(log n) and a bisection its rank, where scanning the top ``k`` (mostly promoted already)
        made a run quadratic in its number of jobs. The choices are the scan's, exactly.
        """
        for rung in range(len(bracket.rungs) - 2, -1, -1):
            told = bracket.rungs[rung]
            k = int(len(told) / self.eta + _EPS)
            if k == 0:
                continue
            heap, promoted = bracket.candidates[rung], bracket.promoted[rung]
            while heap and heap[0][2] in promoted:
                heapq.heappop(heap)  # another snapshot of a trial promoted already
            if not heap:
                continue
            neg_score, seq, tid = heap[0]
            position = bisect.bisect_left(told, (neg_score, seq))
            if position < k:
                heapq.heappop(heap)
                promoted.add(tid)
                return told[position][2], rung + 1
        return None

    def _tell_async(self, bracket: _Bracket, trial: _Trial) -> None:
        epochs = bracket.plan.epochs
        if trial.epochs in epochs:
            rung = epochs.index(trial.epochs)
        else:  # stopped short of its rung by someone else: recorded, never promoted
            rung = max([i for i, e in enumerate(epochs) if e <= trial.epochs], default=0)
            trial.promotable = False
        # a snapshot per rung reached: ranking at rung i uses the score at rung i's epochs
        # seq is unique, so the sort never compares trials
        bisect.insort(bracket.rungs[rung], (-trial.score, trial.seq, trial, trial.promotable))
        if trial.promotable:
            heapq.heappush(bracket.candidates[rung], (-trial.score, trial.seq, trial.tid))
