from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.curve_set import write_curve_set
from nas_sim.benchmarks.synthetic import synthetic_nb201_set
from nas_sim.cli import main
from nas_sim.lce.evaluate import evaluate, load_curves, split_by_arch
from tests.lce.conftest import shared_data

NLP = shared_data() / "nas-bench-nlp-wikitext2"


@pytest.fixture(scope="module")
def set_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("lce") / "syn.parquet"
    write_curve_set(synthetic_nb201_set(n_archs=40, n_seeds=2, max_epochs=12), path)
    return path


def test_split_keeps_seeds_of_an_architecture_together():
    archs = ["a", "a", "b", "c", "c", "d"]
    train, test = split_by_arch(archs, 0.5, seed=0)
    assert set(train) | set(test) == set(range(6)) and not set(train) & set(test)
    for group in ({0, 1}, {3, 4}):
        assert group <= set(train) or group <= set(test)
    assert split_by_arch(archs, 0.5, seed=0)[0].tolist() == train.tolist()


def test_evaluate_reports_every_metric(set_path):
    data = load_curves(set_path)
    rows = evaluate(data, ["last", "powerlaw"], [4, 6], train_fraction=0.5, seed=0)
    assert [(r.method, r.e_few) for r in rows] == [
        ("last", 4),
        ("last", 6),
        ("powerlaw", 4),
        ("powerlaw", 6),
    ]
    for r in rows:
        assert r.n_test + r.n_train == 80 and r.target_epoch == 12
        assert 0 <= r.coverage_90 <= 1 and np.isfinite(r.log_likelihood)
        assert -1 <= r.kendall_tau <= 1 and r.mae >= 0
    # saturating synthetic curves: a later E_few predicts better
    assert rows[1].mae < rows[0].mae


def test_evaluate_rejects_bad_epochs(set_path):
    data = load_curves(set_path)
    with pytest.raises(ValueError, match="E_few"):
        evaluate(data, ["last"], [12])
    with pytest.raises(ValueError, match="target_epoch"):
        evaluate(data, ["last"], [3], target_epoch=40)


