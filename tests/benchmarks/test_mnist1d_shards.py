"""Run shards: packing only adds new runs, unpacking restores them exactly, damage is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nas_sim.benchmarks.offline.mnist1d.generator import GeneratorError, runs_dir
from nas_sim.benchmarks.offline.mnist1d.shards import pack, packed_keys, unpack


def _folder(path: Path, keys: list[str], config: dict | None = None) -> Path:
    runs_dir(path).mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(config or {"format_version": 1, "x": 1}))
    for k in keys:
        (runs_dir(path) / f"{k}.json").write_text(
            json.dumps({"key": k, "val_accuracy": [0.5, 0.25]})
        )
    return path


def test_pack_adds_only_new_runs_and_unpack_restores_them(tmp_path):
    runs = _folder(tmp_path / "runs", ["a000001-s0", "a000001-s1"])
    shards = tmp_path / "shards"
    first = pack(runs, shards)
    assert first is not None and first.name == "shard-0001.jsonl.gz"
    assert pack(runs, shards) is None  # nothing new
    _folder(runs, ["a000002-s0"])
    second = pack(runs, shards)
    assert second is not None and second.name == "shard-0002.jsonl.gz"
    assert packed_keys(shards) == {"a000001-s0", "a000001-s1", "a000002-s0"}
    fresh = tmp_path / "fresh"
    assert unpack(shards, fresh) == 3
    assert unpack(shards, fresh) == 0
    for p in runs_dir(runs).glob("*.json"):
        assert json.loads((runs_dir(fresh) / p.name).read_text()) == json.loads(p.read_text())
    assert (fresh / "config.json").read_text() == (runs / "config.json").read_text()


def test_shard_machines_labels_each_packed_run_by_its_shard(tmp_path):
    from nas_sim.benchmarks.offline.mnist1d.assemble import shard_machines
    from nas_sim.benchmarks.offline.mnist1d.epoch_time import machine_label_of

    runs = _folder(tmp_path / "runs", ["a000001-s0"])
    shards = tmp_path / "shards"
    pack(runs, shards)
    _folder(runs, ["a000002-s0"])
    pack(runs, shards)
    labels = shard_machines(shards)
    assert labels == {"a000001-s0": "machine of shard-0001", "a000002-s0": "machine of shard-0002"}
    # a run's own record wins; unknown runs get a placeholder, never a silent merge
    assert machine_label_of({"key": "a000001-s0", "machine": "X, boot 1"}, labels) == "X, boot 1"
    assert machine_label_of({"key": "a000002-s0"}, labels) == "machine of shard-0002"
    assert machine_label_of({"key": "a000009-s0"}, labels) == "not recorded"
    # a shard packed across the generator's upgrade: its unlabelled runs share the one label
    _folder(runs, ["a000003-s0"])
    labelled = runs_dir(runs) / "a000004-s0.json"
    labelled.write_text(json.dumps({"key": "a000004-s0", "machine": "Y, boot 2"}))
    pack(runs, shards)
    labels = shard_machines(shards)
    assert labels["a000003-s0"] == labels["a000004-s0"] == "Y, boot 2"
    assert labels["a000001-s0"] == "machine of shard-0001"


def test_shard_machines_refuses_a_folder_without_shards(tmp_path):
    """A mistyped --shards must not silently label every run "not recorded"."""
    from click.testing import CliRunner

    from nas_sim.benchmarks.cli import data
    from nas_sim.benchmarks.offline.mnist1d.assemble import shard_machines

    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "nowhere", tmp_path / "empty"):
        with pytest.raises(GeneratorError, match=f"{folder.name}' holds no shards"):
            shard_machines(folder)
    runs = _folder(tmp_path / "runs", ["a000001-s0"])
    result = CliRunner().invoke(
        data,
        [
            "build-set",
            "--runs",
            str(runs),
            "--out",
            str(tmp_path / "set"),
            "--shards",
            str(tmp_path / "nowhere"),
        ],
    )
    assert result.exit_code != 0
    assert "nowhere' holds no shards" in result.output
    assert not (tmp_path / "set").exists()  # refused before anything is written


def test_damaged_shard_and_other_config_are_errors(tmp_path):
    runs = _folder(tmp_path / "runs", ["a000001-s0"])
    shards = tmp_path / "shards"
    pack(runs, shards)
    other = _folder(tmp_path / "other", ["a000003-s0"], {"format_version": 1, "x": 2})
    with pytest.raises(GeneratorError, match="different configurations"):
        pack(other, shards)
    (shards / "shard-0001.jsonl.gz").write_bytes(b"not gzip")
    with pytest.raises(GeneratorError, match="shard-0001.jsonl.gz' is unreadable"):
        unpack(shards, tmp_path / "fresh")
    with pytest.raises(GeneratorError, match="holds no shards"):
        unpack(tmp_path / "nowhere", tmp_path / "fresh2")


def test_pilot_resumes_from_shards(tmp_path):
    """pilot-mnist1d --shards unpacks committed runs first; --stats-only then sees them all."""
    pytest.importorskip("torch")
    pytest.importorskip("mnist1d")
    from click.testing import CliRunner

    from nas_sim.benchmarks.cli import data

    design = tmp_path / "tiny.json"
    design.write_text(
        json.dumps(
            {
                "trainer": "seed-batched",
                "training": {"epochs": 2, "batch_size": 50},
                "network": {"stem_channels": 4, "cells_per_stage": 1},
                "data": {"num_samples": 1000, "n_train": 100, "n_val": 100},
            }
        )
    )
    args = ["pilot-mnist1d", "--design", str(design), "--cells", "4", "--no-sparse"]
    first = CliRunner().invoke(data, [*args, "--out", str(tmp_path / "a"), "--workers", "0"])
    assert first.exit_code == 0, first.output
    pack(tmp_path / "a", tmp_path / "shards")
    again = CliRunner().invoke(
        data,
        [*args, "--out", str(tmp_path / "b"), "--shards", str(tmp_path / "shards"), "--stats-only"],
    )
    assert again.exit_code == 0, again.output
    assert "unpacked 12 runs" in again.output and "4 uniform cells x 3 seeds" in again.output


def test_build_set_and_pilot_refuse_bad_input(tmp_path):
    from click.testing import CliRunner

    from nas_sim.benchmarks.cli import data
    from nas_sim.benchmarks.curve_set import CurveSetError, write_curve_set
    from nas_sim.benchmarks.synthetic import synthetic_nb201_set

    runs = _folder(tmp_path / "runs", ["a000001-s0"])
    # no --out and no --design: refuse rather than overwrite a shipped table
    res = CliRunner().invoke(data, ["build-set", "--runs", str(runs)])
    assert res.exit_code != 0 and "give --out, or --design" in res.output
    res = CliRunner().invoke(
        data, ["pilot-mnist1d", "--design", "v1", "--out", "x", "--seeds", "0"]
    )
    assert res.exit_code != 0 and "at least two seeds" in res.output
    res = CliRunner().invoke(data, ["pilot-mnist1d", "--design", "nope", "--out", str(tmp_path)])
    assert res.exit_code != 0 and "unknown design 'nope'" in res.output
    with pytest.raises(
        CurveSetError, match="value_dtype must be one of float64, float32, got 'int8'"
    ):
        write_curve_set(synthetic_nb201_set(n_archs=5), tmp_path / "s.parquet", value_dtype="int8")
