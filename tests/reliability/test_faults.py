"""Faults: a second writer, a killed writer, SIGINT and SIGTERM. Nothing lost, nothing done
twice, every process stopped, and ``--resume`` ends byte-identical to an uninterrupted suite."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nas_sim.results import load_result
from tests.reliability.conftest import PLUGINS, cli, folder_files, live_processes


def _slow_suite(tmp: Path, bench: Path, seeds: int) -> Path:
    """Runs of ``rel-slow``: with ``SLOW`` in the environment each ask also sleeps (real time
    only, the results do not change), so a test catches the suite mid-run however fast the
    machine, and the resume and clean runs without it are quick."""
    path = tmp / "slow.toml"
    path.write_text(
        f'[suite]\nseeds = {seeds}\nbudget = "20x"\n[[benchmark]]\npath = "{bench}"\n'
        '[[optimizer]]\nname = "rel-slow"\n'
    )
    return path


SLOW = {"NAS_SIM_TEST_SLOW": "0.05"}
PLUGIN = ("--plugin", str(PLUGINS))


def _start(
    suite: Path, out: Path, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nas_sim.cli", "suite", str(suite), "--out", str(out), "-q"]
        + list(extra),
        start_new_session=True,  # its own process group: workers and forkserver with it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _wait_for(cond: object, proc: subprocess.Popen[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():  # type: ignore[operator]
        assert proc.poll() is None, f"the suite ended first: {proc.communicate()}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _n_runs(out: Path) -> int:
    return len(list((out / "runs").glob("*.json"))) if (out / "runs").is_dir() else 0


def test_a_second_writer_is_refused_naming_the_holder_and_a_killed_ones_lock_is_recovered(
    tmp_path: Path, small_set: Path
) -> None:
    suite, out = _slow_suite(tmp_path, small_set, seeds=16), tmp_path / "out"
    plugin = PLUGIN
    first = _start(suite, out, "-e", "serial", *plugin, env=SLOW)
    try:
        _wait_for(lambda: (out / ".lock-holder.json").exists(), first)
        for extra in ((), ("--resume",)):
            second = cli("suite", suite, "--out", out, "-e", "serial", "-q", *plugin, *extra)
            assert first.poll() is None, "the first writer ended: the check proves nothing"
            assert second.returncode != 0 and "Traceback" not in second.output
            assert f"pid {first.pid} on host {socket.gethostname()!r}" in second.output
            assert "in use by another nas-sim suite" in second.output
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # a stale lock and holder record stay behind
        first.communicate()
    assert json.loads((out / ".lock-holder.json").read_text())["pid"] == first.pid
    done = _n_runs(out)
    assert done < 16
    resumed = cli("suite", suite, "--out", out, "-e", "serial", "-q", "--resume", *plugin)
    assert resumed.returncode == 0, resumed.output
    assert f"{16 - done} run(s) finished, 0 failed, {done} skipped" in resumed.output
    assert _n_runs(out) == 16
    assert not (out / ".lock-holder.json").exists()  # released at the end


@pytest.mark.parametrize(
    ("executor", "sig"),
    [
        ("local", signal.SIGTERM),
        pytest.param("local", signal.SIGINT, marks=pytest.mark.slow),
        # Ray starts in seconds and is an optional extra: slow, and skipped without it
        pytest.param("ray", signal.SIGTERM, marks=pytest.mark.slow),
        pytest.param("ray", signal.SIGINT, marks=pytest.mark.slow),
    ],
    ids=["local-TERM", "local-INT", "ray-TERM", "ray-INT"],
)
def test_a_signal_stops_the_pool_keeps_results_and_resume_completes(
    tmp_path: Path, small_set: Path, executor: str, sig: signal.Signals
) -> None:
    if executor == "ray":
        pytest.importorskip("ray")
    suite, out = _slow_suite(tmp_path, small_set, seeds=12), tmp_path / "out"
    proc = _start(suite, out, "-e", executor, "-j", "2", *PLUGIN, env=SLOW)
    _wait_for(lambda: _n_runs(out) >= 2, proc)
    os.kill(proc.pid, sig)  # the driver only, as a scheduler's SIGTERM or a kill -INT
    t0 = time.monotonic()
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert time.monotonic() - t0 < 15, "shutdown took too long"
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and "--resume" in err and f"interrupted by {sig.name}" in err
    deadline = time.monotonic() + 10
    while live_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not live_processes(proc.pid), "workers left running"
    kept = _n_runs(out)
    assert not [p for p in out.rglob(".*.tmp")]  # no partial files
    for p in (out / "runs").glob("*.json"):
        load_result(p)  # every stored result is complete
    resumed = cli("suite", suite, "--out", out, "-e", "serial", "-q", "--resume", *PLUGIN)
    assert resumed.returncode == 0 and f"{kept} skipped" in resumed.output, resumed.output
    clean = tmp_path / "clean"
    assert cli("suite", suite, "--out", clean, "-e", "serial", "-q", *PLUGIN).returncode == 0
    assert folder_files(out) == folder_files(clean)


@pytest.mark.slow
def test_an_interrupted_run_saves_its_partial_trajectory(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nas_sim.cli",
            "run",
            "--budget",
            "1000000x",
            "-q",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # well into the run (the benchmark loads in about a second)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and "Traceback" not in err, err
    result = load_result(out)
    assert result.config["interrupted"] is True
    assert 0 < result.summary.jobs == len(result.trajectory.time_s)
    assert f"after {result.summary.jobs} jobs" in err
