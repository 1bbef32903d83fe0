"""Running suites: identical results on every executor, failed runs recorded, kill -9 and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from nas_sim import registry
from nas_sim.benchmarks.curve_set import write_curve_set
from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.results import load_result
from nas_sim.suite import (
    ExecutorError,
    ResultsStore,
    SuiteSpecError,
    SuiteStoreError,
    export_runs,
    load_suite,
    make_executor,
    parse_suite,
    run_suite,
    runs_table,
)
from nas_sim.suite.lock import LOCK_NAME

PLUGINS = Path(__file__).with_name("suite_plugins.py")


@pytest.fixture(scope="module")
def bench_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "syn.parquet"
    write_curve_set(synthetic_nb201_set(80, 2, 10), path)
    registry.load_plugin(str(PLUGINS))
    return path


def suite_file(tmp_path: Path, bench: Path, body: str = "", seeds: int = 3) -> Path:
    text = f"""
[suite]
name = "t"
seeds = {seeds}
budget = "30x"
workers = [1, 2]
e_few = [3]

[[benchmark]]
path = "{bench}"
label = "syn"

[[optimizer]]
name = "rs"

[[optimizer]]
name = "rea"
params = {{ population_size = 5, sample_size = 3 }}
{body}
"""
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def files(root: Path) -> dict[str, bytes]:
    """Every file of a suite folder but the (empty) writer lock, which outlives its holder."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


def test_local_pool_and_serial_give_byte_identical_files(tmp_path: Path, bench_path: Path) -> None:
    spec = load_suite(suite_file(tmp_path, bench_path))
    serial = run_suite(spec, tmp_path / "serial", make_executor("serial"))
    pool = run_suite(spec, tmp_path / "pool", make_executor("local", jobs=2))
    assert serial.ok == pool.ok == len(spec.expand()) == 12 and not pool.failed
    a, b = files(tmp_path / "serial"), files(tmp_path / "pool")
    assert a == b and len(a) == 13  # 12 results + manifest
    r = load_result(tmp_path / "pool" / "runs" / f"{spec.expand()[0].run_id}.json")
    assert r.config["label"] == "rs" and r.config["suite_run"]["seed"] == 0
    assert r.trajectory.time_s


def _model_based_body() -> str:
    """BANANAS (torch MLPs) and REA with LcSVR, small: their floats depend on thread counts
    unless the runner pins them."""
    body = ""
    if "bananas" in registry.names("optimizer"):
        body += (
            '[[optimizer]]\nname = "bananas"\nparams = { num_init = 5, k = 4, '
            "ensemble_size = 2, train_epochs = 5, num_candidates = 8 }\n"
        )
    if "lcsvr" in registry.names("lce"):
        body += (
            '[[optimizer]]\nname = "rea"\nlabel = "rea-s"\nparams = { population_size = 5, '
            'sample_size = 3 }\nlce = ["lcsvr"]\nlce_options = { n_init_full = 5 }\n'
            "[lce.params.lcsvr]\nmin_train_size = 5\nn_configs = 5\n"
        )
    return body


@pytest.mark.slow
def test_model_based_runs_are_executor_independent(tmp_path: Path, bench_path: Path) -> None:
    body = _model_based_body()
    if not body:
        pytest.skip("neither bananas nor lcsvr is installed")
    spec = load_suite(suite_file(tmp_path, bench_path, body, seeds=1))
    serial = run_suite(spec, tmp_path / "serial", make_executor("serial"))
    assert not serial.failed, serial.failed
    run_suite(spec, tmp_path / "pool", make_executor("local", jobs=2))
    assert files(tmp_path / "serial") == files(tmp_path / "pool")
    try:
        import ray  # noqa: F401
    except ImportError:
        return
    run_suite(spec, tmp_path / "ray", make_executor("ray", jobs=2))
    assert files(tmp_path / "serial") == files(tmp_path / "ray")


