"""Behaviour of the built-in optimizers beyond the shared contract."""

from __future__ import annotations

import numpy as np
import pytest

from nas_sim import api, registry
from nas_sim.benchmarks.covered_subspace import CoveredSubspace
from nas_sim.benchmarks.spaces.nb201 import NB201Space
from nas_sim.optimizer import Problem, Result
from nas_sim.optimizers.hyperband import default_min_epochs, hyperband_brackets


@pytest.mark.parametrize(
    ("name", "kwargs", "param"),
    [
        ("rea", {"population_size": 0}, "population_size"),
        ("ls", {"num_init": 0}, "num_init"),
        ("ls", {"improvement": "steepest"}, "improvement"),
        ("bananas", {"ensemble_size": 0}, "ensemble_size"),
        ("bananas", {"k": 0}, "k"),
        ("bananas", {"acquisition": "pi"}, "acquisition"),
        ("bananas", {"learning_rate": -1.0}, "learning_rate"),
        ("bananas", {"train_epochs": 2.5}, "train_epochs"),
        ("hb", {"eta": 1}, "eta"),
        ("hb", {"eta": 0.5}, "eta"),
        ("hb", {"min_epochs": 0}, "min_epochs"),
        ("hb", {"resume": "yes"}, "resume"),
        ("bohb", {"eta": 1}, "eta"),
        ("bohb", {"random_fraction": 1.5}, "random_fraction"),
        ("bohb", {"top_n_percent": 100}, "top_n_percent"),
        ("bohb", {"num_samples": 0}, "num_samples"),
        ("asha", {"eta": True}, "eta"),
    ],
)
def test_invalid_hyperparameters_name_the_parameter(name: str, kwargs: dict, param: str) -> None:
    with pytest.raises(ValueError, match=param):
        registry.create("optimizer", name, **kwargs)


def test_unknown_encoding_is_a_clear_error(synthetic_benchmark) -> None:
    with pytest.raises(ValueError, match="unknown encoding 'zigzag'"):
        api.run(synthetic_benchmark, "bananas", optimizer_kwargs={"encoding": "zigzag"}, max_jobs=2)


def test_hyperband_brackets_follow_li_et_al() -> None:
    plans = hyperband_brackets(200, 3, default_min_epochs(200, 3))
    assert [p.sizes for p in plans] == [(27, 9, 3, 1), (12, 4, 1), (6, 2), (4,)]
    assert [p.epochs for p in plans] == [(7, 22, 67, 200), (22, 67, 200), (67, 200), (200,)]
    assert hyperband_brackets(50, 3, default_min_epochs(50, 3))[0].epochs == (2, 6, 17, 50)
    with pytest.raises(ValueError, match="min_epochs"):
        hyperband_brackets(50, 3, 60)


def test_hyperband_promotions_resume_and_pay_only_new_epochs(synthetic_benchmark) -> None:
    # first bracket for E_max 12, eta 3: 9 configs x 1 epoch, 3 x 4, 1 x 12 = 9 + 9 + 8 epochs
    r = api.run(synthetic_benchmark, "hb", budget="1000x", max_jobs=13)
    assert r.summary.runs == 9 and r.summary.epochs_trained == 9 + 3 * 3 + 8
    x11 = api.run(
        synthetic_benchmark, "hb", budget="1000x", max_jobs=13, optimizer_kwargs={"resume": False}
    )
    assert x11.summary.runs == 13 and x11.summary.epochs_trained == 9 + 3 * 4 + 12


def test_asynchronous_hyperband_keeps_four_workers_busy(synthetic_benchmark) -> None:
    sync = api.run(synthetic_benchmark, "hb", budget="30x", workers=4)
    async_ = api.run(
        synthetic_benchmark, "hb", budget="30x", workers=4, optimizer_kwargs={"asynchronous": True}
    )
    assert async_.summary.jobs > 0 and sync.summary.jobs > 0
    assert async_.summary.full_trainings > 0
    assert async_.trajectory.as_dict() != sync.trajectory.as_dict()


def _result(run_id: int, arch, score: float, epochs: int = 12) -> Result:  # type: ignore[no-untyped-def]
    return Result(run_id, arch, epochs, {}, score, score, 0.0)


def test_local_search_restarts_when_the_neighbourhood_is_empty() -> None:
    space = NB201Space()
    # two covered architectures that are not neighbours of each other
    a, b = (0, 0, 0, 0, 0, 0), (3, 3, 3, 3, 3, 3)
    covered = CoveredSubspace(space, [a, b])
    opt = registry.create("optimizer", "ls", num_init=1)
    opt.setup(Problem(covered, 12, "val_accuracy", True), np.random.default_rng(0))
    first = opt.ask()
    opt.tell(_result(0, first.arch, 0.5))
    # the centre has no covered neighbour: the next request is a random restart, not a stall
    nxt = opt.ask()
    assert nxt is not None and nxt.resume is None
    assert space.canonical(nxt.arch) in {space.canonical(a), space.canonical(b)}


