"""Optimizer plugins that break the protocol: one clear line naming the optimizer, where it comes
from, the step and the simulated time; for an exception of the plugin, its own frames."""

from __future__ import annotations

from pathlib import Path

import pytest

from nas_sim import api
from nas_sim.simulator import OptimizerProtocolError
from tests.reliability.conftest import PLUGINS, Outcome, assert_clear_error, cli, fast_half

BROKEN = {
    "rel-raise-setup": "setup() raised RuntimeError: boom in setup",
    "rel-raise-ask": "ask() raised RuntimeError: boom in ask",
    "rel-raise-tell": "tell() raised KeyError: 'boom in tell'",
    "rel-epoch-zero": "Request.to_epoch must be an integer in [1, 6], got 0",
    "rel-epoch-past-end": "Request.to_epoch must be an integer in [1, 6], got 7",
    "rel-epoch-float": "Request.to_epoch must be an integer in [1, 6], got 6.0",
    "rel-epoch-nan": "Request.to_epoch must be an integer in [1, 6], got nan",
    "rel-resume-unknown": "Request.resume=999 is not a known run id",
    "rel-resume-busy": "run 0 is still training; it cannot be resumed",
    "rel-resume-other-arch": "Request.resume=0 names a run of another architecture",
    "rel-returns-dict": "ask() must return a Request or None, got dict",
    "rel-returns-tuple": "ask() must return a Request or None, got tuple",
    "rel-writes-curve": "tell() raised ValueError: assignment destination is read-only",
}


def run_plugin(bench: Path, name: str) -> Outcome:
    return cli(
        "run", "-b", bench, "-o", name, "--plugin", PLUGINS, "-w", "2", "--budget", "5x", "-q"
    )


@pytest.mark.parametrize("name", fast_half(BROKEN))
def test_a_protocol_break_is_one_clear_error(small_set: Path, name: str) -> None:
    out = run_plugin(small_set, name)
    assert_clear_error(
        out,
        f"optimizer '{name}' (from {PLUGINS}) broke the protocol: {BROKEN[name]}",
        "(step ",
        "simulated time ",
    )


def test_an_exception_of_the_plugin_shows_its_frames_not_the_simulators(small_set: Path) -> None:
    out = run_plugin(small_set, "rel-raise-ask")
    assert f'File "{PLUGINS}"' in out.output and "in ask" in out.output
    assert "simulator.py" not in out.output


def test_numpy_integer_epochs_are_valid(small_set: Path) -> None:
    out = run_plugin(small_set, "rel-epoch-np-int")
    assert out.returncode == 0, out.output


def test_a_plugin_writing_into_its_curves_changes_no_other_run(small_set: Path) -> None:
    from nas_sim.registry import load_plugin

    load_plugin(str(PLUGINS))
    bench = api.load_benchmark(small_set)
    before = api.run(bench, "rea", seed=1, budget="20x")
    with pytest.raises(OptimizerProtocolError, match="read-only"):
        api.run(bench, "rel-writes-curve", seed=1, budget="20x")
    after = api.run(bench, "rea", seed=1, budget="20x")
    assert after.trajectory == before.trajectory and after.summary == before.summary


def test_api_run_takes_a_name_a_class_or_an_instance(small_set: Path) -> None:
    from nas_sim.optimizers.regularized_evolution import RegularizedEvolution

    bench = api.load_benchmark(small_set)
    kw = {"population_size": 5, "sample_size": 2}
    by_name = api.run(bench, "rea", seed=2, budget="10x", optimizer_kwargs=kw)
    by_class = api.run(bench, RegularizedEvolution, seed=2, budget="10x", optimizer_kwargs=kw)
    by_instance = api.run(bench, RegularizedEvolution(**kw), seed=2, budget="10x")
    assert by_name.trajectory == by_class.trajectory == by_instance.trajectory
    with pytest.raises(TypeError, match="an Optimizer subclass or an Optimizer instance, got 3"):
        api.run(bench, 3)  # type: ignore[arg-type]
