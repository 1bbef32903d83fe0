from __future__ import annotations

import json

import numpy as np
import pytest

from nas_sim.lce.baselines import LastValue
from nas_sim.lce.framework import LCE
from nas_sim.lce.lcsvr import LcSVR
from nas_sim.lce.method import CurveError, LCEMethod, Prediction
from nas_sim.optimizer import Optimizer, Problem, Request, Result
from nas_sim.optimizers.random_search import RandomSearch
from nas_sim.optimizers.regularized_evolution import RegularizedEvolution
from nas_sim.simulator import Simulator


class Recorder(Optimizer):
    """A single-fidelity optimizer that samples randomly and records what it is told."""

    def setup(self, problem, rng):  # type: ignore[no-untyped-def]
        super().setup(problem, rng)
        self.told_: list[Result] = []

    def ask(self) -> Request:
        return Request(self.problem.space.sample(self.rng), self.problem.max_epochs)

    def tell(self, result: Result) -> None:
        self.told_.append(result)


class Shift(LCEMethod):
    """Predicts last value + shift (deterministic, for testing the promotion rule)."""

    name = "shift"

    def __init__(self, shift: float = 0.0, fail: bool = False) -> None:
        self.shift = shift
        self.fail = fail

    def predict(
        self, partial_curves, target_epoch, arch_features=None, *, metric="val_accuracy", rng=None
    ):  # type: ignore[no-untyped-def]
        if self.fail:
            raise CurveError("refused")
        c = np.asarray(partial_curves)
        return Prediction(mean=c[:, -1] + self.shift, std=np.full(len(c), 0.01))


def _run(bench, opt, seed=0, workers=1, max_jobs=120):
    return Simulator(bench, opt, budget=1e9, n_workers=workers, seed=seed, max_jobs=max_jobs).run()


def test_refuses_multi_fidelity_optimizers():
    class HB(RandomSearch):
        name = "hb"
        multi_fidelity = True

    with pytest.raises(ValueError, match="multi-fidelity"):
        LCE(HB(), LastValue(), e_few=3)


def test_parameter_errors(small_bench):
    with pytest.raises(ValueError, match="top_fraction"):
        LCE(RandomSearch(), LastValue(), e_few=3, top_fraction=1.5)
    with pytest.raises(ValueError, match="rule"):
        LCE(RandomSearch(), LastValue(), e_few=3, rule="median")
    with pytest.raises(ValueError, match="too short"):
        LCE(RandomSearch(), LcSVR(), e_few=2)
    with pytest.raises(ValueError, match="e_few must be <"):
        _run(small_bench, LCE(RandomSearch(), LastValue(), e_few=12))
    with pytest.raises(ValueError, match="target_epoch"):
        _run(small_bench, LCE(RandomSearch(), LastValue(), e_few=4, target_epoch=3))


def test_pessimistic_method_stops_everything_after_the_initial_phase(small_bench):
    inner = Recorder()
    opt = LCE(inner, Shift(-1.0), e_few=4, n_init_full=5)
    res = _run(small_bench, opt, max_jobs=40)
    full = [r for r in inner.told_ if not r.stopped]
    stopped = [r for r in inner.told_ if r.stopped]
    assert len(full) == 5 and len(stopped) == 35
    assert all(r.epochs == 4 and r.extrapolated == pytest.approx(r.value - 1.0) for r in stopped)
    assert res.summary.epochs_trained == 5 * 12 + 35 * 4


def test_optimistic_method_promotes_and_resume_pays_only_new_epochs(small_bench):
    inner = Recorder()
    opt = LCE(inner, Shift(+1.0), e_few=4, n_init_full=3)
    res = _run(small_bench, opt, max_jobs=23)  # 3 full + 10 × (partial + resume)
    assert opt.n_promoted_ == 10 and opt.n_stopped_ == 0
    assert all(r.epochs == 12 and not r.stopped for r in inner.told_)
    assert res.summary.epochs_trained == 13 * 12  # resumes add 8 epochs each, never 12
    assert res.summary.runs == 13


