"""NB201 importers: NASLib pickle (trailing test values, edge orders), NATS .pbz2, official .pth."""

from __future__ import annotations

import bz2
import pickle
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.offline.importers.nb201 import (
    import_naslib_pickle,
    import_nats,
    import_nb201,
    import_pth,
)
from nas_sim.benchmarks.offline.importers.report import DataImportError
from nas_sim.benchmarks.offline.importers.trusted import (
    TrustedLoadWarning,
    UnsafePickleError,
    UntrustedFileError,
)
from nas_sim.benchmarks.spaces.nb201 import NB201Space, to_naslib
from nas_sim.cli import main
from tests.fixtures import nb201 as fx

pytestmark = pytest.mark.filterwarnings("ignore:loading .* with full unpickling")
CANONICAL = [NB201Space().format(NB201Space().canonical(NB201Space().parse(a))) for a in fx.ARCHS]


def test_pickles_naming_other_globals_need_trust(tmp_path):
    path = fx.naslib_pickle(tmp_path / "nb201.pickle")
    plain, _ = import_naslib_pickle(path)  # only dicts, lists and floats: no trust needed
    data = pickle.loads(path.read_bytes())
    data[fx.ARCHS[0]]["cifar10-valid"]["cost_info"]["train_time"] = Fraction(36, 5)
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(UntrustedFileError, match="names the global fractions.Fraction.*--trust"):
        import_naslib_pickle(path)
    with pytest.warns(TrustedLoadWarning, match="only do this with files from a source you trust"):
        cs, _ = import_naslib_pickle(path, trust=True)
    np.testing.assert_array_equal(cs.epoch_time_s, plain.epoch_time_s)


@pytest.mark.parametrize("trailing", [0, 1])
def test_naslib_pickle_trailing_test_value(tmp_path, trailing):
    cs, report = import_naslib_pickle(
        fx.naslib_pickle(tmp_path / "a.pickle", trailing=trailing), trust=True
    )
    assert cs.max_epochs == 200 and cs.n_runs == 3
    assert cs.archs == CANONICAL and list(cs.run_info["source_arch"]) == list(fx.ARCHS)
    assert "source_seed" not in cs.run_info  # NASLib keeps no seed
    for i in range(3):
        np.testing.assert_allclose(cs.metrics["val_accuracy"][i], fx.curve(i, 0) / 100)
        assert cs.epoch_time_s[i, 0] == pytest.approx(7.2 + i)
    if trailing:
        expected_test = (fx.curve(2, 0)[-1] - 0.5) / 100
        assert cs.metrics["test_accuracy"][2, -1] == pytest.approx(expected_test)
        assert cs.provenance["curves"]["test_accuracy"].startswith("final value only")
    else:
        assert "test_accuracy" not in cs.metrics
        assert any("no test accuracy" in n for n in report.notes)


def test_naslib_pickle_cifar100_two_trailing_values(tmp_path):
    path = fx.naslib_pickle(tmp_path / "c.pickle", trailing=2, dataset="cifar100")
    cs, _ = import_naslib_pickle(path, trust=True, dataset="cifar100")
    # the last trailing value is x-test; the per-epoch curve stays 200 long
    assert cs.metrics["test_accuracy"][0, -1] == pytest.approx((fx.curve(0, 0)[-1] + 0.5) / 100)
    np.testing.assert_allclose(cs.metrics["val_accuracy"][0], fx.curve(0, 0) / 100)
    with pytest.raises(
        DataImportError, match="dataset 'cifar10-valid' not found; the file has: cifar100"
    ):
        import_naslib_pickle(path, trust=True, dataset="cifar10-valid")


def test_naslib_op_indices_keys_use_edge_list_order(tmp_path):
    data = pickle.loads(fx.naslib_pickle(tmp_path / "a.pickle").read_bytes())
    space = NB201Space()
    by_indices = {to_naslib(space.parse(k)): v for k, v in data.items()}
    assert (2, 2, 3, 4, 3, 2) in by_indices  # the upstream example, string order differs
    path = tmp_path / "idx.pickle"
    path.write_bytes(pickle.dumps(by_indices))
    cs, _ = import_naslib_pickle(path, trust=True)
    assert list(cs.run_info["source_arch"]) == list(fx.ARCHS)


def test_naslib_bad_records(tmp_path):
    data = pickle.loads(fx.naslib_pickle(tmp_path / "a.pickle").read_bytes())
    arch = fx.ARCHS[1]
    data[arch]["cifar10-valid"]["eval_acc1es"] = data[arch]["cifar10-valid"]["eval_acc1es"][:150]
    path = tmp_path / "bad.pickle"
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(DataImportError, match=r"bad.pickle .*field 'eval_acc1es' has 150 values"):
        import_naslib_pickle(path, trust=True)
    data = {"|conv_7x7~0|+|none~0|none~1|+|none~0|none~1|none~2|": {}}
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(DataImportError, match="unknown NB201 op 'conv_7x7'"):
        import_naslib_pickle(path, trust=True)
    path.write_bytes(pickle.dumps({"a": 1})[:-3])
    with pytest.raises(DataImportError, match="not a readable pickle"):
        import_naslib_pickle(path, trust=True)


