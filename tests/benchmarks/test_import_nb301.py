"""NB301 training-data importer: fixture round trip, padding reported, bad files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nas_sim.benchmarks.offline.importers.nb301 import import_nb301
from nas_sim.benchmarks.offline.importers.report import DataImportError
from nas_sim.benchmarks.spaces.darts import PREFIX, DartsSpace
from tests.fixtures import nb301 as fx


def test_round_trip(tmp_path):
    root, archs = fx.folder(tmp_path / "nb301", n=6, short=2)
    cs, report = import_nb301(root)
    assert cs.n_runs == 6 and cs.max_epochs == 98 and cs.space == "darts"
    space = DartsSpace()
    assert {space.parse(a) for a in cs.archs} == {space.canonical(a) for a in archs}
    assert any("padded with their last value" in n for n in report.notes)
    i = list(cs.run_info["file"]).index("rs/results_4.json")
    expected = fx.result(archs[4], 98, 80 + 0.3 * 4)
    np.testing.assert_allclose(
        cs.metrics["val_accuracy"][i],
        np.asarray(expected["learning_curves"]["Train/val_accuracy"]) / 100,
    )
    assert cs.metrics["test_accuracy"][i, -1] == pytest.approx(expected["test_accuracy"] / 100)
    assert cs.epoch_time_s[i].sum() == pytest.approx(3600.0)
    short = list(cs.run_info["file"]).index("rs/results_0.json")
    assert (cs.metrics["val_accuracy"][short, 89:] == cs.metrics["val_accuracy"][short, 89]).all()


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("learning_curves"), "missing field 'learning_curves'"),
        (
            lambda d: d["optimized_hyperparamater_config"].pop(PREFIX + "edge_normal_0"),
            "1 active edges for normal node 2",
        ),
        (
            lambda d: d["optimized_hyperparamater_config"].update(
                {PREFIX + "edge_normal_0": "conv_9x9"}
            ),
            "unknown op 'conv_9x9'",
        ),
        (
            lambda d: d["learning_curves"].update({"Train/val_accuracy": "high"}),
            r"learning_curves\['Train/val_accuracy'\] must be",
        ),
    ],
)
def test_bad_files(tmp_path, mutate, message):
    root, _ = fx.folder(tmp_path / "nb301", n=3)
    victim = root / "re" / "results_1.json"
    data = json.loads(victim.read_text())
    mutate(data)
    victim.write_text(json.dumps(data))
    with pytest.raises(DataImportError, match=message) as info:
        import_nb301(root)
    assert "re/results_1.json" in str(info.value)
    cs, report = import_nb301(root, skip_malformed=True)
    assert cs.n_runs == 2 and report.skipped[0].file == "re/results_1.json"


def test_diverged_and_truncated(tmp_path):
    root, _ = fx.folder(tmp_path / "nb301", n=3)
    victim = root / "rs" / "results_0.json"
    data = json.loads(victim.read_text())
    data["learning_curves"]["Train/train_loss"][5] = float("nan")
    victim.write_text(json.dumps(data))
    cs, report = import_nb301(root)
    assert cs.n_runs == 2 and "diverged" in report.skipped[0].reason
    victim.write_text(victim.read_text()[:100])
    with pytest.raises(DataImportError, match="rs/results_0.json: not valid JSON"):
        import_nb301(root)


def test_final_values_only_folder_is_a_one_step_set(tmp_path):
    root, archs = fx.folder(tmp_path / "nb301", n=3)
    for f in root.rglob("results_*.json"):
        data = json.loads(f.read_text())
        del data["learning_curves"]
        f.write_text(json.dumps(data))
    cs, report = import_nb301(root)
    assert cs.max_epochs == 1 and cs.n_runs == 3 and cs.provenance["final_only"]
    assert any("final values only" in n for n in report.notes)
    i = list(cs.run_info["file"]).index("rs/results_2.json")
    expected = fx.result(archs[2], 98, 80 + 0.3 * 2)
    assert cs.metrics["val_accuracy"][i, 0] == pytest.approx(
        expected["info"][0]["val_accuracy"] / 100
    )
    assert cs.epoch_time_s[i, 0] == pytest.approx(expected["runtime"])
    del data["info"]
    f.write_text(json.dumps(data))
    with pytest.raises(DataImportError, match="neither 'learning_curves' nor final values"):
        import_nb301(root)