def test_local_search_moves_to_the_best_neighbour() -> None:
    space = NB201Space()
    opt = registry.create("optimizer", "ls", num_init=1)
    opt.setup(Problem(space, 12, "val_accuracy", True), np.random.default_rng(0))
    centre = opt.ask().arch
    opt.tell(_result(0, centre, 0.5))
    told = []
    req = opt.ask()
    while sum(x != y for x, y in zip(req.arch, centre)) == 1:  # the centre's neighbourhood
        told.append(req.arch)
        opt.tell(_result(len(told), req.arch, 0.9 if len(told) == 1 else 0.1))
        req = opt.ask()
    assert len(told) > 1
    # after the neighbourhood, the next request is a neighbour of the best (told[0])
    assert sum(x != y for x, y in zip(req.arch, told[0])) == 1
    assert opt.center_[0] == told[0]


def test_first_improvement_moves_at_once() -> None:
    space = NB201Space()
    opt = registry.create("optimizer", "ls", num_init=1, improvement="first")
    opt.setup(Problem(space, 12, "val_accuracy", True), np.random.default_rng(1))
    centre = opt.ask().arch
    opt.tell(_result(0, centre, 0.5))
    better = opt.ask().arch
    opt.tell(_result(1, better, 0.7))
    assert opt.center_[0] == better


def test_bananas_uses_its_model_after_num_init(synthetic_benchmark) -> None:
    opt = api.make_optimizer("bananas", {"num_init": 5, "k": 3, "train_epochs": 20})
    r = api.run(synthetic_benchmark, opt, budget="1000x", max_jobs=12)
    assert r.summary.jobs == 12
    assert opt.n_fits_ >= 2


@pytest.mark.parametrize("acquisition", ["ucb", "ei"])
def test_bananas_acquisitions_run(synthetic_benchmark, acquisition: str) -> None:
    opt = api.make_optimizer(
        "bananas",
        {"num_init": 4, "k": 2, "train_epochs": 10, "acquisition": acquisition, "ensemble_size": 2},
    )
    api.run(synthetic_benchmark, opt, budget="1000x", max_jobs=8)
    assert opt.n_fits_ >= 1


def test_bohb_proposes_from_its_kde_once_it_has_data(synthetic_benchmark) -> None:
    opt = api.make_optimizer("bohb", {"random_fraction": 0.0})
    # hpbandster fits once a budget has min_points_in_model good + as many bad points (7 + 7 for
    # NB201): the second round of brackets brings the one-epoch rung to 18 results
    api.run(synthetic_benchmark, opt, budget="1000x", max_jobs=35)
    assert opt.generator_.kde_models, "the KDE was never fitted"


def test_bohb_leaves_numpy_global_state_alone(synthetic_benchmark) -> None:
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    api.run(synthetic_benchmark, "bohb", budget="1000x", max_jobs=15)
    assert np.random.rand() == expected


def _setup(name: str, **kwargs):  # type: ignore[no-untyped-def]
    opt = registry.create("optimizer", name, **kwargs)
    opt.setup(Problem(NB201Space(), 12, "val_accuracy", True), np.random.default_rng(0))
    return opt


def test_asha_promotes_the_best_of_each_third() -> None:
    opt = _setup("asha")  # rungs 1, 4, 12 epochs for E_max 12
    reqs = [opt.ask() for _ in range(3)]
    assert [r.to_epoch for r in reqs] == [1, 1, 1] and all(r.resume is None for r in reqs)
    for run_id, (req, score) in enumerate(zip(reqs, [0.1, 0.9, 0.5])):
        opt.tell(_result(run_id, req.arch, score, epochs=1))
    promo = opt.ask()
    assert (promo.arch, promo.to_epoch, promo.resume) == (reqs[1].arch, 4, 1)
    # nothing else is in the top third yet: a new configuration starts at rung 0
    assert opt.ask().to_epoch == 1


def test_synchronous_hyperband_promotes_the_top_third_after_the_rung() -> None:
    opt = _setup("hb")  # first bracket: 9 configs at 1 epoch, 3 at 4, 1 at 12
    reqs = [opt.ask() for _ in range(9)]
    assert all(r.to_epoch == 1 for r in reqs)
    scores = [0.3, 0.8, 0.1, 0.7, 0.2, 0.9, 0.4, 0.6, 0.5]
    for run_id, (req, score) in enumerate(zip(reqs, scores)):
        opt.tell(_result(run_id, req.arch, score, epochs=1))
    promos = [opt.ask() for _ in range(3)]
    assert [(p.resume, p.to_epoch) for p in promos] == [(5, 4), (1, 4), (3, 4)]