def test_nats_simple_dir(tmp_path):
    cs, report = import_nats(fx.nats_simple_dir(tmp_path / "NATS-tss-v1_0-3ffb9-simple"))
    assert cs.n_runs == sum(len(s) for s in fx.SEEDS.values())
    assert sorted(set(cs.archs)) == sorted(CANONICAL)
    row = next(
        i
        for i, (a, s) in enumerate(zip(cs.run_info["source_arch"], cs.run_info["source_seed"]))
        if a == fx.ARCHS[2] and s == 999
    )
    assert cs.seeds[row] == fx.SEEDS[2].index(999)  # numbered 0, 1, … per class
    np.testing.assert_allclose(cs.metrics["val_accuracy"][row], fx.curve(2, 999) / 100)
    assert cs.metrics["test_accuracy"][row, -1] == pytest.approx((fx.curve(2, 999)[-1] - 1) / 100)
    np.testing.assert_allclose(cs.epoch_time_s[row], 7.2211)
    cs100, report = import_nats(tmp_path / "NATS-tss-v1_0-3ffb9-simple", dataset="cifar100")
    assert any("ori-test" in n for n in report.notes)
    assert cs100.metrics["test_accuracy"][row, -1] == pytest.approx(
        (fx.curve(2, 999)[-1] - 0.5) / 100
    )


def test_nats_bad_inputs(tmp_path):
    folder = fx.nats_simple_dir(tmp_path / "nats")
    with pytest.raises(DataImportError, match="unknown NB201 dataset 'cifar11'"):
        import_nats(folder, dataset="cifar11")
    with pytest.raises(DataImportError, match="no validation split per epoch"):
        import_nats(folder, dataset="cifar10")
    victim = folder / "000001.pickle.pbz2"
    victim.write_bytes(victim.read_bytes()[:50])
    with pytest.raises(DataImportError, match="000001.pickle.pbz2: not a readable pickle"):
        import_nats(folder)


def test_official_pth(tmp_path):
    pytest.importorskip("torch")
    path = fx.official_pth(tmp_path / "NAS-Bench-201-v1_1-096897.pth")
    with pytest.raises(UntrustedFileError):
        import_pth(path)
    cs, _ = import_nb201(path, trust=True)
    nats, _ = import_nats(fx.nats_simple_dir(tmp_path / "nats"))
    assert cs.archs == nats.archs
    np.testing.assert_array_equal(cs.metrics["val_accuracy"], nats.metrics["val_accuracy"])


def test_cli_trust_only_where_needed(tmp_path):
    pytest.importorskip("torch")
    path = fx.official_pth(tmp_path / "NAS-Bench-201-v1_1-096897.pth")
    runner = CliRunner()
    res = runner.invoke(main, ["import", "nb201", str(path), "--out", str(tmp_path / "o.parquet")])
    assert res.exit_code != 0 and "--trust" in res.output and "Traceback" not in res.output
    res = runner.invoke(
        main, ["import", "nb201", str(path), "--trust", "--out", str(tmp_path / "o.parquet")]
    )
    assert res.exit_code == 0, res.output
    assert res.output.count("full unpickling") == 1 and "UserWarning" not in res.output
    folder = fx.nats_simple_dir(tmp_path / "nats")
    res = runner.invoke(
        main, ["import", "nb201", str(folder), "--out", str(tmp_path / "n.parquet")]
    )
    assert res.exit_code == 0, res.output
    assert "unpickling" not in res.output and "wrote 6 runs" in res.output


def test_nats_file_naming_another_global_is_refused(tmp_path):
    folder = fx.nats_simple_dir(tmp_path / "nats")
    victim = folder / "000002.pickle.pbz2"
    with bz2.open(victim, "rb") as fh:
        data = pickle.load(fh)
    data["200"]["extra"] = Fraction(1, 3)  # names fractions.Fraction
    with bz2.open(victim, "wb") as fh:
        pickle.dump(data, fh)
    with pytest.raises(UnsafePickleError, match="000002.pickle.pbz2 names the global fractions"):
        import_nb201(folder, trust=True)  # NATS files never need more, so trust does not help


def test_12_epoch_schedule(tmp_path):
    cs, _ = import_nb201(fx.nats_simple_dir(tmp_path / "nats"), schedule="12")
    assert cs.max_epochs == 12 and cs.n_runs == 3 and set(cs.run_info["source_seed"]) == {111}
    np.testing.assert_allclose(cs.metrics["val_accuracy"][2], fx.curve(2, 111)[:12] / 100)
    with pytest.raises(DataImportError, match="200-epoch schedule only"):
        import_nb201(fx.naslib_pickle(tmp_path / "a.pickle"), schedule="12")
    with pytest.raises(DataImportError, match="unknown NB201 schedule '24'"):
        import_nb201(tmp_path / "nats", schedule="24")