def test_ray_gives_byte_identical_files(tmp_path: Path, bench_path: Path) -> None:
    pytest.importorskip("ray")
    spec = load_suite(suite_file(tmp_path, bench_path, seeds=2))
    run_suite(spec, tmp_path / "serial", make_executor("serial"))
    progress = run_suite(spec, tmp_path / "ray", make_executor("ray", jobs=2))
    assert not progress.failed, progress.failed
    assert files(tmp_path / "serial") == files(tmp_path / "ray")


def test_ray_executor_without_ray_is_a_clear_error(
    tmp_path: Path, bench_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    spec = load_suite(suite_file(tmp_path, bench_path, seeds=1))
    with pytest.raises(ExecutorError, match=r"pip install 'nas-sim\[ray\]'"):
        run_suite(spec, tmp_path / "out", make_executor("ray", jobs=1))
    with pytest.raises(
        ValueError, match="unknown executor 'dask'; choose from: local, ray, serial"
    ):
        make_executor("dask")


def test_a_raising_run_is_recorded_as_failed_and_the_suite_goes_on(
    tmp_path: Path, bench_path: Path
) -> None:
    body = '[[optimizer]]\nname = "test-boom"\nparams = { after = 2 }\n'
    spec = load_suite(suite_file(tmp_path, bench_path, body, seeds=2))
    ex = make_executor("local", jobs=2, plugins=(str(PLUGINS),))
    progress = run_suite(spec, tmp_path / "out", ex)
    assert progress.ok == 8 and len(progress.failed) == 4
    assert all("boom after 2 requests" in e for e in progress.failed.values())
    store = ResultsStore(tmp_path / "out")
    failures = store.load_failures()
    assert len(failures) == 4 and all(f["run"]["optimizer"] == "test-boom" for f in failures)
    assert "Traceback" in failures[0]["traceback"] and "RuntimeError" in failures[0]["traceback"]
    table = runs_table(tmp_path / "out")
    assert (table["status"] == "failed").sum() == 4 and (table["status"] == "ok").sum() == 8
    assert table.loc[table["status"] == "failed", "error"].str.contains("boom").all()


def test_lce_cell_without_lce_package_fails_cleanly(tmp_path: Path, bench_path: Path) -> None:
    text = (
        suite_file(tmp_path, bench_path)
        .read_text()
        .replace("[[benchmark]]", '[lce]\nwrapper = "no_such_lce_package:LCE"\n\n[[benchmark]]', 1)
        .replace('name = "rea"', 'name = "rea"\nlce = ["none", "test-last"]')
    )
    path = tmp_path / "lce.toml"
    path.write_text(text)
    progress = run_suite(load_suite(path), tmp_path / "out", make_executor("serial"))
    assert len(progress.failed) == 6 and progress.ok == 12
    assert all(
        "LCEUnavailableError" in e and "no_such_lce_package" in e for e in progress.failed.values()
    )


def test_lce_cells_construct_the_wrapper_with_method_and_options(
    tmp_path: Path, bench_path: Path
) -> None:
    from tests.nas_sim import suite_plugins

    text = (
        suite_file(tmp_path, bench_path)
        .read_text()
        .replace(
            "[[benchmark]]",
            '[lce]\nwrapper = "tests.nas_sim.suite_plugins:RecordingLCE"\ntop_fraction = 0.5\n'
            "[lce.params.test-last]\nscale = 3.0\n\n[[benchmark]]",
            1,
        )
        .replace('name = "rea"', 'name = "rea"\nlce = ["none", "test-last"]')
    )
    path = tmp_path / "lce.toml"
    path.write_text(text)
    spec = load_suite(path)  # constructs each LCE configuration once, to check its options
    assert suite_plugins.RecordingLCE.calls
    suite_plugins.RecordingLCE.calls.clear()
    progress = run_suite(spec, tmp_path / "out", make_executor("serial"))
    assert not progress.failed and progress.ok == 18
    calls = suite_plugins.RecordingLCE.calls
    # 6 runs, after one set-up check per distinct configuration (2 worker counts) on the benchmark
    assert len(calls) == 2 + 6 and calls[0] == {
        "method": "LastValue",
        "e_few": 3,
        "top_fraction": 0.5,
    }
    # the stand-in wrapper trains fully, so an LCE run equals its inner optimizer's run
    store = ResultsStore(tmp_path / "out")
    res = {
        (r.config["label"], r.config["seed"], r.config["n_workers"]): r
        for r in store.load_results()
    }
    assert res[("rea-test-last(E=3)", 1, 2)].trajectory == res[("rea", 1, 2)].trajectory


def test_resume_refuses_a_benchmark_whose_data_changed(tmp_path: Path) -> None:
    bench = tmp_path / "data.parquet"
    write_curve_set(synthetic_nb201_set(30, 1, 6, seed=1), bench)
    spec = load_suite(suite_file(tmp_path, bench, seeds=1))
    run_suite(spec, tmp_path / "out", make_executor("serial"))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["benchmarks"]["syn"]["ref"] == str(bench.resolve())
    from nas_sim.suite import runner

    write_curve_set(synthetic_nb201_set(30, 1, 6, seed=2), bench)  # regenerated data
    runner._benchmarks.clear()  # a new process would load the file afresh
    with pytest.raises(SuiteStoreError, match="'syn'.*changed since"):
        run_suite(
            load_suite(suite_file(tmp_path, bench, seeds=1)),
            tmp_path / "out",
            make_executor("serial"),
            resume=True,
        )


def test_missing_benchmark_data_is_one_clear_error(tmp_path: Path, bench_path: Path) -> None:
    spec = parse_suite(
        {"suite": {}, "benchmark": [{"name": "test-broken-bench"}], "optimizer": [{"name": "rs"}]},
        source="b.toml",
    )
    with pytest.raises(
        SuiteStoreError, match="b.toml: benchmark 'test-broken-bench'.*cannot be loaded"
    ):
        run_suite(spec, tmp_path / "out", make_executor("serial"))
    assert not (tmp_path / "out" / "runs").exists()


def test_registered_lce_method_wraps_the_optimizer_itself(tmp_path: Path, bench_path: Path) -> None:
    if "last" not in registry.names("lce"):
        pytest.skip("the lce package (method 'last') is not installed")
    text = (
        suite_file(tmp_path, bench_path, seeds=2)
        .read_text()
        .replace(
            'name = "rea"',
            'name = "rea"\nlce = ["none", "last"]\nlce_options = { n_init_full = 5 }',
        )
    )
    path = tmp_path / "lce.toml"
    path.write_text(text)
    progress = run_suite(load_suite(path), tmp_path / "out", make_executor("serial"))
    assert not progress.failed, progress.failed
    res = {
        (r.config["label"], r.config["seed"], r.config["n_workers"]): r
        for r in ResultsStore(tmp_path / "out").load_results()
    }
    lce, base = res[("rea-last(E=3)", 0, 1)], res[("rea", 0, 1)]
    assert lce.config["optimizer_hyperparameters"]["e_few"] == 3
    # stopping candidates at E_few lets LCE start more runs than it fully trains
    # (a plain optimizer's only unfinished run is the one cut off by the budget)
    assert lce.summary.runs - lce.summary.full_trainings > 1
    assert base.summary.runs - base.summary.full_trainings <= 1
    bad = path.read_text().replace("n_init_full = 5", "n_init_full = 5, top_fraction = 2.0")
    path.write_text(bad)
    with pytest.raises(SuiteSpecError, match="rea-last.*top_fraction"):
        load_suite(path)


def test_resume_skips_finished_runs_and_guards_the_directory(
    tmp_path: Path, bench_path: Path
) -> None:
    spec = load_suite(suite_file(tmp_path, bench_path, seeds=2))
    out = tmp_path / "out"
    run_suite(spec, out, make_executor("serial"))
    reference = files(out)
    runs = sorted((out / "runs").glob("*.json"))
    for p in runs[:3]:
        p.unlink()
    with pytest.raises(SuiteStoreError, match="pass --resume"):
        run_suite(spec, out, make_executor("serial"))
    progress = run_suite(spec, out, make_executor("serial"), resume=True)
    assert progress.skipped == 5 and progress.ok == 3
    assert files(out) == reference
    text = suite_file(tmp_path, bench_path, seeds=3).read_text().replace('"30x"', '"31x"')
    other = load_suite(_write(tmp_path / "other.toml", text))
    with pytest.raises(SuiteStoreError, match="another suite grid"):
        run_suite(other, out, make_executor("serial"), resume=True)
    # more seeds: the old grid is part of the new one, so --resume extends the directory
    more = load_suite(suite_file(tmp_path, bench_path, seeds=3))
    with pytest.raises(SuiteStoreError, match="pass --resume to extend it"):
        run_suite(more, out, make_executor("serial"))
    progress = run_suite(more, out, make_executor("serial"), resume=True)
    assert progress.skipped == 8 and progress.ok == 4
    assert {k: v for k, v in files(out).items() if k in reference and k != "manifest.json"} == {
        k: v for k, v in reference.items() if k != "manifest.json"
    }


@pytest.mark.parametrize("executor", ["serial", pytest.param("local", marks=pytest.mark.slow)])
def test_kill_9_then_resume_loses_and_duplicates_nothing(
    tmp_path: Path, bench_path: Path, executor: str
) -> None:
    # random search with budgets so long that each run takes a few tenths of a second: the kill
    # lands mid-suite
    path = _write(
        tmp_path / "long.toml",
        f'[suite]\nseeds = 3\nbudget = ["8000x", "10000x"]\nworkers = [1, 2]\n'
        f'[[benchmark]]\npath = "{bench_path}"\nlabel = "syn"\n[[optimizer]]\nname = "rs"\n',
    )
    spec = load_suite(path)
    n = len(spec.expand())
    out = tmp_path / "killed"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nas_sim.cli",
            "suite",
            str(path),
            "--out",
            str(out),
            "-e",
            executor,
            "-j",
            "2",
            "-q",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((out / "runs").glob("*.json"))) >= 2:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the suite finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the driver, its pool workers and the forkserver
    finally:
        proc.wait()
    done_at_kill = len(list((out / "runs").glob("*.json")))
    assert 2 <= done_at_kill < n
    progress = run_suite(spec, out, make_executor("serial"), resume=True)
    assert progress.skipped == done_at_kill and progress.ok == n - done_at_kill
    run_suite(spec, tmp_path / "clean", make_executor("serial"))
    killed, clean = files(out), files(tmp_path / "clean")
    killed = {
        k: v for k, v in killed.items() if not Path(k).name.startswith(".")
    }  # torn temp files
    assert killed == clean and len([k for k in clean if k.startswith("runs")]) == n


def test_export_parquet_csv_and_trajectories(tmp_path: Path, bench_path: Path) -> None:
    spec = load_suite(suite_file(tmp_path, bench_path, seeds=2))
    out = tmp_path / "out"
    run_suite(spec, out, make_executor("serial"))
    pq = pd.read_parquet(export_runs(out, tmp_path / "runs.parquet"))
    csv = pd.read_csv(export_runs(out, tmp_path / "runs.csv"))
    assert len(pq) == len(csv) == 8 and (pq["status"] == "ok").all()
    assert set(pq["label"]) == {"rs", "rea"} and pq["regret"].notna().all()
    assert list(pq["run_id"]) == list(csv["run_id"])
    traj = runs_table(out, trajectories=True)
    r = load_result(out / "runs" / f"{pq['run_id'][0]}.json")
    assert (traj["run_id"] == pq["run_id"][0]).sum() == len(r.trajectory.time_s)
    with pytest.raises(ValueError, match="must end in .parquet or .csv"):
        export_runs(out, tmp_path / "runs.xlsx")
