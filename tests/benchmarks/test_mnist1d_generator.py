"""The MNIST-1D NB201 generator: network, plan, device/arch/output errors, resume and recovery."""

from __future__ import annotations

import datetime
import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mnist1d")

from click.testing import CliRunner  # noqa: E402

from nas_sim.benchmarks.cli import data as data_cli  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.data import DataConfig, load_splits  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.generator import (  # noqa: E402
    GeneratorConfig,
    GeneratorError,
    generate,
    machine_label,
    run_key,
    runs_dir,
)
from nas_sim.benchmarks.offline.mnist1d.network import (  # noqa: E402
    AvgPool3,
    NB201Net1d,
    NetworkConfig,
    count_params,
)
from nas_sim.benchmarks.offline.mnist1d.plan import SPARSE_CELLS, file_plan, priority_plan  # noqa: E402
from nas_sim.benchmarks.offline.mnist1d.training import TrainingConfig, resolve_device, train_run  # noqa: E402
from nas_sim.benchmarks.spaces.nb201 import NB201Space  # noqa: E402
from tests.reliability.conftest import live_processes  # noqa: E402

TINY = GeneratorConfig(
    training=TrainingConfig(epochs=2, batch_size=50),
    data=DataConfig(num_samples=500, n_train=100, n_val=100),
)
JOBS = [
    ((3, 1, 0, 4, 2, 3), 0),
    ((1, 1, 1, 1, 1, 1), 0),
    ((0, 0, 0, 0, 0, 0), 0),
    ((1, 1, 1, 1, 1, 1), 1),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_data():
    return load_splits(TINY.data)


def _curves(rec: dict) -> dict:
    """A run record without its timings (which differ between identical runs)."""
    timings = ("measured_", "run_wall", "run_cpu", "finished_at")
    return {k: v for k, v in rec.items() if not k.startswith(timings)}


# ----------------------------------------------------------------- network and data
def test_data_split_sizes_and_no_download(tmp_path, monkeypatch, tiny_data):
    monkeypatch.chdir(tmp_path)  # get_dataset would write a pickle cache here
    d = load_splits(TINY.data)
    assert d.x_train.shape == (100, 1, 40) and d.x_val.shape == (100, 1, 40)
    assert d.x_test.shape == (100, 1, 40)
    np.testing.assert_array_equal(d.x_train, tiny_data.x_train)  # fixed seeds
    assert list(tmp_path.iterdir()) == []


def test_avg_pool_matches_torch():
    x = torch.randn(3, 4, 11)
    ref = torch.nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=False)(x)
    torch.testing.assert_close(AvgPool3()(x), ref)


def test_isomorphic_cells_build_identical_networks():
    space = NB201Space()
    busy_but_disconnected = (3, 3, 3, 0, 0, 0)
    assert space.canonical(busy_but_disconnected) == (0,) * 6
    cfg = NetworkConfig()
    a, b = NB201Net1d(busy_but_disconnected, cfg), NB201Net1d((0,) * 6, cfg)
    assert count_params(a) == count_params(b)
    x = torch.randn(2, 1, 40)
    cell = a.features[2]
    assert torch.count_nonzero(cell(torch.randn(2, 4, 40))) == 0
    assert a(x).shape == (2, 10)


def test_training_is_deterministic_per_arch_and_seed(tiny_data):
    torch.set_num_threads(1)
    cpu = torch.device("cpu")
    r1 = train_run((3, 1, 0, 4, 2, 3), 7, tiny_data, TINY.training, TINY.network, cpu)
    r2 = train_run((3, 1, 0, 4, 2, 3), 7, tiny_data, TINY.training, TINY.network, cpu)
    r3 = train_run((3, 1, 0, 4, 2, 3), 8, tiny_data, TINY.training, TINY.network, cpu)
    assert _curves(r1) == _curves(r2)
    assert r1["val_loss"] != r3["val_loss"]
    assert len(r1["val_accuracy"]) == 2 and all(0 <= a <= 1 for a in r1["test_accuracy"])
    assert r1["flops"] > 0 and r1["params"] > 0 and r1["device"] == "cpu"


