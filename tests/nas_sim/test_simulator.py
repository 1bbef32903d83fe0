"""Simulator semantics with hand-computed event times."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from nas_sim.benchmark import Benchmark, BestKnown
from nas_sim.benchmarks.spaces.nb201 import NB201Space
from nas_sim.learning_curve import LearningCurve
from nas_sim.optimizer import Optimizer, Request, Result
from nas_sim.seeding import mix
from nas_sim.simulator import SimulationError, Simulator

E_MAX = 5


class ToyBenchmark(Benchmark):
    """Epoch time = first op index + 1 seconds; curve values encode (arch, run_seed, epoch)."""

    name = "toy"

    def __init__(self) -> None:
        self._space = NB201Space()

    @property
    def space(self) -> NB201Space:
        return self._space

    @property
    def max_epochs(self) -> int:
        return E_MAX

    @property
    def metrics(self) -> tuple[str, ...]:
        return ("train_loss", "val_accuracy", "test_accuracy")

    def curve(self, arch, run_seed: int) -> LearningCurve:  # type: ignore[no-untyped-def]
        noise = (run_seed % 1000) / 1e6
        acc = np.linspace(0.1, 0.5, E_MAX) + sum(arch) / 100 + noise
        return LearningCurve(
            values={"train_loss": 1 - acc, "val_accuracy": acc, "test_accuracy": acc - 0.01},
            epoch_time_s=np.full(E_MAX, float(arch[0] + 1)),
        )

    @property
    def best_known(self) -> BestKnown:
        return BestKnown(arch="x", val=1.0, test=0.6)


def arch(first_op: int, rest: int = 0) -> tuple[int, ...]:
    return (first_op, rest, 0, 0, 0, 0)


class Scripted(Optimizer):
    """Returns the given requests in order (a callable item is called with the results so far)."""

    def __init__(self, script: Sequence[object]) -> None:
        self.script = list(script)

    def setup(self, problem, rng) -> None:  # type: ignore[no-untyped-def]
        super().setup(problem, rng)
        self.results_: list[Result] = []
        self.asks_: list[float] = []

    def ask(self) -> Request | None:
        if not self.script:
            return None
        item = self.script[0]
        if callable(item):
            req = item(self.results_)
            if req is None:
                return None
            self.script.pop(0)
            return req
        self.script.pop(0)
        return item  # type: ignore[return-value]

    def tell(self, result: Result) -> None:
        self.results_.append(result)


def simulate(script, workers=1, budget=1e6, **kw):  # type: ignore[no-untyped-def]
    opt = Scripted(script)
    res = Simulator(ToyBenchmark(), opt, budget=budget, n_workers=workers, **kw).run()
    return opt, res


def test_one_worker_event_times() -> None:
    # A: 3 epochs × 2 s = 6; B: 2 epochs × 1 s = 2, starts when A ends
    opt, res = simulate([Request(arch(1), 3), Request(arch(0), 2)])
    assert [r.finished_s for r in opt.results_] == [6.0, 8.0]
    assert res.trajectory.time_s == [6.0, 8.0]
    assert res.trajectory.epochs == [3, 5]
    assert res.summary.jobs == 2 and res.summary.full_trainings == 0


def test_four_workers_event_times_and_fifo_ties() -> None:
    script = [
        Request(arch(1), 3),  # A: 6 s
        Request(arch(0), 2),  # B: 2 s
        Request(arch(4), 1),  # C: 5 s
        Request(arch(0, 1), 4),  # D: 4 s
        Request(arch(2, 2), 1),  # E: starts at 2 (B's worker), 3 s → 5, ties with C
    ]
    opt, res = simulate(script, workers=4)
    finished = [(r.arch, r.finished_s) for r in opt.results_]
    assert finished == [
        (arch(0), 2.0),
        (arch(0, 1), 4.0),
        (arch(4), 5.0),  # C was started before E: first in, first out
        (arch(2, 2), 5.0),
        (arch(1), 6.0),
    ]


def test_pause_and_resume_pays_only_new_epochs_and_reveals_same_curve() -> None:
    a = arch(1)  # 2 s per epoch
    resume = lambda results: Request(a, 5, resume=results[0].run_id)  # noqa: E731
    opt, res = simulate([Request(a, 2), resume], seed=7)
    first, second = opt.results_
    assert first.finished_s == 4.0
    assert second.finished_s == 4.0 + 3 * 2.0  # only epochs 3..5 are paid
    assert second.run_id == first.run_id and second.epochs == 5
    np.testing.assert_array_equal(second.curve["val_accuracy"][:2], first.curve["val_accuracy"])
    expected = ToyBenchmark().curve(a, mix(7, first.run_id))["val_accuracy"]
    np.testing.assert_array_equal(second.curve["val_accuracy"], expected)
    assert res.trajectory.epochs == [2, 5]


def test_restart_from_scratch_is_a_new_run_with_new_noise() -> None:
    a = arch(0)
    opt, _ = simulate([Request(a, 5), Request(a, 5)], seed=3)
    r1, r2 = opt.results_
    assert r1.run_id != r2.run_id
    assert r1.value != r2.value  # a different draw of training noise


def test_budget_exhausted_in_the_middle_of_a_job() -> None:
    opt, res = simulate([Request(arch(1), 3), Request(arch(0), 2)], budget=7.0)
    assert [r.finished_s for r in opt.results_] == [6.0]  # the second job (ends at 8) is cancelled
    assert res.summary.simulated_time_s == 6.0 and res.summary.epochs_trained == 3
    assert res.summary.budget_s == 7.0


def test_budget_as_multiple_of_mean_full_training_time() -> None:
    bench = ToyBenchmark()
    res = Simulator(bench, Scripted([]), budget="3x").run()
    assert res.summary.budget_s == pytest.approx(3 * bench.mean_full_training_time_s)


def test_optimizer_never_sees_test_metrics() -> None:
    opt, res = simulate([Request(arch(0), E_MAX), Request(arch(1), 2)])
    for r in opt.results_:
        assert set(r.curve) == {"train_loss", "val_accuracy"}
        assert not any(k.startswith("test") for k in r.curve)
    # but the trajectory records the incumbent's test metric
    assert res.trajectory.incumbent_test[0] == pytest.approx(opt.results_[0].value - 0.01)


def test_incumbent_only_counts_full_trainings_and_regret_uses_best_known() -> None:
    opt, res = simulate([Request(arch(1), 2), Request(arch(0), E_MAX)])
    assert res.trajectory.incumbent_val[0] is None  # a 2-epoch run is no incumbent
    full = opt.results_[1]
    assert res.trajectory.incumbent_val[1] == full.value
    assert res.summary.regret == pytest.approx(0.6 - ToyBenchmark().expected_final(arch(0))[1])


def test_idle_workers_wait_for_results() -> None:
    # the second request is only available after the first result: 4 workers, serial chain
    follow = lambda results: Request(arch(0), 1) if results else None  # noqa: E731
    opt, _ = simulate([Request(arch(1), 1), follow], workers=4)
    assert [r.finished_s for r in opt.results_] == [2.0, 3.0]


def test_modeled_overhead_delays_jobs() -> None:
    class Costly(Scripted):
        def modeled_cost_s(self, operation: str) -> float:
            return 10.0 if operation == "ask" else 1.0

    opt = Costly([Request(arch(0), 1), Request(arch(0), 1)])
    res = Simulator(ToyBenchmark(), opt, budget=1e6, overhead="modeled").run()
    # ask 0→10, job 10→11, tell 11→12, ask 12→22, job 22→23
    assert [r.finished_s for r in opt.results_] == [11.0, 23.0]
    # the third ask (which returns None: nothing left) is charged too
    assert res.summary.overhead_s == pytest.approx(10 + 1 + 10 + 1 + 10)


def test_measured_overhead_is_recorded() -> None:
    opt = Scripted([Request(arch(0), 1)])
    res = Simulator(ToyBenchmark(), opt, budget=1e6, overhead="measured").run()
    assert res.config["overhead"] == "measured"
    assert res.summary.overhead_s > 0
    assert opt.results_[0].finished_s > 1.0


@pytest.mark.parametrize(
    "script, message",
    [
        (["not a request"], "must return a Request"),
        ([Request(arch(0), 0)], "to_epoch"),
        ([Request(arch(0), E_MAX + 1)], "to_epoch"),
        ([Request(arch(0), 1, resume=5)], "not a known run id"),
        ([Request((9, 0, 0, 0, 0, 0), 1)], "tuple of 6 op indices"),
    ],
)
def test_protocol_errors_are_clear(script, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((SimulationError, ValueError), match=message):
        simulate(script)


def test_resuming_a_busy_run_or_to_an_earlier_epoch_is_an_error() -> None:
    busy = [Request(arch(0), 2), Request(arch(0), 3, resume=0)]
    with pytest.raises(SimulationError, match="still training"):
        simulate(busy, workers=2)
    back = lambda results: Request(arch(0), 1, resume=results[0].run_id)  # noqa: E731
    with pytest.raises(SimulationError, match="already trained to epoch 2"):
        simulate([Request(arch(0), 2), back])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"budget": 0}, "budget"),
        ({"budget": -5}, "budget"),
        ({"budget": "0x"}, "budget"),
        ({"budget": "abc"}, "invalid budget 'abc'"),
        ({"n_workers": 0}, "n_workers"),
        ({"overhead": "wall"}, "unknown overhead mode 'wall'"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_simulator_arguments(kwargs, message) -> None:  # type: ignore[no-untyped-def]
    args = {"budget": 10.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        Simulator(ToyBenchmark(), Scripted([]), **args)
