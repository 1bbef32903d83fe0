"""Learning-curve set format: round trip, validation and corrupt files."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from nas_sim.benchmarks.curve_set import (
    CurveSetError,
    read_curve_set,
    sidecar_path,
    write_curve_set,
)
from nas_sim.benchmarks.synthetic import synthetic_nb201_set


@pytest.fixture()
def small():  # type: ignore[no-untyped-def]
    return synthetic_nb201_set(n_archs=10, n_seeds=2, max_epochs=6)


def test_round_trip(small, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small = dataclasses.replace(small, run_info={"params": np.arange(small.n_runs)})
    path = write_curve_set(small, tmp_path / "s.parquet")
    back = read_curve_set(path)
    assert back.archs == small.archs and back.space == "nb201" and back.max_epochs == 6
    np.testing.assert_array_equal(back.seeds, small.seeds)
    for m, v in small.metrics.items():
        np.testing.assert_array_equal(back.metrics[m], v)
    np.testing.assert_array_equal(back.epoch_time_s, small.epoch_time_s)
    np.testing.assert_array_equal(back.run_info["params"], np.arange(small.n_runs))
    meta = json.loads(sidecar_path(path).read_text())
    assert meta["metrics"]["val_accuracy"]["unit"] == "fraction" and meta["version"] == 1


def test_missing_files(tmp_path, small) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CurveSetError, match="does not exist"):
        read_curve_set(tmp_path / "nope.parquet")
    path = write_curve_set(small, tmp_path / "s.parquet")
    sidecar_path(path).unlink()
    with pytest.raises(CurveSetError, match="no JSON sidecar"):
        read_curve_set(path)


def test_corrupt_parquet_is_detected(tmp_path, small) -> None:  # type: ignore[no-untyped-def]
    path = write_curve_set(small, tmp_path / "s.parquet")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CurveSetError, match="SHA-256"):
        read_curve_set(path)
    with pytest.raises(CurveSetError, match="not a readable Parquet"):
        read_curve_set(path, verify_hash=False)


def test_bad_sidecar(tmp_path, small) -> None:  # type: ignore[no-untyped-def]
    path = write_curve_set(small, tmp_path / "s.parquet")
    side = sidecar_path(path)
    meta = json.loads(side.read_text())
    side.write_text("{")
    with pytest.raises(CurveSetError, match="not valid JSON"):
        read_curve_set(path)
    side.write_text(json.dumps({**meta, "version": 99}))
    with pytest.raises(CurveSetError, match="format version 99"):
        read_curve_set(path)
    side.write_text(json.dumps({**meta, "max_epochs": 7}))
    with pytest.raises(CurveSetError, match="has 6 epochs, expected max_epochs=7"):
        read_curve_set(path)


def test_validation_names_the_bad_value(small) -> None:  # type: ignore[no-untyped-def]
    val = small.metrics["val_accuracy"].copy()
    val[3, 2] = np.nan
    bad = dataclasses.replace(small, metrics={**small.metrics, "val_accuracy": val})
    with pytest.raises(CurveSetError, match=r"non-finite val_accuracy \(nan\) at epoch 3 of run 3"):
        bad.validate()
    short = dataclasses.replace(
        small, metrics={**small.metrics, "val_accuracy": small.metrics["val_accuracy"][:, :4]}
    )
    with pytest.raises(CurveSetError, match=r"shape \(20, 4\), expected \(20, 6\)"):
        short.validate()
    pct = dataclasses.replace(
        small, metrics={**small.metrics, "val_accuracy": small.metrics["val_accuracy"] * 100}
    )
    with pytest.raises(CurveSetError, match="outside \\[0, 1\\].*--percent"):
        pct.validate()
    dup = dataclasses.replace(small, seeds=np.zeros(small.n_runs, dtype=np.int64))
    with pytest.raises(CurveSetError, match="duplicate run"):
        dup.validate()
    unknown = dataclasses.replace(small, metrics={**small.metrics, "val_acc": val})
    with pytest.raises(CurveSetError, match="unknown metric 'val_acc'"):
        unknown.validate()
    with pytest.raises(CurveSetError, match="'.parquet' path"):
        write_curve_set(small, "x.csv")