def test_cli_evaluate_json_and_plot(set_path, tmp_path):
    png = tmp_path / "p.png"
    res = CliRunner().invoke(
        main,
        [
            "lce",
            "evaluate",
            "--curves",
            str(set_path),
            "--e-few",
            "4",
            "--methods",
            "last,lcsvr",
            "--json",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {r["method"] for r in out["results"]} == {"last", "lcsvr"}
    assert png.stat().st_size > 1000


def test_cli_evaluate_unknown_method(set_path):
    res = CliRunner().invoke(
        main, ["lce", "evaluate", "--curves", str(set_path), "--methods", "wpn"]
    )
    assert res.exit_code == 1 and "choose from" in res.output and "wpm" in res.output


def test_cli_run_with_lce(set_path):
    res = CliRunner().invoke(
        main,
        [
            "run",
            "-b",
            str(set_path),
            "-o",
            "rea",
            "--lce",
            "last",
            "--e-few",
            "4",
            "--top-fraction",
            "0.3",
            "--budget",
            "30x",
            "--json",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    s = json.loads(res.output[res.output.index("{") :])
    assert s["optimizer"] == "rea+last" and s["full_trainings"] < s["jobs"]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--e-few", "4"], "need --lce"),
        (["--lce", "last"], "needs --e-few"),
        (["--lce", "nope", "--e-few", "3"], "choose from"),
        (["--lce", "last", "--e-few", "3", "--top-fraction", "2"], "top_fraction"),
    ],
)
def test_cli_run_lce_errors(set_path, args, match):
    res = CliRunner().invoke(main, ["run", "-b", str(set_path), "--budget", "5x", "-q", *args])
    assert res.exit_code == 1 and match in res.output, res.output


@pytest.mark.skipif(not NLP.is_dir(), reason="shared NAS-Bench-NLP logs not available")
def test_nlp_logs_reader_skips_diverged_runs_by_name():
    data = load_curves(NLP)
    assert data.metric == "val_loss" and data.curves.shape == (171, 50)
    assert len(data.skipped) == 3
    assert all(f.startswith("log_stats_model_") and "nan" in why for f, why in data.skipped)
    assert np.isfinite(data.curves).all()


@pytest.mark.skipif(not NLP.is_dir(), reason="shared NAS-Bench-NLP logs not available")
def test_minimal_nlp_reader_agrees_with_the_importer():
    from nas_sim.lce.evaluate import _read_nlp_logs

    minimal = _read_nlp_logs(NLP, "val_loss")
    official = load_curves(NLP)
    assert minimal.curves.shape == official.curves.shape == (171, 50)
    assert sorted(f for f, _ in minimal.skipped) == sorted(f for f, _ in official.skipped)
    np.testing.assert_allclose(np.sort(minimal.curves[:, -1]), np.sort(official.curves[:, -1]))


def test_curves_come_through_the_benchmark_api(synthetic_set_path) -> None:  # type: ignore[no-untyped-def]
    """A registered tabular benchmark and its file give the same curves; a surrogate is refused."""
    from nas_sim import api

    by_name = load_curves("synthetic")
    by_file = load_curves(synthetic_set_path)
    np.testing.assert_array_equal(by_name.curves, by_file.curves)
    assert by_name.curves.shape == (400, 12) and by_name.name == "synthetic"
    assert by_name.archs == list(api.load_benchmark("synthetic").curve_set.archs)
    with pytest.raises(ValueError, match="not a tabular benchmark"):
        load_curves("mnist1d-surrogate")


def test_evaluate_caps_the_training_curves_and_logs_with_verbose(set_path):
    """--max-train-curves caps what LcSVR fits on (it used to fit on every training curve);
    -v says what each step does through logging, -q keeps it quiet."""
    args = ["lce", "evaluate", "--curves", str(set_path), "--methods", "lcsvr,last"]
    args += ["--e-few", "4", "--max-curves", "10", "--max-train-curves", "12", "--json"]
    res = CliRunner().invoke(main, ["-v", *args])
    assert res.exit_code == 0, res.output
    assert "INFO: lcsvr at E_few=4: fit on 12 curves, predict 10" in res.output
    rows = json.loads(res.output[res.output.index("{") :])["results"]
    assert {(r["n_train"], r["n_test"]) for r in rows} == {(12, 10)}
    quiet = CliRunner().invoke(main, ["-q", *args])
    assert quiet.exit_code == 0 and "INFO" not in quiet.output


def test_prediction_panels_stay_in_the_metric_range_on_equal_axes(tmp_path, monkeypatch):
    """Wide normal intervals (reaching below 0 and above 1) are clipped to the accuracy range,
    and every panel is square around the y = x diagonal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nas_sim.lce.evaluate import CurveData, EvalRow, plot_predictions
    from nas_sim.lce.method import Prediction

    y = np.linspace(0.5, 0.9, 8)
    pred = Prediction(mean=y + 0.05, std=np.full(8, 0.5))
    data = CurveData("t", "val_accuracy", np.tile(y, (5, 1)), ["a"] * 5)
    row = EvalRow("m", 3, 10, 4, 8, 0.05, 0.5, 0.0, 0.9, 0.0, 0.0, 0)
    kept = []
    monkeypatch.setattr(plt, "close", lambda fig: kept.append(fig))
    plot_predictions(data, {("m", 3): (pred, y)}, [row], tmp_path / "p.png")
    ax = kept[0].axes[0]
    lo, hi = ax.get_ylim()
    assert ax.get_xlim() == (lo, hi) and 0.4 < lo < 0.5 and 0.9 < hi <= 1.0
    segments = ax.collections[0].get_segments()  # the error bars
    assert min(s[:, 1].min() for s in segments) >= 0.0
    assert max(s[:, 1].max() for s in segments) <= 1.0
