"""``nas-sim surrogate fit|evaluate|info`` and the surrogate on real NAS-Bench-NLP logs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.cli import surrogate
from nas_sim.benchmarks.curve_set import write_curve_set
from nas_sim.benchmarks.surrogate.evaluate import architecture_folds, subset
from nas_sim.benchmarks.synthetic import synthetic_nb201_set


def _shared_data() -> Path:
    env = os.environ.get("NAS_SIM_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_fit_evaluate_info(tmp_path: Path) -> None:
    cs = synthetic_nb201_set(n_archs=60, n_seeds=2, max_epochs=8, seed=2)
    folds = architecture_folds(cs, "nb201", 4)
    write_curve_set(subset(cs, ~folds[0]), tmp_path / "train.parquet")
    write_curve_set(subset(cs, folds[0]), tmp_path / "test.parquet")
    runner = CliRunner()
    out = tmp_path / "sur"
    r = runner.invoke(
        surrogate,
        [
            "fit",
            str(tmp_path / "train.parquet"),
            "--space",
            "nb201",
            "--out",
            str(out),
            "--noise",
            "std",
            "--n-components",
            "3",
            "--accuracy-transform",
            "logit",
        ],
    )
    assert r.exit_code == 0, r.output
    assert (out / "manifest.json").is_file()
    assert "held-out val_accuracy" in r.output and "worst over-prediction" in r.output
    r = runner.invoke(
        surrogate,
        [
            "evaluate",
            str(out),
            "--test",
            str(tmp_path / "test.parquet"),
            "--json",
            "--samples",
            "20",
        ],
    )
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["n_architectures"] == 15 and res["objective"] == "val_accuracy"
    assert set(res["metrics"]) == set(cs.metrics)
    assert (
        res["max_over_prediction_final"]
        == res["metrics"]["val_accuracy"]["max_over_prediction_final"]
    )
    r = runner.invoke(surrogate, ["evaluate", str(out), "--test", str(tmp_path / "test.parquet")])
    assert r.exit_code == 0 and "val_accuracy" in r.output and "over fin" in r.output
    r = runner.invoke(surrogate, ["info", str(out), "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["format_version"] == 2 and info["compression"]["n_components"] == 3
    assert info["heldout"]["fraction"] == 0.2 and "val_accuracy" in info["heldout"]["metrics"]
    assert info["transforms"]["val_accuracy"] == "logit"
    assert info["transforms"]["val_loss"] == "log1p"


def test_cli_errors_are_clear(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(surrogate, ["info", str(tmp_path)])
    assert r.exit_code != 0 and "no manifest.json" in r.output
    r = runner.invoke(
        surrogate, ["fit", str(tmp_path / "nope.parquet"), "--out", str(tmp_path / "o")]
    )
    assert r.exit_code != 0 and "does not exist" in r.output
    cs = synthetic_nb201_set(n_archs=20, n_seeds=1, max_epochs=5)
    write_curve_set(cs, tmp_path / "s.parquet")
    r = runner.invoke(
        surrogate,
        ["fit", str(tmp_path / "s.parquet"), "--out", str(tmp_path / "o"), "--extra", "val_loss"],
    )
    assert r.exit_code != 0 and "METRIC=EPOCHS" in r.output
    r = runner.invoke(
        surrogate,
        ["fit", str(tmp_path / "s.parquet"), "--out", str(tmp_path / "o")]
        + ["--accuracy-transform", "probit"],
    )
    assert r.exit_code != 0 and "'probit' is not one of 'raw', 'logit'" in r.output


@pytest.mark.slow
def test_nlp_wikitext2_surrogate_ranks_held_out_cells() -> None:
    data = _shared_data() / "nas-bench-nlp-wikitext2"
    if not data.is_dir():
        pytest.skip(f"shared data not found at {data}")
    from nas_sim.benchmarks.offline.importers.nlp_logs import import_nlp_logs
    from nas_sim.benchmarks.spaces.nlp import NLPSpace
    from nas_sim.benchmarks.surrogate import evaluate_surrogate, fit_surrogate

    cs, _ = import_nlp_logs(data)
    space = NLPSpace()
    folds = architecture_folds(cs, space, 4)
    model = fit_surrogate(
        subset(cs, ~folds[0]),
        space,
        noise="std",
        n_components=5,
        extra_features={"val_loss": 3},
        model_params={"n_estimators": 150, "num_leaves": 7},
    )
    res = evaluate_surrogate(model, subset(cs, folds[0]), n_samples=5)
    assert res["objective"] == "val_loss"
    assert np.isfinite(res["tau_final"]) and res["tau_final"] > 0.3


def test_noise_choices_come_from_the_noise_models() -> None:
    """A new noise model is one class and one NOISE_MODELS entry: the CLI offers it."""
    from nas_sim.benchmarks.cli import surrogate
    from nas_sim.benchmarks.surrogate.noise import NOISE_MODELS

    (noise,) = [p for p in surrogate.commands["fit"].params if p.name == "noise"]
    assert list(noise.type.choices) == sorted(NOISE_MODELS)  # type: ignore[attr-defined]
