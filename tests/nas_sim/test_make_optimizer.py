"""api.make_optimizer: the one place an optimizer is composed with an LCE method (via a wrapper
plugin), and the core imports no plugin package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from nas_sim import api, registry
from nas_sim.cli import main

PLUGINS = Path(__file__).with_name("suite_plugins.py")
CORE = Path(__file__).resolve().parents[2] / "nas_sim"


@pytest.fixture(scope="module", autouse=True)
def _plugins() -> None:
    registry.load_plugin(str(PLUGINS))


def test_plain_optimizer_and_default_lce_wrapper() -> None:
    plain = api.make_optimizer("rea", {"population_size": 5, "sample_size": 3})
    assert plain.name == "rea" and plain.hyperparameters()["population_size"] == 5
    wrapped = api.make_optimizer(
        "rea", {"population_size": 5, "sample_size": 3}, lce="last", e_few=3
    )
    assert type(wrapped) is registry.get("wrapper", api.DEFAULT_WRAPPER)
    assert wrapped.name == "rea+last"
    assert wrapped.hyperparameters()["optimizer_hyperparameters"]["population_size"] == 5


def test_a_third_party_wrapper_plugs_in_like_the_lce_framework() -> None:
    recording = registry.get("wrapper", "test-recording")
    recording.calls.clear()
    opt = api.make_optimizer(
        "rs", lce="last", e_few=4, wrapper="test-recording", wrapper_options={"top_fraction": 0.3}
    )
    assert isinstance(opt, recording)
    assert recording.calls == [{"method": "LastValue", "e_few": 4, "top_fraction": 0.3}]
    by_path = api.make_optimizer(
        "rs", lce="last", e_few=4, wrapper="tests.nas_sim.suite_plugins:RecordingLCE"
    )
    assert type(by_path).__name__ == "RecordingLCE"


def test_cli_run_takes_a_registered_wrapper(synthetic_set_path: Path) -> None:
    res = CliRunner().invoke(
        main,
        ["run", "-b", str(synthetic_set_path), "--plugin", str(PLUGINS), "--lce", "last"]
        + ["--e-few", "3", "--wrapper", "test-recording", "--max-jobs", "5", "--json"],
    )
    assert res.exit_code == 0, res.output
    assert '"optimizer": "lce(rea)"' in res.output


def test_wpm_inside_the_wrapper_runs_a_short_chain_unless_told_otherwise() -> None:
    """Inside the LCE wrapper WPM takes its affordable wrapper_defaults; given parameters win;
    lce_defaults="method" keeps Domhan's full chain (100 walkers x 2,500 steps)."""
    from nas_sim.lce.wpm import WPM

    def chain(**kw: object) -> tuple[int, int]:
        h = api.make_optimizer("rea", lce="wpm", e_few=10, **kw).hyperparameters()  # type: ignore[arg-type]
        return h["lce_hyperparameters"]["n_walkers"], h["lce_hyperparameters"]["n_steps"]

    assert chain() == (WPM.wrapper_defaults["n_walkers"], WPM.wrapper_defaults["n_steps"])
    assert chain() == (10, 30)
    assert chain(lce_params={"n_steps": 40}) == (10, 40)
    assert chain(lce_defaults="method") == (100, 2500)
    assert WPM().n_steps == 2500  # the method on its own keeps Domhan's settings
    with pytest.raises(ValueError, match="lce_defaults must be"):
        chain(lce_defaults="fast")


def test_cli_lce_param_reaches_the_method(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    args = ["run", "--lce", "wpm", "--e-few", "10", "--max-jobs", "2", "-q", "--out", str(out)]
    res = CliRunner().invoke(main, [*args, "--lce-param", "n_steps=40", "--lce-param", "thin=4"])
    assert res.exit_code == 0, res.output
    import json

    h = json.loads(out.read_text())["config"]["optimizer_hyperparameters"]["lce_hyperparameters"]
    assert (h["n_steps"], h["thin"], h["n_walkers"]) == (40, 4, 10)
    res = CliRunner().invoke(main, [*args, "--lce-method-defaults", "--max-jobs", "1"])
    h = json.loads(out.read_text())["config"]["optimizer_hyperparameters"]["lce_hyperparameters"]
    assert res.exit_code == 0 and h["n_steps"] == 2500
    bad = CliRunner().invoke(main, ["run", "--lce-param", "n_steps=40"])
    assert bad.exit_code == 1 and "--lce-param" in bad.output and "need --lce" in bad.output
    bad = CliRunner().invoke(main, ["run", "--lce", "wpm", "--e-few", "3", "--lce-param", "x"])
    assert bad.exit_code == 1 and "--lce-param expects KEY=VALUE, got 'x'" in bad.output


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        (
            {"lce": "nope", "e_few": 3},
            registry.UnknownPluginError,
            "unknown LCE method 'nope'; choose from: ",
        ),
        ({"lce": "last"}, ValueError, "needs e_few"),
        ({"e_few": 3}, ValueError, "need an LCE method"),
        ({"lce": "last", "e_few": 3, "wrapper": "nope"}, registry.UnknownPluginError, "wrapper"),
        ({"lce": "last", "e_few": 3, "wrapper": "no_such_pkg:W"}, registry.PluginError, "no_such"),
        (
            {"lce": "wpm", "e_few": 3, "lce_params": {"n_samples": -1}},
            api.CompositionError,
            "lce 'wpm'",
        ),
        (
            {"lce": "last", "e_few": 3, "wrapper_options": {"top_fraction": 2.0}},
            api.CompositionError,
            "top_fraction",
        ),
    ],
)
def test_errors_name_the_part(kwargs: dict, error: type, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(error, match=fragment) as info:
        api.make_optimizer("rs", **kwargs)
    if error is api.CompositionError:
        assert info.value.part == ("lce" if "lce_params" in kwargs else "wrapper")


def test_the_core_imports_no_plugin_package() -> None:
    """``nas_sim/`` names no plugin module: not at import time and not lazily inside functions."""
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            for m in mods:
                if m.split(".")[:2] in (
                    ["nas_sim", p] for p in ("optimizers", "lce", "benchmarks")
                ):
                    offenders.append(f"{path.relative_to(CORE)}: {m}")
    assert offenders == []


@pytest.mark.slow
def test_readme_wpm_example_finishes_within_a_minute() -> None:
    """`nas-sim run --optimizer rea --lce wpm --e-few 10` (README): measured 31 s wall on 2 shared
    cores with the wrapper's WPM chain; it took 1,612 s with Domhan's chain."""
    import time

    t0 = time.perf_counter()
    res = CliRunner().invoke(
        main, ["run", "--optimizer", "rea", "--lce", "wpm", "--e-few", "10", "-q"]
    )
    assert res.exit_code == 0, res.output
    assert time.perf_counter() - t0 < 60
