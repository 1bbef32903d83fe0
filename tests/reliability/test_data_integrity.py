"""Data integrity: corrupted sets and artefacts are refused, damaged results are found on
resume, failed runs make a suite fail, and one configuration is one group in plots."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nas_sim import api
from nas_sim.benchmarks.curve_set import CurveSetError, read_curve_set, sidecar_path
from nas_sim.plots import configuration_labels
from tests.reliability.conftest import (
    PLUGINS,
    assert_clear_error,
    cli,
    fast_half,
    folder_files,
    suite_toml,
)

TINY_SURROGATE = Path(__file__).parents[2] / "benchmarks" / "data" / "surrogates" / "tiny_synthetic"


def _copy_set(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst / "c.parquet")
    shutil.copy(sidecar_path(src), dst / "c.json")
    return dst / "c.parquet"


def test_a_sidecar_without_its_hash_is_refused_naming_how_to_recreate_it(
    tmp_path: Path, small_set: Path
) -> None:
    path = _copy_set(small_set, tmp_path)
    meta = json.loads(sidecar_path(path).read_text())
    del meta["parquet_sha256"]
    sidecar_path(path).write_text(json.dumps(meta))
    out = cli("run", "-q", "-b", path, "--budget", "3x")
    assert_clear_error(out, "c.json", "parquet_sha256", "re-create the set")


def test_every_bit_flip_of_a_curve_set_is_refused(tmp_path: Path, small_set: Path) -> None:
    path = _copy_set(small_set, tmp_path)
    clean = path.read_bytes()
    rng = np.random.default_rng(0)
    for bit in rng.choice(len(clean) * 8, size=40, replace=False):
        data = bytearray(clean)
        data[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(data))
        with pytest.raises(CurveSetError, match="does not match the SHA-256"):
            read_curve_set(path)


def _surrogate(tmp: Path, edit: object) -> Path:
    d = tmp / "sur"
    shutil.copytree(TINY_SURROGATE, d)
    m = json.loads((d / "manifest.json").read_text())
    edit(m)  # type: ignore[operator]
    (d / "manifest.json").write_text(json.dumps(m))
    return d


MANIFEST_EDITS = {
    "max_epochs changed": (lambda m: m.update(max_epochs=13), "prep/offset has shape"),
    "metric removed": (
        lambda m: m.update(metrics=[x for x in m["metrics"] if x != "val_accuracy"]),
        "the objective 'val_accuracy' is not among its metrics",
    ),
    "unknown metric": (
        lambda m: m.update(metrics=[*m["metrics"][:-1], "val_foo"]),
        "metrics must be a non-empty list",
    ),
    "objective without test twin": (
        lambda m: m.update(objective="val_loss"),
        "has no test twin 'test_loss'",
    ),
    "space changed": (lambda m: m.update(space="darts"), "feature_spec's space"),
    "max_epochs not a number": (lambda m: m.update(max_epochs="12"), "max_epochs must be"),
}


@pytest.mark.parametrize("edit", fast_half(MANIFEST_EDITS))
def test_an_edited_surrogate_manifest_is_refused(tmp_path: Path, edit: str) -> None:
    change, named = MANIFEST_EDITS[edit]
    d = _surrogate(tmp_path, change)
    out = cli("run", "-q", "-b", d, "--budget", "3x")
    assert_clear_error(out, named)
    if edit != "max_epochs changed":  # that one only shows against the arrays, at load
        assert_clear_error(cli("surrogate", "info", d), named)


def test_resume_moves_damaged_results_aside_and_reruns_them(
    tmp_path: Path, small_set: Path
) -> None:
    suite = suite_toml(tmp_path / "s.toml", small_set, seeds=3)
    clean, damaged = tmp_path / "clean", tmp_path / "damaged"
    for out in (clean, damaged):
        assert cli("suite", suite, "-e", "serial", "-q", "--out", out).returncode == 0
    runs = sorted((damaged / "runs").glob("*.json"))
    truncated, edited, swapped = runs[0], runs[1], runs[2]
    truncated.write_bytes(truncated.read_bytes()[:100])
    data = json.loads(edited.read_text())
    data["trajectory"]["time_s"] = data["trajectory"]["time_s"][:-1]  # cut, and re-closed
    edited.write_text(json.dumps(data))
    swapped.write_bytes(runs[3].read_bytes())  # another run's result under this name
    out = cli("suite", suite, "-e", "serial", "-q", "--out", damaged, "--resume")
    assert out.returncode == 0, out.output
    for p in (truncated, edited, swapped):
        assert p.stem in out.output
        assert (damaged / "damaged" / p.name).exists()  # kept for inspection, not deleted
    assert "3 run(s) finished" in out.output
    kept = {k: v for k, v in folder_files(damaged).items() if not k.startswith("damaged")}
    assert kept == folder_files(clean)


def test_a_suite_with_failed_runs_exits_non_zero(tmp_path: Path, small_set: Path) -> None:
    suite = suite_toml(tmp_path / "s.toml", small_set, seeds=2)
    suite.write_text(suite.read_text().replace('name = "rs"', 'name = "rel-raise-ask"'))
    out = cli("suite", suite, "-e", "serial", "-q", "--out", tmp_path / "o", "--plugin", PLUGINS)
    assert_clear_error(out, "2 of 4 run(s) failed", "--resume")
    assert len(list((tmp_path / "o" / "runs").glob("*.json"))) == 2  # REA's runs are stored


def test_plots_never_average_two_configurations_under_one_label(small_set: Path) -> None:
    bench = api.load_benchmark(small_set)
    a = [api.run(bench, "rs", seed=s, budget="5x") for s in range(2)]
    b = [api.run(bench, "rs", seed=s, budget="9x") for s in range(2)]
    labels = configuration_labels(a + b)
    assert len(set(labels)) == 2 and labels[0] == labels[1] and labels[2] == labels[3]
    assert '"5x"' in labels[0] and '"9x"' in labels[2]


def test_result_hash_of_the_data_is_recorded(small_set: Path) -> None:
    res = api.run(api.load_benchmark(small_set), "rs", budget="3x")
    assert res.config["benchmark_data_sha256"] == hashlib.sha256(small_set.read_bytes()).hexdigest()
