"""The LCE framework: turn any single-fidelity optimizer into a multi-fidelity one by composition."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any

import numpy as np

from nas_sim.lce.method import CurveError, LCEMethod
from nas_sim.optimizer import (
    Optimizer,
    Problem,
    Request,
    Result,
    check_fraction,
    check_positive_int,
)
from nas_sim.search_space import Architecture

RULES = ("mean", "probability")


class LCE(Optimizer):
    """Learning-curve extrapolation around any single-fidelity optimizer (Yan, White, Savani &
    Hutter, "NAS-Bench-x11 and the Power of Learning Curves", NeurIPS 2021, §4, and its
    released code).

    Every full-training request of the inner optimizer becomes a request to train to ``e_few``
    epochs. When that job finishes, ``method`` extrapolates the objective to ``target_epoch``
    (default: the last epoch). With the x11 rule (``rule="mean"``) the candidate is promoted iff
    the predicted value beats the smallest of the top ⌊n·p⌋ labels (all n labels when ⌊n·p⌋ = 0),
    where the labels are the objective at ``target_epoch`` of every fully trained run so far and
    p = ``top_fraction``. Domhan et al.'s rule (``rule="probability"``) promotes iff
    P(y_target beats that threshold) >= ``min_probability``. A promoted run is resumed to the last
    epoch (paying only the new epochs) and the inner optimizer is told its full result; any other
    candidate is told as ``stopped=True`` with ``extrapolated`` = the predicted mean.

    Until ``n_init_full`` runs are fully trained (x11: the initial population of 20), and until a
    method that needs training data has ``method.min_train_size`` examples, candidates are trained
    fully. The method is refitted on every new fully trained run (each method decides how much
    work a refit is; LcSVR re-searches its hyperparameters on a geometric schedule).

    A candidate whose partial curve the method rejects (e.g. NaN after divergence) is stopped and
    told with ``extrapolated=None``.

    ``arch_encoding`` names an encoding of the search space passed to the method as architecture
    features (x11 passed none).
    """

    multi_fidelity = True

    def __init__(
        self,
        optimizer: Optimizer,
        method: LCEMethod | str,
        e_few: int,
        top_fraction: float = 0.5,
        target_epoch: int | None = None,
        n_init_full: int = 20,
        rule: str = "mean",
        min_probability: float = 0.05,
        arch_encoding: str | None = None,
    ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"LCE wraps an Optimizer instance, got {optimizer!r}")
        if optimizer.multi_fidelity:
            raise ValueError(
                f"cannot wrap {optimizer.name or type(optimizer).__name__!r}: it is a "
                "multi-fidelity optimizer (it chooses its own epochs); LCE wraps single-fidelity "
                "optimizers such as rs, rea, ls, bananas"
            )
        if isinstance(method, str):
            from nas_sim import registry

            method = registry.create("lce", method)
        if not isinstance(method, LCEMethod):
            raise TypeError(f"method must be an LCEMethod or a registered name, got {method!r}")
        self.optimizer = optimizer
        self.method = method
        self.e_few = check_positive_int("e_few", e_few)
        self.top_fraction = check_fraction("top_fraction", top_fraction)
        self.target_epoch = (
            None if target_epoch is None else check_positive_int("target_epoch", target_epoch)
        )
        self.n_init_full = check_positive_int("n_init_full", n_init_full)
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; choose from: {', '.join(RULES)}")
        self.rule = rule
        self.min_probability = check_fraction("min_probability", min_probability)
        self.arch_encoding = arch_encoding
        if e_few < method.min_epochs:
            raise ValueError(
                f"e_few={e_few} is too short for LCE method {method.name!r}, which needs at least "
                f"{method.min_epochs} epochs"
            )
        self.name = f"{optimizer.name or type(optimizer).__name__}+{method.name}"

    # ------------------------------------------------------------------ setup
    def setup(self, problem: Problem, rng: np.random.Generator) -> None:
        super().setup(problem, rng)
        e_max = problem.max_epochs
        if self.e_few >= e_max:
            raise ValueError(f"e_few must be < max_epochs ({e_max}), got {self.e_few}")
        target = self.target_epoch or e_max
        if not self.e_few < target <= e_max:
            raise ValueError(
                f"target_epoch must be in ({self.e_few}, {e_max}] (after e_few, at most "
                f"max_epochs), got {target}"
            )
        if self.arch_encoding is not None and self.arch_encoding not in problem.space.encodings:
            raise ValueError(
                f"unknown arch_encoding {self.arch_encoding!r}; the space offers: "
                f"{', '.join(problem.space.encodings)}"
            )
        inner_rng, method_rng = rng.spawn(2)
        self.optimizer.setup(problem, inner_rng)
        self.target_ = target
        self.sign_ = 1.0 if problem.maximize else -1.0
        self.method_rng_ = method_rng
        self.resume_queue_: deque[Request] = deque()
        self.pending_partial_: dict[Architecture, int] = {}
        self.labels_: list[float] = []  # objective at target epoch, oriented: larger is better
        self.train_curves_: list[np.ndarray] = []
        self.train_targets_: list[float] = []
        self.train_features_: list[np.ndarray] = []
        self.fitted_n_ = 0
        self.n_partial_ = 0
        self.n_promoted_ = 0
        self.n_stopped_ = 0
        self.n_rejected_ = 0

    # -------------------------------------------------------------------- ask
    def _ready(self) -> bool:
        n = len(self.labels_)
        if n < self.n_init_full:
            return False
        m = self.method
        return not m.needs_training_data or self.fitted_n_ >= max(m.min_train_size, 1)

    def ask(self) -> Request | None:
        if self.resume_queue_:
            return self.resume_queue_.popleft()
        req = self.optimizer.ask()
        if req is None or req.resume is not None or req.to_epoch != self.problem.max_epochs:
            return req  # not a full training: the inner optimizer knows what it wants
        if not self._ready():
            return req
        self.pending_partial_[req.arch] = self.pending_partial_.get(req.arch, 0) + 1
        self.n_partial_ += 1
        return Request(req.arch, self.e_few)

    # ------------------------------------------------------------------- tell
    def tell(self, result: Result) -> None:
        arch = result.arch
        if result.epochs == self.e_few and self.pending_partial_.get(arch, 0) > 0:
            self.pending_partial_[arch] -= 1
            if not self.pending_partial_[arch]:
                del self.pending_partial_[arch]
            self._decide(result)
            return
        if result.epochs == self.problem.max_epochs:
            self._learn(result)
        self.optimizer.tell(result)

    def _features(self, arch: Architecture) -> np.ndarray | None:
        if self.arch_encoding is None:
            return None
        return np.asarray(self.problem.space.encode(arch, self.arch_encoding), dtype=np.float64)

    def _learn(self, result: Result) -> None:
        obj = self.problem.objective
        curve = np.asarray(result.curve[obj], dtype=np.float64)
        value = float(curve[self.target_ - 1])
        if not np.isfinite(value):
            return  # a diverged run teaches nothing about the target
        self.labels_.append(self.sign_ * value)
        partial = curve[: self.e_few]
        if not np.isfinite(partial).all():
            return
        self.train_curves_.append(partial)
        self.train_targets_.append(value)
        feats = self._features(result.arch)
        if feats is not None:
            self.train_features_.append(feats)
        m = self.method
        if len(self.train_targets_) >= max(m.min_train_size, 2):
            m.fit(
                np.stack(self.train_curves_),
                np.asarray(self.train_targets_),
                np.stack(self.train_features_) if self.train_features_ else None,
                target_epoch=self.target_,
                metric=obj,
                rng=self.method_rng_,
            )
            self.fitted_n_ = len(self.train_targets_)

    def threshold(self) -> float:
        """The x11 promotion threshold (oriented: larger is better)."""
        labels = np.sort(np.asarray(self.labels_))[::-1]
        m = int(np.floor(len(labels) * self.top_fraction))
        return float(labels[:m].min() if m > 0 else labels.min())

    def _decide(self, result: Result) -> None:
        obj = self.problem.objective
        partial = np.asarray(result.curve[obj], dtype=np.float64)[None, : self.e_few]
        feats = self._features(result.arch)
        try:
            pred = self.method.predict(
                partial,
                self.target_,
                None if feats is None else feats[None],
                metric=obj,
                rng=self.method_rng_,
            )
        except CurveError:
            self.n_rejected_ += 1
            self.n_stopped_ += 1
            self.optimizer.tell(replace(result, stopped=True, extrapolated=None))
            return
        mean = float(pred.mean[0])
        thr = self.threshold()
        if self.rule == "mean":
            promote = self.sign_ * mean > thr
        else:
            p_gt = float(pred.prob_greater(self.sign_ * thr)[0])
            p_beat = p_gt if self.sign_ > 0 else 1.0 - p_gt
            promote = p_beat >= self.min_probability
        if promote:
            self.n_promoted_ += 1
            self.resume_queue_.append(
                Request(result.arch, self.problem.max_epochs, resume=result.run_id)
            )
        else:
            self.n_stopped_ += 1
            self.optimizer.tell(replace(result, stopped=True, extrapolated=mean))

    # ------------------------------------------------------------ bookkeeping
    def modeled_cost_s(self, operation: str) -> float:
        extra = self.method.modeled_cost_s(1) if operation == "tell" else 0.0
        return self.optimizer.modeled_cost_s(operation) + extra

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer.name or type(self.optimizer).__name__,
            "optimizer_hyperparameters": self.optimizer.hyperparameters(),
            "lce": self.method.name,
            "lce_hyperparameters": self.method.hyperparameters(),
            "e_few": self.e_few,
            "top_fraction": self.top_fraction,
            "target_epoch": self.target_epoch,
            "n_init_full": self.n_init_full,
            "rule": self.rule,
            "min_probability": self.min_probability,
            "arch_encoding": self.arch_encoding,
        }
