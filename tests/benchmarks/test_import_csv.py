"""CSV importer: final-epoch and per-epoch tables, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from nas_sim.benchmarks.curve_set import read_curve_set
from nas_sim.benchmarks.offline.importers.csv_table import CsvImportError, import_csv
from nas_sim.benchmarks.spaces.nb201 import NB201Space
from nas_sim.cli import main

SPACE = NB201Space()


def table(n: int = 5, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    reps = SPACE.unique_architectures()
    archs = [SPACE.format(reps[i]) for i in rng.choice(len(reps), n, replace=False)]
    return pd.DataFrame(
        {
            "arch": archs,
            "valid": rng.uniform(50, 90, n),
            "test": rng.uniform(50, 90, n),
            "secs": rng.uniform(5, 10, n),
        }
    )


def test_final_epoch_table_via_cli(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = table()
    df.to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "t.parquet"
    res = CliRunner().invoke(
        main,
        [
            "import",
            "csv",
            str(tmp_path / "t.csv"),
            "--space",
            "nb201",
            "--arch-column",
            "arch",
            "--metric",
            "val_accuracy=valid",
            "--metric",
            "test_accuracy=test",
            "--percent",
            "--epoch-time-column",
            "secs",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    cs = read_curve_set(out)
    assert cs.max_epochs == 1 and cs.n_runs == 5
    np.testing.assert_allclose(cs.metrics["val_accuracy"][:, 0], df["valid"] / 100)
    np.testing.assert_allclose(cs.epoch_time_s[:, 0], df["secs"])
    # and it runs as a benchmark
    res = CliRunner().invoke(main, ["run", "-b", str(out), "-o", "rs", "--budget", "5x", "--json"])
    assert res.exit_code == 0, res.output


def test_per_epoch_columns_and_seed_column(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = table(3)
    df = pd.concat([df, df.assign(valid=df["valid"] + 1)], ignore_index=True)
    df["seed"] = [0, 0, 0, 1, 1, 1]
    for e in (1, 2, 3):
        df[f"va_{e}"] = 0.1 * e
    df.to_csv(tmp_path / "t.csv", index=False)
    cs = import_csv(
        tmp_path / "t.csv",
        SPACE,
        arch_column="arch",
        metrics={"val_accuracy": "va_{epoch}"},
        epoch_time_s=2.0,
        seed_column="seed",
    )
    assert cs.max_epochs == 3 and list(cs.seeds) == [0, 0, 0, 1, 1, 1]
    np.testing.assert_allclose(cs.metrics["val_accuracy"][0], [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    "mutate, kwargs, message",
    [
        (lambda d: d.drop(columns="valid"), {}, "missing column 'valid'"),
        (lambda d: d.drop(columns="arch"), {}, "missing architecture column 'arch'"),
        (lambda d: pd.concat([d, d.iloc[:1]]), {}, "duplicate architecture"),
        (lambda d: d.assign(arch=["|bad~0|"] * len(d)), {}, "row 2, column 'arch'"),
        (lambda d: d.assign(valid=["x"] + list(d["valid"][1:])), {}, "non-numeric value 'x'"),
        (lambda d: d.assign(valid=[np.nan] + list(d["valid"][1:])), {}, "missing/NaN val_accuracy"),
        (lambda d: d, {"percent": False}, "outside \\[0, 1\\]"),
        (lambda d: d, {"epoch_time_s": None}, "exactly one of --epoch-time-s"),
        (lambda d: d, {"epoch_time_s": -1.0}, "must be > 0"),
        (lambda d: d, {"metrics": {"val_acc": "valid"}}, "unknown metric 'val_acc'"),
    ],
)
def test_bad_tables(tmp_path, mutate, kwargs, message) -> None:  # type: ignore[no-untyped-def]
    mutate(table()).to_csv(tmp_path / "t.csv", index=False)
    args = {
        "arch_column": "arch",
        "metrics": {"val_accuracy": "valid"},
        "percent": True,
        "epoch_time_s": 1.0,
        **kwargs,
    }
    with pytest.raises(CsvImportError, match=message):
        import_csv(tmp_path / "t.csv", SPACE, **args)


def test_missing_file() -> None:
    with pytest.raises(CsvImportError, match="does not exist"):
        import_csv(
            "nope.csv", SPACE, arch_column="a", metrics={"val_accuracy": "v"}, epoch_time_s=1.0
        )


@pytest.mark.parametrize("infer_string", [False, True], ids=["object-text", "str-text"])
def test_json_list_columns_import_with_either_text_dtype(tmp_path, infer_string) -> None:  # type: ignore[no-untyped-def]
    """pandas 2 reads text as ``object``, pandas 3 as ``str``: JSON-list curves import either way
    (``future.infer_string`` switches pandas 2.1+ and 3 between the two)."""
    df = table(4)
    rng = np.random.default_rng(1)
    curves = rng.uniform(0.3, 0.9, (4, 3))
    df["val_curve"] = [json_list(c) for c in curves]
    df.to_csv(tmp_path / "t.csv", index=False)
    with pd.option_context("future.infer_string", infer_string):
        cs = import_csv(
            tmp_path / "t.csv",
            SPACE,
            arch_column="arch",
            metrics={"val_accuracy": "val_curve"},
            epoch_time_s=1.0,
        )
    np.testing.assert_allclose(cs.metrics["val_accuracy"], curves, atol=1e-6)


def test_a_json_list_of_non_numbers_names_the_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    df = table(3)
    df["val_curve"] = ["[0.1, 0.2]", '["a", 0.2]', "[0.3, 0.4]"]
    df.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(CsvImportError, match=r"'val_curve' row 3 is not a JSON list of numbers"):
        import_csv(
            tmp_path / "t.csv",
            SPACE,
            arch_column="arch",
            metrics={"val_accuracy": "val_curve"},
            epoch_time_s=1.0,
        )


def json_list(values) -> str:  # type: ignore[no-untyped-def]
    return "[" + ", ".join(f"{v:.6f}" for v in values) + "]"
