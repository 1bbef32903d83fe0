"""NB101 tfrecord reader (no TensorFlow) and the NB111 curve importer."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.offline.importers.nb101 import (
    import_nb101,
    import_nb111,
    nb101_tables,
    parse_payload,
    read_nb101_tfrecord,
)
from nas_sim.benchmarks.offline.importers.report import DataImportError
from nas_sim.benchmarks.offline.importers.tfrecord import (
    crc32c,
    encode_record,
    masked_crc,
    read_records,
)
from nas_sim.benchmarks.spaces.nb101 import OPS, NB101Space, prune
from nas_sim.cli import main
from tests.fixtures import nb101 as fx


def test_crc32c_known_value():
    # RFC 3720 check value for CRC-32C
    assert crc32c(b"123456789") == 0xE3069283
    assert masked_crc(b"") == ((0 >> 15 | (0 << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def test_framing_round_trip(tmp_path):
    path = tmp_path / "x.tfrecord"
    path.write_bytes(encode_record(b"abc") + encode_record(b"") + encode_record(b"x" * 1000))
    assert list(read_records(path, verify_payload=True)) == [b"abc", b"", b"x" * 1000]


def test_truncated_and_corrupt_tfrecords(tmp_path):
    good = encode_record(b"payload-one") + encode_record(b"payload-two")
    path = tmp_path / "t.tfrecord"
    path.write_bytes(good[:-6])
    with pytest.raises(DataImportError, match=r"t.tfrecord: truncated record 1"):
        list(read_records(path))
    path.write_bytes(good[:5])
    with pytest.raises(DataImportError, match="truncated record header at record 0"):
        list(read_records(path))
    path.write_bytes(b"\x05" + good[1:])
    with pytest.raises(DataImportError, match="bad length checksum at record 0"):
        list(read_records(path))


def test_records_decode_to_the_official_tables(tmp_path):
    path = fx.tfrecord(tmp_path / "nasbench_full.tfrecord")
    recs = list(read_nb101_tfrecord(path))
    assert len(recs) == 2 * 4 * 3
    fixed, computed = nb101_tables(path)
    assert set(fixed) == set(fx.HASHES)
    spec, params = fixed[fx.HASHES[0]]
    assert params == 1_000_000
    assert spec.num_vertices == 7
    runs = computed[fx.HASHES[1]][108]
    assert len(runs) == 3
    end = runs[2].evaluations[-1]
    assert end.validation_accuracy == pytest.approx(fx.accuracy(1, 108, 2))
    assert end.training_time == pytest.approx(1080.0)
    assert runs[0].total_time == pytest.approx(11.0 * 108)


def test_import_nb101_checkpoints(tmp_path):
    cs, report = import_nb101(fx.tfrecord(tmp_path / "f.tfrecord"))
    assert cs.max_epochs == 2 and cs.n_runs == 6 and report.n_imported == 6
    space = NB101Space()
    assert {space.hash(space.parse(a)) for a in cs.archs} == set(fx.HASHES)
    np.testing.assert_allclose(cs.epoch_time_s[0], [540.0, 540.0])
    row = [i for i, a in enumerate(cs.archs) if space.hash(space.parse(a)) == fx.HASHES[0]][1]
    assert cs.seeds[row] == 1
    np.testing.assert_allclose(
        cs.metrics["val_accuracy"][row], [fx.accuracy(0, 108, 1, 0.5), fx.accuracy(0, 108, 1)]
    )
    with pytest.raises(DataImportError, match=r"no 108-epoch records; the data has budgets \[4\]"):
        import_nb101(fx.tfrecord(tmp_path / "g.tfrecord", budgets=(4,)))


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"not json", "payload is not a JSON array"),
        (
            json.dumps(
                ["ff92c322c5d9d3d587d9c146a63d0807", 108, "0110", "input,output", ""]
            ).encode(),
            "invalid graph",
        ),
        (fx.payload(fx.SPECS[0], 108, 0, 0, hash_="0" * 32), "does not match the graph"),
        (json.dumps([fx.HASHES[1], 108, "0" * 35, "input", ""]).encode(), "not a square"),
        (
            fx.payload(fx.SPECS[0], 108, 0, 0, evals=[fx.evaluation(0, 0, 0, 0, 0)]),
            "1 evaluations; expected 3",
        ),
    ],
)
def test_bad_payloads(payload, message):
    with pytest.raises(DataImportError, match=message):
        parse_payload(payload, "f.tfrecord record 7")


def test_unknown_op_in_record():
    p = json.loads(fx.payload(fx.SPECS[1], 108, 0, 1))
    p[3] = p[3].replace("maxpool3x3", "conv5x5-bn-relu")
    with pytest.raises(
        DataImportError, match=r"record 7: invalid graph .*unknown NB101 op 'conv5x5"
    ):
        parse_payload(json.dumps(p).encode(), "f.tfrecord record 7")


def test_bad_metrics_bytes():
    p = json.loads(fx.payload(fx.SPECS[1], 108, 0, 1))
    import base64

    p[4] = base64.b64encode(b"\x0a\xff\x01" + struct.pack("<d", 1.0)).decode()  # length too long
    with pytest.raises(DataImportError, match="field raw_metrics is not a valid ModelMetrics"):
        parse_payload(json.dumps(p).encode(), "r")


def test_import_nb111_round_trip(tmp_path):
    tf = fx.tfrecord(tmp_path / "nasbench_full.tfrecord")
    root = fx.nb111_folder(tmp_path / "nb111")
    cs, report = import_nb111(root, tf)
    assert cs.max_epochs == 108 and cs.n_runs == 2
    assert any("pre-training" in n for n in report.notes)
    row = list(cs.run_info["module_hash"]).index(fx.HASHES[1])
    np.testing.assert_allclose(
        cs.metrics["val_accuracy"][row], [fx.accuracy(1, 108, 0, e / 108) for e in range(1, 109)]
    )
    np.testing.assert_allclose(cs.epoch_time_s[row], 30.0)
    for b in (4, 12, 36, 108):
        mean = np.mean([fx.accuracy(1, b, r) for r in range(3)])
        assert cs.run_info[f"nb101_val_accuracy_{b}"][row] == pytest.approx(mean)


def test_import_nb111_incomplete_and_unknown_hash(tmp_path):
    tf = fx.tfrecord(tmp_path / "t.tfrecord")
    root = fx.nb111_folder(tmp_path / "nb111", epochs=50)
    with pytest.raises(DataImportError, match="no usable NB111 result"):
        import_nb111(root, tf)
    root = fx.nb111_folder(tmp_path / "nb111b")
    odd = root / "results_may19" / "shard_1_results" / "ab" / ("ab" * 16) / "repeat_1"
    odd.mkdir(parents=True)
    (odd / "results.json").write_text("{}")
    with pytest.raises(DataImportError, match=f"hash {'ab' * 16} is not in t.tfrecord"):
        import_nb111(root, tf)
    cs, report = import_nb111(root, tf, skip_malformed=True)
    assert cs.n_runs == 2 and len(report.skipped) == 1


def test_cli(tmp_path):
    tf = fx.tfrecord(tmp_path / "f.tfrecord")
    runner = CliRunner()
    res = runner.invoke(main, ["import", "nb101", str(tf), "--out", str(tmp_path / "a.parquet")])
    assert res.exit_code == 0 and "wrote 6 runs × 2 epochs" in res.output, res.output
    root = fx.nb111_folder(tmp_path / "nb111")
    res = runner.invoke(
        main,
        ["import", "nb111", str(root), "--tfrecord", str(tf), "--out", str(tmp_path / "b.parquet")],
    )
    assert res.exit_code == 0 and "wrote 2 runs × 108 epochs" in res.output, res.output


def test_nb111_refuses_evaluations_that_skip_epochs(tmp_path):
    tf = fx.tfrecord(tmp_path / "nasbench_full.tfrecord")
    root = fx.nb111_folder(tmp_path / "nb111", epochs=4)
    victim = next(root.rglob("results.json"))
    data = json.loads(victim.read_text())
    data["evaluation_results"] = [data["evaluation_results"][k] for k in (0, 1, 4)]
    victim.write_text(json.dumps(data))
    with pytest.raises(DataImportError, match=r"evaluations at epochs \[1, 4\].*import nb101"):
        import_nb111(root, tf, max_epochs=2)
    cs, report = import_nb111(root, tf, max_epochs=2, skip_malformed=True)
    assert cs.n_runs == 1 and "not at every epoch" in report.skipped[0].reason


def test_nb101_results_folder_reads_the_recorded_epochs(tmp_path):
    labels = {"input": -1, "output": -2, **{op: k for k, op in enumerate(OPS)}}
    graphs = {
        h: [[list(r) for r in prune(s).matrix], [labels[o] for o in prune(s).ops]]
        for h, s in zip(fx.HASHES, fx.SPECS)
    }
    (tmp_path / "g.json").write_text(json.dumps(graphs))
    root = fx.nb111_folder(tmp_path / "src", epochs=4)
    for f in root.rglob("results.json"):  # NB101's layout, evaluated at epochs 0, 1 and 4
        data = json.loads(f.read_text())
        data["evaluation_results"] = [data["evaluation_results"][k] for k in (0, 1, 4)]
        h = f.parent.parent.name
        dest = tmp_path / "results" / "4_epochs" / h[:2] / h / "repeat_1" / "results.json"
        dest.parent.mkdir(parents=True)
        dest.write_text(json.dumps(data))
    cs, report = import_nb101(tmp_path / "results", budget=4, graphs=tmp_path / "g.json")
    assert cs.provenance["checkpoint_epochs"] == [1, 4] and cs.max_epochs == 2
    np.testing.assert_allclose(cs.epoch_time_s[0], [30.0, 90.0])
    assert list(cs.run_info["source_seed"]) == [1, 1] and list(cs.seeds) == [0, 0]
    with pytest.raises(DataImportError, match="needs the cells of their hashes"):
        import_nb101(tmp_path / "results", budget=4)
    graphs[fx.HASHES[0]], graphs[fx.HASHES[1]] = graphs[fx.HASHES[1]], graphs[fx.HASHES[0]]
    (tmp_path / "g.json").write_text(json.dumps(graphs))
    with pytest.raises(DataImportError, match="the graph's module hash is ff958f8d"):
        import_nb101(tmp_path / "results", budget=4, graphs=tmp_path / "g.json")