# ----------------------------------------------------------------- plans
def test_priority_plan_covers_core_seeds_first():
    space = NB201Space()
    jobs = priority_plan([0, 1, 2])
    assert len(jobs) == len(set(jobs)) == 6466 * 3
    head = jobs[:420]
    archs = {a for a, _ in head}
    assert len(archs) == 300
    seeds_of = {a: sorted(s for b, s in head if b == a) for a in archs}
    assert sum(v == [0, 1, 2] for v in seeds_of.values()) == 60
    assert all(space.canonical(a) == a for a in archs)
    assert {space.canonical(c) for c in SPARSE_CELLS} <= archs


def test_file_plan_canonicalises_and_names_bad_lines():
    space = NB201Space()
    a = space.format((3, 3, 3, 0, 0, 0))
    jobs = file_plan([a, "# comment", space.format((0,) * 6), ""], [0, 1], "archs.txt")
    assert jobs == [((0,) * 6, 0), ((0,) * 6, 1)]
    with pytest.raises(ValueError, match=r"archs.txt:2: invalid architecture '\|conv~0\|"):
        file_plan([a, "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"], [0], "archs.txt")


# ----------------------------------------------------------------- errors
def test_unknown_device_is_refused():
    with pytest.raises(ValueError, match="unknown device 'tpu'; choose from"):
        resolve_device("tpu")
    result = CliRunner().invoke(data_cli, ["generate-mnist1d", "--out", "x", "--device", "tpu"])
    assert result.exit_code != 0 and "unknown device 'tpu'" in result.output


def test_invalid_architecture_file_is_refused(tmp_path):
    bad = tmp_path / "archs.txt"
    bad.write_text("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|\n")
    r = CliRunner().invoke(
        data_cli, ["generate-mnist1d", "--out", str(tmp_path), "--archs", str(bad)]
    )
    assert r.exit_code != 0 and "archs.txt:1" in r.output and "node 3" in r.output
    r = CliRunner().invoke(
        data_cli, ["generate-mnist1d", "--out", str(tmp_path), "--archs", "nope"]
    )
    assert r.exit_code != 0 and "'nope' is neither 'priority' nor a readable file" in r.output


