"""``nas-sim build``: tabular + surrogate x11 benchmarks from fixture data, and their reports."""

from __future__ import annotations

import json
import pickle
import warnings
from fractions import Fraction

import pytest
from click.testing import CliRunner

from nas_sim import api
from nas_sim.benchmarks.curve_set import read_curve_set
from nas_sim.benchmarks.offline.x11 import RECIPES, build_benchmark
from nas_sim.cli import main
from tests.fixtures import nb101 as fx101
from tests.fixtures import nb201 as fx201
from tests.fixtures import nb301 as fx301
from tests.fixtures import nlp as fxnlp


def test_recipes_hold_the_x11_settings():
    assert {k: r.max_epochs for k, r in RECIPES.items()} == {
        "nb111": 108,
        "nb211": 200,
        "nb311": 98,
        "nlp11": 50,
    }
    assert RECIPES["nlp11"].extra_metrics == {"val_loss": 3}
    assert len(RECIPES["nb111"].extra_columns) == 4


def test_build_nlp11_with_surrogate_runs(tmp_path):
    data = fxnlp.random_folder(tmp_path / "logs", n=40)
    runner = CliRunner()
    res = runner.invoke(
        main,
        [
            "build",
            "nlp11",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "b"),
            "--test-fraction",
            "0.2",
            "--n-components",
            "3",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "surrogate:" in res.output and "val_loss" in res.output
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert report["tabular"]["architectures"] == 40 and report["tabular"]["max_epochs"] == 50
    scores = report["surrogate"]["scores"]
    assert scores["objective"] == "val_loss" and scores["n_architectures"] == 8
    assert scores["r2_final"] > 0.0  # the fixture's losses depend on the cell
    cs = read_curve_set(tmp_path / "b" / "tabular.parquet")
    assert cs.space == "nlp11"
    for opt in ("rs", "rea"):
        res = runner.invoke(
            main,
            [
                "run",
                "--benchmark",
                str(tmp_path / "b" / "tabular.parquet"),
                "--optimizer",
                opt,
                "--budget",
                "10x",
                "--json",
                "-q",
            ],
        )
        assert res.exit_code == 0, res.output
    # the surrogate needs each recipe's first three epochs as features: it searches the recipes
    # it stored them for, so a run on it works end to end
    res = runner.invoke(
        main,
        [
            "run",
            "--benchmark",
            str(tmp_path / "b" / "surrogate"),
            "--optimizer",
            "rea",
            "--budget",
            "10x",
            "--json",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["full_trainings"] > 0


def test_build_nb311_from_folder(tmp_path):
    root, _ = fx301.folder(tmp_path / "nb301", n=30, short=3)
    res = build_benchmark(
        RECIPES["nb311"],
        root,
        tmp_path / "out",
        test_fraction=0.2,
        fit_kwargs={"n_components": 2, "model_params": {"n_estimators": 50}},
    )
    assert res.report["tabular"]["runs"] == 30
    assert any("padded" in n for n in res.report["import"]["notes"])
    assert res.report["surrogate"]["encoding"] == "nb301"
    assert (tmp_path / "out" / "surrogate" / "manifest.json").is_file()
    bench = api.load_benchmark(tmp_path / "out" / "tabular.parquet")
    assert bench.max_epochs == 98


def test_build_nb211_tabular_only_and_trust(tmp_path):
    runner = CliRunner()
    pickled = fx201.naslib_pickle(tmp_path / "nb201_cifar10_full_training.pickle")
    data = pickle.loads(pickled.read_bytes())
    data[fx201.ARCHS[0]]["cifar10-valid"]["cost_info"]["train_time"] = Fraction(36, 5)
    path = tmp_path / "other_globals.pickle"  # names fractions.Fraction: needs full unpickling
    path.write_bytes(pickle.dumps(data))
    res = runner.invoke(main, ["build", "nb211", "--data", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0 and "--trust" in res.output
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the command prints its one warning line, no UserWarning
        res = runner.invoke(
            main,
            [
                "build",
                "nb211",
                "--data",
                str(path),
                "--out",
                str(tmp_path / "o"),
                "--trust",
                "--tabular-only",
            ],
        )
    assert res.exit_code == 0, res.output
    assert res.output.count("full unpickling") == 1
    assert "tabular:" in res.output and "E_max 200" in res.output
    assert "surrogate: skipped" in res.output


def test_build_nb111_tabular_only_and_missing_tfrecord(tmp_path):
    root = fx101.nb111_folder(tmp_path / "nb111")
    with pytest.raises(Exception, match="nasbench_full.tfrecord"):
        build_benchmark(RECIPES["nb111"], root, tmp_path / "o", surrogate=False)
    fx101.tfrecord(root / "nasbench_full.tfrecord")
    res = build_benchmark(RECIPES["nb111"], root, tmp_path / "o", surrogate=False)
    assert res.report["tabular"]["max_epochs"] == 108
    cs = read_curve_set(res.tabular)
    assert RECIPES["nb111"].extra_array(cs).shape == (2, 4)


def test_nb111_needs_the_full_tfrecord(tmp_path):
    root = fx101.nb111_folder(tmp_path / "nb111")
    tf = fx101.tfrecord(tmp_path / "nasbench_only108.tfrecord", budgets=(108,))
    res = build_benchmark(RECIPES["nb111"], root, tmp_path / "o", surrogate=False, tfrecord=tf)
    with pytest.raises(ValueError, match="nasbench_full.tfrecord"):
        RECIPES["nb111"].extra_array(read_curve_set(res.tabular))