def test_x11_threshold_is_min_of_top_floor_np():
    opt = LCE(Recorder(), Shift(), e_few=2, top_fraction=0.5)
    opt.labels_ = [0.1, 0.9, 0.5, 0.7, 0.3]
    assert opt.threshold() == 0.7  # floor(5*0.5)=2 → top {0.9, 0.7}
    opt.labels_ = [0.4]
    assert opt.threshold() == 0.4  # floor(0.5)=0 → all labels


def test_refused_curves_are_stopped_without_extrapolation(small_bench):
    inner = Recorder()
    opt = LCE(inner, Shift(fail=True), e_few=4, n_init_full=2)
    _run(small_bench, opt, max_jobs=10)
    stopped = [r for r in inner.told_ if r.stopped]
    assert len(stopped) == 8 and all(r.extrapolated is None for r in stopped)
    assert opt.n_rejected_ == 8


def test_lcsvr_waits_for_training_data(small_bench):
    opt = LCE(Recorder(), LcSVR(n_configs=3, min_train_size=12), e_few=4, n_init_full=5)
    _run(small_bench, opt, max_jobs=30)
    assert opt.fitted_n_ >= 12
    # nothing was stopped before 12 full trainings
    told = opt.optimizer.told_
    first_stop = next((i for i, r in enumerate(told) if r.stopped), len(told))
    assert sum(not r.stopped for r in told[:first_stop]) >= 12


@pytest.mark.parametrize("workers", [1, 3])
def test_rea_with_lce_is_reproducible(small_bench, workers):
    def make():
        return LCE(
            RegularizedEvolution(population_size=10, sample_size=5),
            LastValue(),
            e_few=4,
            top_fraction=0.5,
            n_init_full=10,
        )

    a = _run(small_bench, make(), seed=3, workers=workers, max_jobs=80)
    b = _run(small_bench, make(), seed=3, workers=workers, max_jobs=80)
    assert a.trajectory.as_dict() == b.trajectory.as_dict()
    assert a.summary.full_trainings < a.summary.jobs  # some candidates were stopped
    json.dumps(a.config)  # hyperparameters are JSON-able


def test_probability_rule(small_bench):
    # P(beat threshold) under N(last-0.02, 0.01): small but not zero for close candidates
    lax = LCE(
        Recorder(), Shift(-0.02), e_few=4, n_init_full=5, rule="probability", min_probability=1e-6
    )
    strict = LCE(
        Recorder(), Shift(-0.02), e_few=4, n_init_full=5, rule="probability", min_probability=0.99
    )
    _run(small_bench, lax, max_jobs=60)
    _run(small_bench, strict, max_jobs=60)
    assert lax.n_promoted_ > strict.n_promoted_


def test_make_optimizer_composes_through_the_registered_wrapper():
    from nas_sim import api, registry

    assert registry.get("wrapper", "lce") is LCE
    opt = api.make_optimizer("rs", lce="last", e_few=3, wrapper_options={"top_fraction": 0.2})
    assert isinstance(opt, LCE) and opt.name == "rs+last"
    assert opt.top_fraction == 0.2 and opt.e_few == 3


def test_problem_is_passed_to_inner(small_bench):
    inner = Recorder()
    opt = LCE(inner, LastValue(), e_few=4)
    opt.setup(Problem(small_bench.space, 12, "val_accuracy", True), np.random.default_rng(0))
    assert inner.problem.max_epochs == 12


def test_conformal_method_calibrates_inside_the_framework(small_bench):
    from nas_sim.lce.conformal import SplitConformal

    method = SplitConformal(LastValue(), min_calibration=5)
    opt = LCE(Recorder(), method, e_few=4, n_init_full=8)
    res = _run(small_bench, opt, max_jobs=40)
    # every full training was scored once (a repeated identical curve counts once)
    assert 5 <= len(method.scores_) <= opt.fitted_n_
    assert method.scale_ is not None and method.scale_ > 0
    json.dumps(res.config)  # the wrapper's hyperparameters (inner ones prefixed) are JSON-able
