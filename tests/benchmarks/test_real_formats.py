"""The importers on real files written by the benchmarks' own tooling (not our fixtures).

The files (NATS-Bench tss ``-simple`` dir, EC-NAS NB101 ``results.json`` runs and their
``generated_graphs`` file, one final-values-only NB301 result) live outside the repository; every
test here skips with the reason when they are absent. Expected values are read from the raw files
with plain ``pickle`` / ``json`` in the test, independently of the importers.
"""

from __future__ import annotations

import bz2
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.curve_set import read_curve_set
from nas_sim.benchmarks.offline.importers.nb101 import (
    import_nb101,
    import_nb111,
    load_generated_graphs,
)
from nas_sim.benchmarks.offline.importers.nb201 import import_nats
from nas_sim.benchmarks.offline.importers.report import DataImportError
from nas_sim.benchmarks.offline.importers.trusted import UnsafePickleError
from nas_sim.benchmarks.spaces.nb101 import OPS, NB101Space, NB101Spec, graph_hash
from nas_sim.benchmarks.spaces.nb201 import NB201Space
from nas_sim.cli import main
from tests.fixtures import nb101 as fx101
from tests.fixtures import nb201 as fx201


def _real_root() -> Path:
    env = os.environ.get("NAS_SIM_SHARED_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    return root / "real-formats"


REAL = _real_root()
NATS = REAL / "NATS-tss-v1_0-3ffb9-simple"
ECNAS = REAL / "ec-nas-bench-nb101"
RESULTS = ECNAS / "results_4V9E" / "4_epochs"
GRAPHS = ECNAS / "generated_graphs_4V9E.json"
NB301 = REAL / "nasbench301-results-final-only"

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(),
    reason=f"real official benchmark files not present ({REAL}); these tests need them",
)
SPACE201 = NB201Space()


def _raw_pickle(path: Path) -> object:
    with bz2.open(path, "rb") as fh:  # the project's own copies of public files: trusted here
        return pickle.load(fh)


def _representative(arch: str) -> str:
    return SPACE201.format(SPACE201.canonical(SPACE201.parse(arch)))


def _run(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args)


# ------------------------------------------------------------------ item 1
def test_standard_15625_row_nb201_table_imports_as_is(tmp_path):
    """The standard NB201 table, one row per cell string of the real meta file: isomorphic
    strings become several runs (seeds) of their class, and the import says so."""
    archs = list(_raw_pickle(NATS / "meta.pickle.pbz2")["meta_archs"])  # type: ignore[index]
    assert len(archs) == 15_625
    index = np.arange(len(archs))
    table = pd.DataFrame({"arch": archs, "valid": 50 + (index % 400) / 10, "secs": 10.0})
    table.to_csv(tmp_path / "nb201.csv", index=False)
    out = tmp_path / "nb201.parquet"
    res = _run(
        [
            "import",
            "csv",
            str(tmp_path / "nb201.csv"),
            "--space",
            "nb201",
            "--arch-column",
            "arch",
            "--metric",
            "val_accuracy=valid",
            "--percent",
            "--epoch-time-s",
            "10",
            "--out",
            str(out),
        ]
    )
    assert res.exit_code == 0, res.output
    assert "15625 runs of 15625 architecture strings in 6466 isomorphism classes" in res.output
    cs = read_curve_set(out)
    assert cs.n_runs == 15_625 and len(set(cs.archs)) == 6466
    assert list(cs.run_info["source_arch"]) == archs  # the file's strings, in row order
    # the class of meta_archs[0] (which is not its own representative): its rows, in row order,
    # are seeds 0, 1, … under the representative
    rep = _representative(archs[0])
    assert rep != archs[0]
    rows = [i for i, a in enumerate(archs) if _representative(a) == rep]
    assert len(rows) > 1
    assert [cs.archs[i] for i in rows] == [rep] * len(rows)
    assert [int(cs.seeds[i]) for i in rows] == list(range(len(rows)))
    np.testing.assert_allclose(cs.metrics["val_accuracy"][rows, 0], table["valid"][rows] / 100)
    # 6466 classes = the whole space, so it runs as a complete tabular benchmark
    res = _run(["run", "-b", str(out), "-o", "rea", "--budget", "20x", "--json", "-q"])
    assert res.exit_code == 0, res.output


