"""The CLI, result files and reproducibility across processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from nas_sim import api, registry
from nas_sim.cli import main
from nas_sim.results import ResultFileError, dumps, load_result

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "my_optimizer.py"


def invoke(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("optimizer", ["rs", "rea"])
def test_same_seed_same_bytes_different_seed_differs(synthetic_benchmark, optimizer) -> None:  # type: ignore[no-untyped-def]
    a = dumps(api.run(synthetic_benchmark, optimizer, seed=3, budget="30x"))
    b = dumps(api.run(synthetic_benchmark, optimizer, seed=3, budget="30x"))
    c = dumps(api.run(synthetic_benchmark, optimizer, seed=4, budget="30x"))
    assert a == b
    assert a != c


def test_fresh_process_gives_byte_identical_result_file(synthetic_set_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    args = [
        "run",
        "--benchmark",
        str(synthetic_set_path),
        "--optimizer",
        "rea",
        "--seed",
        "5",
        "--budget",
        "20x",
        "--quiet",
    ]
    here = tmp_path / "here.json"
    res = invoke(*args, "--out", str(here))
    assert res.exit_code == 0, res.output
    there = tmp_path / "there.json"
    subprocess.run(
        [sys.executable, "-m", "nas_sim.cli", *args, "--out", str(there)],
        check=True,
        capture_output=True,
    )
    assert here.read_bytes() == there.read_bytes()
    data = load_result(here)
    assert data.config["optimizer"] == "rea" and data.config["seed"] == 5
    assert len(data.trajectory.time_s) == data.summary.jobs > 0
    assert "numpy" in data.versions


def test_run_json_summary(synthetic_set_path) -> None:  # type: ignore[no-untyped-def]
    res = invoke("run", "-b", str(synthetic_set_path), "-o", "rs", "--budget", "10x", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    for key in (
        "incumbent_val",
        "incumbent_test",
        "regret",
        "simulated_time_s",
        "jobs",
        "epochs_trained",
    ):
        assert key in summary
    assert summary["simulated_time_s"] <= summary["budget_s"]
    assert summary["regret"] >= 0


def test_user_plugin_file_runs_through_the_cli(synthetic_set_path) -> None:  # type: ignore[no-untyped-def]
    assert len(EXAMPLE.read_text().splitlines()) <= 25
    res = invoke(
        "run",
        "--plugin",
        str(EXAMPLE),
        "--optimizer",
        "greedy",
        "-b",
        str(synthetic_set_path),
        "--budget",
        "20x",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["optimizer"] == "greedy"


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "reaa"], "unknown optimizer 'reaa'; choose from: "),
        (["-b", "nope"], "unknown benchmark 'nope'"),
        (["--budget", "0"], "budget"),
        (["--budget", "-3x"], "invalid budget"),
        (["--plugin", "missing_file.py"], "does not exist"),
        (["-o", "rea", "-p", "population_size=0"], "population_size must be an integer >= 1"),
    ],
)
def test_bad_cli_input(synthetic_set_path, args, message) -> None:  # type: ignore[no-untyped-def]
    base = ["run", "-b", str(synthetic_set_path), "--quiet"]
    res = CliRunner().invoke(main, base + args)
    assert res.exit_code != 0
    assert message in res.output


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(registry.UnknownPluginError) as err:
        registry.get("optimizer", "nope")
    assert "rea" in str(err.value) and "rs" in str(err.value)
    with pytest.raises(ValueError, match="unknown plugin kind"):
        registry.names("widget")


def test_builtins_come_through_entry_points() -> None:
    from importlib.metadata import entry_points

    eps = {ep.name for ep in entry_points(group="nas_sim.optimizers")}
    assert {"rs", "rea"} <= eps
    assert "nb201" in {ep.name for ep in entry_points(group="nas_sim.search_spaces")}


def test_benchmarks_list_and_info(synthetic_set_path) -> None:  # type: ignore[no-untyped-def]
    res = invoke("list", "benchmark")
    assert "mnist1d" in res.output.split()
    res = invoke("benchmarks", "info", str(synthetic_set_path), "--json")
    info = json.loads(res.output)
    assert info["space"] == "nb201" and info["max_epochs"] == 12 and info["architectures"] == 200


def test_factories_that_need_a_path_say_so() -> None:
    """`list` marks the factories that need a path, and `benchmarks info` on their bare name
    says what to give instead of crashing with a TypeError."""
    lines = invoke("list", "benchmark").output.splitlines()  # type: ignore[attr-defined]
    assert "tabular (needs path: pass the file itself)" in lines
    assert "mnist1d" in lines  # built without arguments: no note
    for name in ("tabular", "surrogate"):
        res = CliRunner().invoke(main, ["benchmarks", "info", name])
        assert res.exit_code != 0 and not isinstance(res.exception, TypeError)
        assert f"benchmark {name!r} is a factory that needs path" in res.output


def test_surrogate_commands_accept_registered_surrogate_names() -> None:
    """The name `run --benchmark` accepts works for `surrogate info` too; a non-surrogate name
    gets a one-line error."""
    res = invoke("surrogate", "info", "mnist1d-surrogate", "--json")
    info = json.loads(res.output)  # type: ignore[attr-defined]
    assert info["space"] == "nb201" and info["heldout"]["fraction"] == 0.2
    res = CliRunner().invoke(main, ["surrogate", "info", "synthetic"])
    assert res.exit_code == 1 and "'synthetic' is not a surrogate" in res.output


def test_plot_writes_png_and_skips_bad_files(synthetic_benchmark, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from nas_sim.results import save_result

    files = []
    for opt in ("rs", "rea"):
        for seed in range(3):
            p = tmp_path / f"{opt}-{seed}.json"
            save_result(api.run(synthetic_benchmark, opt, seed=seed, budget="20x"), p)
            files.append(str(p))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    out = tmp_path / "plot.png"
    res = CliRunner().invoke(main, ["plot", *files, str(bad), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "skipped" in res.output and out.stat().st_size > 10_000
    with pytest.raises(ResultFileError, match="not valid JSON"):
        load_result(bad)


HEAVY = ("scipy", "sklearn", "torch", "emcee", "lightgbm", "pandas", "pyarrow", "matplotlib")


def test_help_imports_no_heavy_dependency(tmp_path: Path) -> None:
    """``nas-sim --help`` (every command group loaded) stays quick: the plugin packages defer
    scipy, torch & co. until a command runs."""
    code = (
        "import sys\n"
        "from nas_sim.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "lce" in out.stdout  # the plugin command groups were loaded
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_list_is_driven_by_the_registry() -> None:
    out = invoke("list", "--json").output  # type: ignore[attr-defined]
    assert json.loads(out) == {kind: registry.names(kind) for kind in registry.KINDS}
    for kind in registry.KINDS:
        for spelling in (kind, f"{kind}s"):
            out = invoke("list", spelling).output  # type: ignore[attr-defined]
            assert [line.split()[0] for line in out.splitlines()] == registry.names(kind)
    res = CliRunner().invoke(main, ["list", "widgets"])
    assert res.exit_code == 2 and "optimizer" in res.output


def test_list_and_help_include_plugins_registered_later() -> None:
    """Help texts naming plugins are computed from the registry when shown, never stale."""
    res = invoke("list", "optimizer", "--plugin", str(EXAMPLE))
    assert "greedy" in res.output.split()  # type: ignore[attr-defined]
    help_text = "".join(invoke("run", "--help").output.split())  # type: ignore[attr-defined]
    for kind in ("optimizer", "lce", "wrapper", "benchmark"):
        assert ",".join(registry.names(kind)) in help_text
    assert "greedy" in help_text


def test_core_attaches_suite_and_report_itself() -> None:
    from importlib.metadata import entry_points

    from nas_sim.report.cli import report
    from nas_sim.suite.cli import suite

    ctx = click.Context(main)
    assert main.get_command(ctx, "suite") is suite and main.get_command(ctx, "report") is report
    assert not {"suite", "report"} & {ep.name for ep in entry_points(group="nas_sim.cli")}


def test_help_lists_the_built_in_groups_with_their_own_short_help() -> None:
    # `nas-sim --help` lists the built-in groups without importing them, from BUILT_IN_SHORT_HELP:
    # each text must be the one the loaded command gives
    from importlib.metadata import entry_points

    from nas_sim.cli import BUILT_IN_SHORT_HELP, CORE_GROUPS

    targets = {**CORE_GROUPS, **{ep.name: ep.value for ep in entry_points(group="nas_sim.cli")}}
    ctx = click.Context(main)
    for name, target in targets.items():
        if target in BUILT_IN_SHORT_HELP:
            cmd = main.get_command(ctx, name)
            assert cmd is not None
            assert cmd.get_short_help_str(limit=10_000) == BUILT_IN_SHORT_HELP[target], name
    assert set(BUILT_IN_SHORT_HELP) <= set(targets.values())


def test_top_level_help_imports_neither_numpy_nor_the_commands() -> None:
    code = (
        "import sys\n"
        "from nas_sim.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'pyarrow', 'nas_sim.suite.cli', 'nas_sim.benchmarks.cli')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout
    for name in ("run", "suite", "report", "lce", "import", "surrogate"):
        assert f"  {name} " in out.stdout
