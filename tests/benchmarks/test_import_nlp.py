"""NAS-Bench-NLP log importer: fixture round trip, diverged runs reported, bad input, real data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.curve_set import read_curve_set
from nas_sim.benchmarks.offline.importers.nlp_logs import import_nlp_logs
from nas_sim.benchmarks.offline.importers.report import DataImportError
from nas_sim.benchmarks.spaces.nlp import NLPSpace
from nas_sim.cli import main
from tests.fixtures import nlp as fx


def real_folder() -> Path:
    env = os.environ.get("NAS_SIM_SHARED_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    return root / "nas-bench-nlp-wikitext2"


def test_fixture_round_trip(tmp_path):
    cs, report = import_nlp_logs(fx.folder(tmp_path / "logs"))
    assert report.n_read == 5 and report.n_imported == 4
    assert len(report.skipped) == 1 and "1009182" in report.skipped[0].file
    assert "loss is nan" in report.skipped[0].reason
    assert cs.objective == "val_loss" and cs.units["val_loss"] == "nats"
    assert cs.max_epochs == 50
    space = NLPSpace()
    # the repeat of recipe 0 (a renamed copy would collapse too) is seed 1 of the same arch
    rnn = space.format(space.canonical(space.from_recipe(fx.RECIPES[0])))
    rows = [i for i, a in enumerate(cs.archs) if a == rnn]
    assert sorted(cs.seeds[rows]) == [0, 1]
    expected = fx.log(fx.RECIPES[0], 1_000_000)
    i = rows[0]
    np.testing.assert_allclose(cs.metrics["val_loss"][i], expected["val_losses"])
    np.testing.assert_allclose(cs.epoch_time_s[i], expected["wall_times"])
    assert cs.run_info["recipe_id"][i] == 1_000_000
    # the written set reads back identically
    from nas_sim.benchmarks.curve_set import write_curve_set

    write_curve_set(cs, tmp_path / "s.parquet")
    back = read_curve_set(tmp_path / "s.parquet")
    assert back.archs == cs.archs
    np.testing.assert_array_equal(back.metrics["test_loss"], cs.metrics["test_loss"])
    assert back.provenance["report"]["skipped"][0]["file"] == report.skipped[0].file


def test_max_nodes_filter_is_reported(tmp_path):
    cs, report = import_nlp_logs(fx.folder(tmp_path / "logs"), max_nodes=7)
    assert all(len(NLPSpace().parse(a)[1]) <= 7 for a in cs.archs)
    assert any("nodes (> 7)" in s.reason for s in report.skipped)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("val_losses"), "missing field 'val_losses'"),
        (
            lambda d: d.update(recepie='{"h_new_0": {"op": "conv", "input": ["x"]}}'),
            "field 'recepie'.*unknown op 'conv'",
        ),
        (lambda d: d.update(recepie="{broken"), "field 'recepie' is not valid JSON"),
        (lambda d: d.update(wall_times="fast"), "field 'wall_times' must be a list"),
    ],
)
def test_bad_logs_name_file_and_field(tmp_path, mutate, message):
    folder = fx.folder(tmp_path / "logs")
    victim = sorted(folder.glob("*.json"))[0]
    data = json.loads(victim.read_text())
    mutate(data)
    victim.write_text(json.dumps(data))
    with pytest.raises(DataImportError, match=message) as info:
        import_nlp_logs(folder)
    assert victim.name in str(info.value)
    # with skipping asked for, the file is reported and the rest imported
    cs, report = import_nlp_logs(folder, skip_malformed=True)
    assert any(s.file == victim.name for s in report.skipped)


def test_truncated_log(tmp_path):
    folder = fx.folder(tmp_path / "logs")
    victim = sorted(folder.glob("*.json"))[1]
    victim.write_text(victim.read_text()[:200])
    with pytest.raises(DataImportError, match=f"{victim.name}: not valid JSON"):
        import_nlp_logs(folder)


def test_nan_inside_an_ok_run_is_skipped(tmp_path):
    folder = fx.folder(tmp_path / "logs")
    victim = sorted(folder.glob("*.json"))[0]
    data = json.loads(victim.read_text())
    data["train_losses"][10] = float("nan")
    victim.write_text(json.dumps(data))
    _, report = import_nlp_logs(folder)
    assert any(s.file == victim.name and "train_loss" in s.reason for s in report.skipped)


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(DataImportError, match="does not exist"):
        import_nlp_logs(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataImportError, match="no NAS-Bench-NLP logs"):
        import_nlp_logs(tmp_path / "empty")


def test_real_wikitext2_logs_import_and_run(tmp_path):
    folder = real_folder()
    if not folder.is_dir():
        pytest.skip("shared NAS-Bench-NLP data not present")
    runner = CliRunner()
    out = tmp_path / "X.parquet"
    res = runner.invoke(main, ["import", "nlp", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    cs = read_curve_set(out)
    n_files = len(list(folder.glob("log_stats_model_*.json")))
    diverged = [s for s in cs.provenance["report"]["skipped"] if "nan" in s["reason"]]
    assert cs.n_runs + len(cs.provenance["report"]["skipped"]) == n_files
    assert diverged and all(s["file"] in res.output for s in diverged)
    for opt in ("rs", "rea"):
        res = runner.invoke(
            main,
            ["run", "--benchmark", str(out), "--optimizer", opt, "--budget", "20x", "--json", "-q"],
        )
        assert res.exit_code == 0, res.output
        summary = json.loads(res.output[res.output.index("{") :])
        assert summary["objective"] == "val_loss" and summary["full_trainings"] >= 10
        assert 3.0 < summary["incumbent_val"] < 7.0