# ------------------------------------------------------------------ item 2 + 9
def test_nats_dir_imports_without_trust_under_the_identity_rule(tmp_path):
    out = tmp_path / "nats.parquet"
    res = _run(["import", "nb201", str(NATS), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "unpickling" not in res.output  # restricted: no --trust, no warning
    assert "2 classes" not in res.output and "3 isomorphism classes" in res.output
    cs = read_curve_set(out)
    assert cs.n_runs == 9 and cs.max_epochs == 200
    meta = _raw_pickle(NATS / "meta.pickle.pbz2")["meta_archs"]  # type: ignore[index]
    moved = 0
    for index in (0, 11, 284):
        raw = _raw_pickle(NATS / f"{index:06d}.pickle.pbz2")["200"]  # type: ignore[index]
        assert raw["arch_str"] == meta[index]
        rows = [i for i, a in enumerate(cs.run_info["source_arch"]) if a == meta[index]]
        assert [int(cs.run_info["source_seed"][i]) for i in rows] == [777, 888, 999]
        assert [int(cs.seeds[i]) for i in rows] == [0, 1, 2]
        assert {cs.archs[i] for i in rows} == {_representative(meta[index])}
        moved += _representative(meta[index]) != meta[index]
        for i, seed in zip(rows, (777, 888, 999)):
            rc = raw["all_results"][("cifar10-valid", seed)]
            acc, loss = rc["eval_acc1es"], rc["eval_losses"]
            v = cs.metrics["val_accuracy"][i]
            assert (v[0], v[-1]) == (acc["x-valid@0"] / 100, acc["x-valid@199"] / 100)
            assert cs.metrics["val_loss"][i, -1] == loss["x-valid@199"]
            assert cs.metrics["test_accuracy"][i, -1] == acc["ori-test@199"] / 100
            assert cs.metrics["train_accuracy"][i, 0] == rc["train_acc1es"][0] / 100
            assert cs.metrics["train_loss"][i, -1] == rc["train_losses"][199]
            np.testing.assert_array_equal(
                cs.epoch_time_s[i], [rc["train_times"][e] for e in range(200)]
            )
    assert moved == 2  # 000000 and 000284 are not their class representatives


def test_one_identity_rule_in_nb201_and_csv(tmp_path):
    """The same runs imported from the NATS dir and from a CSV table with a seed column get the
    same (arch, seed) identities and the same source columns."""
    nats, _ = import_nats(NATS)
    rows = pd.DataFrame(
        {
            "arch": nats.run_info["source_arch"],
            "seed": nats.run_info["source_seed"],
            "valid": nats.metrics["val_accuracy"][:, -1],
        }
    )
    rows.to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "t.parquet"
    res = _run(
        [
            "import",
            "csv",
            str(tmp_path / "t.csv"),
            "--space",
            "nb201",
            "--arch-column",
            "arch",
            "--seed-column",
            "seed",
            "--metric",
            "val_accuracy=valid",
            "--epoch-time-s",
            "1",
            "--out",
            str(out),
        ]
    )
    assert res.exit_code == 0, res.output
    table = read_curve_set(out)
    assert table.archs == nats.archs
    np.testing.assert_array_equal(table.seeds, nats.seeds)
    for col in ("source_arch", "source_seed"):
        np.testing.assert_array_equal(table.run_info[col], nats.run_info[col])


def test_tampered_nats_file_is_refused_even_with_trust(tmp_path):
    folder = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    shutil.copytree(NATS, folder)
    victim = folder / "000011.pickle.pbz2"
    data = _raw_pickle(victim)
    data["200"]["extra"] = os.system  # type: ignore[index]  # pickled as the global posix.system
    victim.chmod(0o644)
    with bz2.open(victim, "wb") as fh:
        pickle.dump(data, fh)
    with pytest.raises(UnsafePickleError, match=r"000011.pickle.pbz2 names the global \w+\.system"):
        import_nats(folder)
    res = _run(["import", "nb201", str(folder), "--trust", "--out", str(tmp_path / "x.parquet")])
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert "names the global" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.parquet").exists()


# ------------------------------------------------------------------ item 3
def test_nats_12_epoch_schedule_via_cli(tmp_path):
    out = tmp_path / "nats12.parquet"
    res = _run(["import", "nb201", str(NATS), "--schedule", "12", "--out", str(out)])
    assert res.exit_code == 0, res.output
    cs = read_curve_set(out)
    assert cs.max_epochs == 12 and cs.n_runs == 6  # cifar10-valid: seeds 111 and 777 per arch
    assert cs.provenance["epochs_setting"] == "12" and cs.provenance["name"].endswith("-12ep")
    raw = _raw_pickle(NATS / "000284.pickle.pbz2")["12"]  # type: ignore[index]
    for seed in (111, 777):
        i = next(
            i
            for i, (a, s) in enumerate(zip(cs.run_info["source_arch"], cs.run_info["source_seed"]))
            if a == raw["arch_str"] and s == seed
        )
        acc = raw["all_results"][("cifar10-valid", seed)]["eval_acc1es"]
        v, t = cs.metrics["val_accuracy"][i], cs.metrics["test_accuracy"][i]
        assert (v[0], v[-1]) == (acc["x-valid@0"] / 100, acc["x-valid@11"] / 100)
        assert (t[0], t[-1]) == (acc["ori-test@0"] / 100, acc["ori-test@11"] / 100)
    c100 = tmp_path / "c100.parquet"
    res = _run(
        [
            "import",
            "nb201",
            str(NATS),
            "--schedule",
            "12",
            "--dataset",
            "cifar100",
            "--out",
            str(c100),
        ]
    )
    assert res.exit_code == 0, res.output
    cs100 = read_curve_set(c100)
    assert cs100.n_runs == 3 and list(cs100.run_info["source_seed"]) == [111] * 3
    res = _run(["import", "nb201", str(NATS), "--schedule", "24", "--out", str(c100)])
    assert res.exit_code != 0 and "'24' is not one of '200', '12'" in res.stderr


# ------------------------------------------------------------------ item 4
def _raw_result(module_hash: str, repeat: int) -> dict:  # type: ignore[type-arg]
    path = RESULTS / module_hash[:2] / module_hash / f"repeat_{repeat}" / "results.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_nb101_checkpoints_are_the_recorded_epochs(tmp_path):
    out = tmp_path / "nb101.parquet"
    res = _run(
        ["import", "nb101", str(ECNAS / "results_4V9E"), "--graphs", str(GRAPHS), "--budget", "4",
         "--out", str(out)]
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "at epochs [1, 4] of the 4-epoch schedule" in res.output
    cs = read_curve_set(out)
    assert cs.provenance["checkpoint_epochs"] == [1, 4]  # not [budget // 2, budget] = [2, 4]
    assert cs.max_epochs == 2 and cs.n_runs == 273 and len(set(cs.archs)) == 91
    i = next(
        i
        for i, (h, r) in enumerate(zip(cs.run_info["module_hash"], cs.run_info["source_seed"]))
        if h == "bb60c46f5b7c352b7900043c5ef7e0a7" and r == 2
    )
    raw = _raw_result("bb60c46f5b7c352b7900043c5ef7e0a7", 2)["evaluation_results"]
    assert [e["epochs"] for e in raw] == [0.0, 1.0, 4.0]
    np.testing.assert_array_equal(
        cs.metrics["val_accuracy"][i],
        [raw[1]["validation_accuracy"], raw[2]["validation_accuracy"]],
    )
    np.testing.assert_array_equal(
        cs.metrics["test_accuracy"][i], [raw[1]["test_accuracy"], raw[2]["test_accuracy"]]
    )
    np.testing.assert_allclose(
        cs.epoch_time_s[i],
        [raw[1]["training_time"], raw[2]["training_time"] - raw[1]["training_time"]],
    )
    # the same runs in the official tfrecord container give the same checkpoints and values
    tf = fx101.tfrecord_from_results(
        RESULTS, load_generated_graphs(GRAPHS), tmp_path / "n.tfrecord"
    )
    from_tf, _ = import_nb101(tf, budget=4)
    assert from_tf.provenance["checkpoint_epochs"] == [1, 4]
    order = np.lexsort((cs.run_info["source_seed"], cs.run_info["module_hash"]))
    tf_order = np.lexsort((from_tf.seeds, from_tf.run_info["module_hash"]))
    np.testing.assert_array_equal(
        cs.metrics["val_accuracy"][order], from_tf.metrics["val_accuracy"][tf_order]
    )
    # and the set runs (RS / REA need no fidelities beyond the stored checkpoints)
    res = _run(["run", "-b", str(out), "-o", "rs", "--budget", "10x", "--json", "-q"])
    assert res.exit_code == 0, res.output


# ------------------------------------------------------------------ item 5
def test_nb111_refuses_evaluations_that_skip_epochs(tmp_path):
    tf = fx101.tfrecord_from_results(
        RESULTS, load_generated_graphs(GRAPHS), tmp_path / "n.tfrecord"
    )
    with pytest.raises(DataImportError, match=r"evaluations at epochs \[1, 4\].*import nb101"):
        import_nb111(ECNAS / "results_4V9E", tf, max_epochs=4)
    with pytest.raises(DataImportError, match="no usable NB111 result among 273"):
        import_nb111(ECNAS / "results_4V9E", tf, max_epochs=2, skip_malformed=True)
    res = _run(
        ["import", "nb111", str(ECNAS / "results_4V9E"), "--tfrecord", str(tf), "--max-epochs", "2",
         "--out", str(tmp_path / "x.parquet")]
    )  # fmt: skip
    assert res.exit_code != 0 and "not at every epoch 1, 2, …" in res.stderr
    assert not (tmp_path / "x.parquet").exists()


# ------------------------------------------------------------------ item 6
def test_nb301_final_values_only_result(tmp_path):
    out = tmp_path / "nb301.parquet"
    res = _run(["import", "nb301", str(NB301), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "final values only" in res.output and "no file has learning_curves" in res.output
    cs = read_curve_set(out)
    raw = json.loads((NB301 / "rs" / "results_0.json").read_text())
    assert cs.max_epochs == 1 and cs.n_runs == 1 and cs.provenance["final_only"]
    assert cs.metrics["val_accuracy"][0, 0] == raw["info"][0]["val_accuracy"] / 100
    assert cs.metrics["train_loss"][0, 0] == raw["info"][0]["train_loss"]
    assert cs.metrics["test_accuracy"][0, 0] == raw["test_accuracy"] / 100
    assert cs.epoch_time_s[0, 0] == raw["runtime"]
    res = _run(["run", "-b", str(out), "-o", "rs", "--budget", "3x", "--json", "-q"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output[res.output.index("{") :])
    assert summary["incumbent_val"] == pytest.approx(0.9768)
    res = _run(["build", "nb311", "--data", str(NB301), "--out", str(tmp_path / "b")])
    assert res.exit_code != 0 and "final values only" in res.stderr


# ------------------------------------------------------------------ item 7
def test_build_nb211_prints_no_per_file_warning(tmp_path):
    res = _run(
        ["build", "nb211", "--data", str(NATS), "--trust", "--tabular-only", "--out", str(tmp_path / "n")]
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "UserWarning" not in res.stderr and "unpickling" not in res.stderr  # NATS: restricted
    pytest.importorskip("torch")
    pth = fx201.official_pth(tmp_path / "NAS-Bench-201-v1_1-096897.pth")
    for args in (
        ["build", "nb211", "--data", str(pth), "--trust", "--tabular-only", "--out", str(tmp_path / "p")],
        ["import", "nb201", str(pth), "--trust", "--out", str(tmp_path / "p.parquet")],
    ):  # fmt: skip
        res = _run(args)
        assert res.exit_code == 0, res.output
        assert "UserWarning" not in res.stderr and res.stderr.count("full unpickling") == 1


# ------------------------------------------------------------------ item 8
def test_real_nb101_graphs_hash_to_their_keys():
    graphs = json.loads(GRAPHS.read_text())
    assert len(graphs) >= 91
    names = {-1: "input", -2: "output", **dict(enumerate(OPS))}
    space = NB101Space()
    for key, (matrix, labels) in graphs.items():
        spec = NB101Spec.from_lists(matrix, [names[x] for x in labels])
        assert graph_hash(spec) == key
        assert space.hash(space.canonical(spec)) == key  # canonical order keeps the hash
    assert set(load_generated_graphs(GRAPHS)) == set(graphs)
