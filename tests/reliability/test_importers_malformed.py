"""Importers on malformed but parseable files: without --skip-malformed the error names the file
and the field; with it the file is reported by name with the reason and the good ones imported."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures import nb301, nlp
from tests.reliability.conftest import assert_clear_error, cli, fast_half


def _nlp_folder(tmp: Path, edit: Callable[[dict], None]) -> tuple[Path, str]:  # type: ignore[type-arg]
    root = nlp.folder(tmp / "nlp")
    bad = sorted(root.glob("log_stats_model_*.json"))[0]
    data = json.loads(bad.read_text())
    edit(data)
    bad.write_text(json.dumps(data))
    return root, bad.name


def _nb301_folder(tmp: Path, edit: Callable[[Path], None]) -> tuple[Path, str]:
    root, _ = nb301.folder(tmp / "nb301")
    bad = root / "rs" / "results_0.json"
    edit(bad)
    return root, "rs/results_0.json"


def _set(key: str, value: object) -> Callable[[dict], None]:  # type: ignore[type-arg]
    return lambda d: d.__setitem__(key, value)


def _json_edit(key: str, value: object) -> Callable[[Path], None]:
    def edit(p: Path) -> None:
        d = json.loads(p.read_text())
        d[key] = value
        p.write_text(json.dumps(d))

    return edit


CASES = {
    "nlp string id": ("nlp", lambda t: _nlp_folder(t, _set("recepie_id", "abc")), "'recepie_id'"),
    "nlp null params": ("nlp", lambda t: _nlp_folder(t, _set("num_params", None)), "'num_params'"),
    "nlp string epochs": ("nlp", lambda t: _nlp_folder(t, _set("epochs", "50")), "'epochs'"),
    "nb301 string test accuracy": (
        "nb301",
        lambda t: _nb301_folder(t, _json_edit("test_accuracy", "high")),
        "'test_accuracy'",
    ),
    "nb301 null test accuracy": (
        "nb301",
        lambda t: _nb301_folder(t, _json_edit("test_accuracy", None)),
        "'test_accuracy'",
    ),
    "nb301 binary results_0.json": (
        "nb301",
        lambda t: _nb301_folder(t, lambda p: p.write_bytes(bytes(range(256)) * 4)),
        "cannot read as JSON text",
    ),
    "nb301 pickle as results_0.json": (
        "nb301",
        lambda t: _nb301_folder(t, lambda p: p.write_bytes(pickle.dumps({"test_accuracy": 1}))),
        "cannot read as JSON text",
    ),
}


@pytest.mark.parametrize("case", fast_half(CASES))
def test_malformed_file_names_file_and_field(tmp_path: Path, case: str) -> None:
    kind, make, named = CASES[case]
    root, bad = make(tmp_path)
    out_path = tmp_path / "out.parquet"
    strict = cli("import", kind, root, "--out", out_path)
    assert_clear_error(strict, bad, named)
    assert not out_path.exists()
    lenient = cli("import", kind, root, "--out", out_path, "--skip-malformed")
    assert lenient.returncode == 0, lenient.output
    assert "Traceback" not in lenient.output
    assert bad in lenient.output and named in lenient.output  # reported, with the reason
    assert out_path.exists()