def test_asha_promotions_equal_the_scan_of_the_rung_top(synthetic_benchmark) -> None:  # type: ignore[no-untyped-def]
    """ASHA finds its promotion through a heap of candidates (linear cost in the number of jobs);
    it must choose exactly what scanning the top 1/eta of each rung chose."""
    from nas_sim.optimizers.asha import ASHA
    from nas_sim.optimizers.hyperband import _EPS

    class ScanningASHA(ASHA):
        def _async_promotion(self, bracket):  # type: ignore[no-untyped-def]
            for rung in range(len(bracket.rungs) - 2, -1, -1):
                told = bracket.rungs[rung]
                k = int(len(told) / self.eta + _EPS)
                for _, _, trial, promotable in told[:k]:
                    if promotable and trial.tid not in bracket.promoted[rung]:
                        bracket.promoted[rung].add(trial.tid)
                        return trial, rung + 1
            return None

    runs = [
        api.run(synthetic_benchmark, cls(), seed=3, budget=1e12, workers=4, max_jobs=1500)
        for cls in (ASHA, ScanningASHA)
    ]
    assert runs[0].trajectory == runs[1].trajectory
    assert runs[0].summary == runs[1].summary


def test_plain_rea_retrains_seen_classes_and_rea_does_not(synthetic_benchmark) -> None:
    # Real et al.'s REA trains whatever the mutation gives; the default REA rejects children of
    # classes it has trained (200 classes in the synthetic table, 120 jobs)
    from nas_sim.optimizers.regularized_evolution import (
        PlainRegularizedEvolution,
        RegularizedEvolution,
    )
    from nas_sim.simulator import Simulator

    def asked_classes(cls: type[RegularizedEvolution]) -> list[object]:
        class Recording(cls):  # type: ignore[valid-type, misc]
            def ask(self):  # type: ignore[no-untyped-def]
                req = super().ask()
                asked.append(synthetic_benchmark.space.canonical(req.arch))
                return req

        asked: list[object] = []
        opt = Recording(population_size=5, sample_size=3)
        Simulator(synthetic_benchmark, opt, budget=1e12, max_jobs=120, seed=4).run()
        return asked

    plain, rejecting = asked_classes(PlainRegularizedEvolution), asked_classes(RegularizedEvolution)
    assert plain[:5] == rejecting[:5]  # the same random start
    # seed 4: the rejecting REA asks 74 distinct classes, plain REA 13 (it retrains the best)
    assert len(set(rejecting)) > 4 * len(set(plain))
    assert registry.create("optimizer", "rea-plain").hyperparameters() == {
        "population_size": 20,
        "sample_size": 10,
    }


@pytest.mark.parametrize("name", ["rea", "rea-plain"])
def test_rea_draws_the_same_with_and_without_the_integer_buffer(synthetic_benchmark, name) -> None:
    # REA's tournaments and mutations come from a BufferedIntegers; released at set-up it calls
    # numpy directly, as REA did before the buffer: the runs must ask the same architectures
    base = type(registry.create("optimizer", name))

    class Recording(base):  # type: ignore[misc, valid-type]
        def __init__(self, direct: bool) -> None:
            super().__init__()
            self.direct, self.asked = direct, []

        def setup(self, problem, rng):  # type: ignore[no-untyped-def]
            super().setup(problem, rng)
            if self.direct:
                self.draws_.release()

        def ask(self):  # type: ignore[no-untyped-def]
            req = super().ask()
            self.asked.append(req.arch)
            return req

    buffered, direct = Recording(direct=False), Recording(direct=True)
    runs = [
        api.run(synthetic_benchmark, opt, seed=5, budget=1e12, workers=3, max_jobs=400)
        for opt in (buffered, direct)
    ]
    assert len(buffered.asked) >= 400
    assert buffered.asked == direct.asked
    assert runs[0].trajectory == runs[1].trajectory


def test_rea_draws_directly_on_spaces_that_do_not_declare_bounded_integer_draws() -> None:
    # NB101's sample and mutate use other generator methods: REA hands it the generator itself
    # and releases its buffer at set-up, so its tournaments draw directly too
    from nas_sim.benchmarks.spaces.nb101 import NB101Space
    from nas_sim.optimizers.regularized_evolution import RegularizedEvolution

    for space, buffered in ((NB101Space(), False), (NB201Space(), True)):
        opt = RegularizedEvolution()
        rng = np.random.default_rng(0)
        opt.setup(Problem(space, 10, "val_accuracy", True), rng)
        assert (opt.draw_rng_ is rng) is not buffered
        assert opt.draws_._buffering is buffered