def test_unwritable_output_is_refused(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(GeneratorError, match=r"output folder '.*a_file/out' is not writable"):
        generate(JOBS[:1], blocker / "out", TINY, device="cpu", workers=0, log=io.StringIO())


def test_missing_mnist1d_package_is_named_before_any_worker_starts(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mnist1d", None)  # makes `import mnist1d` fail
    with pytest.raises(
        GeneratorError, match=r"needs the 'mnist1d' package: pip install 'nas-sim\[data\]'"
    ):
        generate(JOBS[:1], tmp_path / "out", TINY, device="cpu", workers=2, log=io.StringIO())
    assert not (tmp_path / "out").exists()  # nothing written for a run that cannot start


def test_other_configuration_in_output_is_refused(tmp_path):
    generate(JOBS[:1], tmp_path, TINY, device="cpu", workers=0, log=io.StringIO())
    other = replace(TINY, training=replace(TINY.training, epochs=3))
    with pytest.raises(GeneratorError, match="holds runs of another configuration"):
        generate(JOBS[:1], tmp_path, other, device="cpu", workers=0, log=io.StringIO())


# ----------------------------------------------------------------- resume and recovery
def test_resume_skips_finished_runs_and_recovers_half_written_output(tmp_path):
    log = io.StringIO()
    s = generate(JOBS[:3], tmp_path, TINY, device="cpu", workers=0, log=log)
    assert s["trained"] == 3
    folder = runs_dir(tmp_path)
    for p in folder.glob("*.json"):
        rec = json.loads(p.read_text())
        # which machine (and boot of it) trained the run, for the epoch-time fit
        assert rec["machine"] == machine_label() and ", boot " in rec["machine"]
        assert datetime.datetime.fromisoformat(rec["finished_at_utc"]).tzinfo is not None
    kept = folder / f"{run_key(*JOBS[0])}.json"
    kept_bytes = kept.read_bytes()
    # what a kill leaves behind: an interrupted atomic write, and (copied from elsewhere, or a
    # non-atomic writer) a truncated run file
    (folder / f".{run_key(*JOBS[3])}.json.ab12cd.tmp").write_text('{"key": "a1')
    broken = folder / f"{run_key(*JOBS[1])}.json"
    original = json.loads(broken.read_text())
    broken.write_text(broken.read_text()[:40])

    log = io.StringIO()
    s = generate(JOBS, tmp_path, TINY, device="cpu", workers=0, log=log)
    text = log.getvalue()
    assert "recovered: removed .a111111-s1.json.ab12cd.tmp (temporary file" in text
    assert "recovered: removed a111111-s0.json (unreadable run file" in text
    assert s["skipped"] == 2 and s["trained"] == 2  # the broken run and the new one
    assert kept.read_bytes() == kept_bytes
    assert _curves(json.loads(broken.read_text())) == _curves(original)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{run_key(*j)}.json" for j in JOBS)

    s = generate(JOBS, tmp_path, TINY, device="cpu", workers=0, log=io.StringIO())
    assert s["trained"] == 0 and s["skipped"] == 4


def test_build_set_from_partial_runs(tmp_path):
    from nas_sim.benchmarks.curve_set import read_curve_set
    from nas_sim.benchmarks.offline.mnist1d.assemble import build
    from nas_sim.benchmarks.offline.mnist1d.card import compute_stats, render_card

    generate(JOBS, tmp_path / "runs", TINY, device="cpu", workers=0, log=io.StringIO())
    (runs_dir(tmp_path / "runs") / ".stray.json.x.tmp").write_text("{")  # ignored
    paths = build(tmp_path / "runs", tmp_path / "set", generate_command="cmd")
    assert {p.name for p in paths} == {
        "curves.parquet",
        "curves.json",
        "stats.json",
        "DATA_CARD.md",
    }
    cs = read_curve_set(tmp_path / "set" / "curves.parquet")
    assert cs.n_runs == 4 and cs.max_epochs == 2 and cs.space == "nb201"
    assert set(cs.seeds.tolist()) == {0, 1}
    stats = json.loads((tmp_path / "set" / "stats.json").read_text())
    assert stats == json.loads(json.dumps(compute_stats(cs)))
    assert (tmp_path / "set" / "DATA_CARD.md").read_text() == render_card(
        stats, dict(cs.provenance)
    )


def _small_generation_command(out: Path, limit: int) -> list[str]:
    """A quick generator run in a subprocess: 2 epochs on 100 training signals, 2 workers."""
    return [sys.executable, "-m", "nas_sim.benchmarks.cli", "data", "generate-mnist1d"] + [
        "--out", str(out), "--epochs", "2", "--n-train", "100", "--limit", str(limit),
        "--workers", "2", "--device", "cpu",
    ]  # fmt: skip


@pytest.mark.slow
def test_killed_generator_process_resumes(tmp_path):
    """A real SIGKILL mid-run, then the same command again: every planned run exists once."""
    cmd = _small_generation_command(tmp_path, limit=8)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(runs_dir(tmp_path).glob("*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "already done" in out.stdout
    assert len(list(runs_dir(tmp_path).glob("*.json"))) == 8
    assert not list(runs_dir(tmp_path).glob("*.tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_to_the_generator_stops_its_workers_and_keeps_finished_runs(tmp_path, sig):
    """SIGTERM (a scheduler) or SIGINT to the driver alone: no worker trains on as an orphan,
    the exit status is the shell's 128 + signal, and the same command resumes to the full plan."""
    cmd = _small_generation_command(tmp_path, limit=12)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True
    )
    deadline = time.time() + 120
    while time.time() < deadline and len(list(runs_dir(tmp_path).glob("*.json"))) < 2:
        time.sleep(0.05)
    os.kill(proc.pid, sig)  # the driver only, as `kill PID` or a scheduler does
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and "rerun the same command to resume" in err
    deadline = time.time() + 15
    while live_processes(proc.pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not live_processes(proc.pid), "generator workers left running"
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "already done" in out.stdout
    assert len(list(runs_dir(tmp_path).glob("*.json"))) == 12
