"""Bad inputs to the CLI, each in a subprocess: a clear error (non-zero exit, no traceback, the
bad value named), and nothing that was at an output path replaced or damaged."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability.conftest import assert_clear_error, cli, fast_half, suite_toml

LONG = "n" * 300


@dataclass(frozen=True)
class Case:
    """``args(tmp, bench)`` gives the command line; the error must name ``named`` (with
    ``{tmp}`` filled in); ``after(tmp)`` checks what is on disk afterwards."""

    args: Callable[[Path, Path], list[str]]
    named: tuple[str, ...]
    after: Callable[[Path], None] | None = None


def _file(tmp: Path, name: str = "plain", text: str = "x") -> Path:
    p = tmp / name
    p.write_text(text)
    return p


def _fifo(tmp: Path) -> Path:
    p = tmp / "fifo.json"
    os.mkfifo(p)
    return p


def _still_fifo(tmp: Path) -> None:
    assert stat.S_ISFIFO(os.lstat(tmp / "fifo.json").st_mode)


def _link(tmp: Path) -> Path:
    target = _file(tmp, "target.json", "keep me")
    (tmp / "link.json").symlink_to(target)
    return tmp / "link.json"


def _link_kept(tmp: Path) -> None:
    assert (tmp / "link.json").is_symlink() and (tmp / "target.json").read_text() == "keep me"


def _bench_copy(tmp: Path, bench: Path) -> Path:
    shutil.copy(bench, tmp / "bench.parquet")
    return tmp / "bench.parquet"


def _bench_kept(tmp: Path) -> None:
    assert (tmp / "bench.parquet").read_bytes()[:4] == b"PAR1"


def _suite(tmp: Path, bench: Path, text: str = "", **kw: str) -> str:
    return str(suite_toml(tmp / "s.toml", bench, extra=text, **kw))


RUN = ["run", "-q", "--budget", "3x"]

CASES: dict[str, Case] = {
    # ---- unwritable or wrong output destinations (checked before the work starts)
    "run --out under a file": Case(
        lambda t, b: [*RUN, "-b", str(b), "--out", f"{_file(t)}/r.json"],
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    "run --out empty": Case(lambda t, b: [*RUN, "-b", str(b), "--out", ""], ("names no file",)),
    "run --out 300-char name": Case(
        lambda t, b: [*RUN, "-b", str(b), "--out", str(t / f"{LONG}.json")],
        ("File name too long",),
    ),
    "run --out a FIFO": Case(
        lambda t, b: [*RUN, "-b", str(b), "--out", str(_fifo(t))],
        ("fifo.json", "is a FIFO; refusing to replace it"),
        _still_fifo,
    ),
    "run --out a symlink": Case(
        lambda t, b: [*RUN, "-b", str(b), "--out", str(_link(t))],
        ("link.json", "is a symbolic link"),
        _link_kept,
    ),
    "run --out an existing benchmark": Case(
        lambda t, b: [*RUN, "-b", str(b), "--out", str(_bench_copy(t, b))],
        ("bench.parquet", "is not a nas-sim result file"),
        _bench_kept,
    ),
    "import csv --out under a file": Case(
        lambda t, b: (
            ["import", "csv", str(_file(t, "t.csv", "arch,v\n")), "--space", "nb201"]
            + ["--arch-column", "arch", "--metric", "val_accuracy=v"]
            + ["--out", f"{_file(t)}/x.parquet"]
        ),
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    "import csv --out a FIFO": Case(
        lambda t, b: (
            ["import", "csv", str(_file(t, "t.csv", "arch,v\n")), "--space", "nb201"]
            + ["--arch-column", "arch", "--metric", "val_accuracy=v", "--out", str(_fifo(t))]
        ),
        ("fifo.json", "is a FIFO"),
        _still_fifo,
    ),
    "suite --out under a file": Case(
        lambda t, b: ["suite", _suite(t, b), "-e", "serial", "-q", "--out", f"{_file(t)}/out"],
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    "suite export --out under a file": Case(
        lambda t, b: ["suite", "export", str(t), "--out", f"{_file(t)}/runs.parquet"],
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    "surrogate fit --out under a file": Case(
        lambda t, b: ["surrogate", "fit", str(b), "--space", "nb201", "--out", f"{_file(t)}/d"],
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    "plot -o under a file": Case(
        lambda t, b: ["plot", str(t), "-o", f"{_file(t)}/p.png"],
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    "plot -o .xyz": Case(
        lambda t, b: ["plot", str(t), "-o", str(t / "p.xyz")],
        ("unsupported format '.xyz'", ".png"),
    ),
    "report -o under a file": Case(
        lambda t, b: ["report", str(t), "-o", f"{_file(t)}/r.html"],
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    "lce evaluate --plot .xyz": Case(
        lambda t, b: ["lce", "evaluate", "--curves", str(b), "--plot", str(t / "p.xyz")],
        ("unsupported format '.xyz'",),
    ),
    "lce evaluate --plot under a file": Case(
        lambda t, b: ["lce", "evaluate", "--curves", str(b), "--plot", f"{_file(t)}/p.png"],
        ("{tmp}/plain", "is a file, not a folder"),
    ),
    # ---- budgets
    "budget 1e308x": Case(lambda t, b: ["run", "-b", str(b), "--budget", "1e308x"], ("1e308x",)),
    "budget inf": Case(lambda t, b: ["run", "-b", str(b), "--budget", "inf"], ("'inf'",)),
    "budget nan": Case(lambda t, b: ["run", "-b", str(b), "--budget", "nan"], ("'nan'",)),
    "budget over the cap": Case(
        lambda t, b: ["run", "-b", str(b), "--budget", "2e15"], ("'2e15'", "at most 1e+15")
    ),
    "suite budget 1e308x": Case(
        lambda t, b: ["suite", _suite(t, b, budget="1e308x"), "--dry-run"], ("1e308x",)
    ),
    # ---- suite files
    "binary suite file": Case(
        lambda t, b: ["suite", str(_bytes(t, "bin.toml", bytes(range(256)))), "--dry-run"],
        ("bin.toml", "not UTF-8"),
    ),
    "latin-1 suite file": Case(
        lambda t, b: [
            "suite",
            str(_bytes(t, "l1.toml", '[suite]\nname = "é"\n'.encode("latin-1"))),
            "--dry-run",
        ],
        ("l1.toml", "not UTF-8"),
    ),
    "suite file is a folder": Case(
        lambda t, b: ["suite", str(t), "--dry-run"], ("cannot be read",)
    ),
    "suite name ../../escape": Case(
        lambda t, b: ["suite", _with_name(t, b, "../../escape"), "--dry-run"],
        ("[suite] name", "'../../escape'", "path separator"),
    ),
    "suite name ..": Case(
        lambda t, b: ["suite", _with_name(t, b, ".."), "--dry-run"], ("[suite] name", "'..'")
    ),
    "optimizer label with a slash": Case(
        lambda t, b: ["suite", _relabel(t, "a/b", bench=b), "--dry-run"],
        ("[[optimizer]] #1 label", "'a/b'"),
    ),
    "duplicate optimizer labels": Case(
        lambda t, b: ["suite", _relabel(t, "same", both=True, bench=b), "--dry-run"],
        ("optimizer labels must be unique", "'same'"),
    ),
    "e_few >= max_epochs, dry run": Case(
        lambda t, b: ["suite", _lce_suite(t, b, e_few=7), "--dry-run"],
        ("e_few must be < max_epochs (6), got 7",),
    ),
    "e_few >= max_epochs": Case(
        lambda t, b: [
            "suite",
            _lce_suite(t, b, e_few=6),
            "-e",
            "serial",
            "-q",
            "--out",
            str(t / "o"),
        ],
        ("e_few must be < max_epochs (6), got 6", "'rs-last(E=6)'"),
        lambda t: _no_runs(t / "o"),
    ),
}


def _bytes(tmp: Path, name: str, data: bytes) -> Path:
    (tmp / name).write_bytes(data)
    return tmp / name


def _with_name(tmp: Path, bench: Path, name: str) -> str:
    p = suite_toml(tmp / "s.toml", bench)
    p.write_text(p.read_text().replace('name = "rel"', f"name = {name!r}".replace("'", '"')))
    return str(p)


def _relabel(tmp: Path, label: str, *, both: bool = False, bench: Path | None = None) -> str:
    p = tmp / "s.toml"
    if bench is not None:
        suite_toml(p, bench)
    text = p.read_text().replace('name = "rs"\n', f'name = "rs"\nlabel = "{label}"\n')
    if both:
        text = text.replace('name = "rea"\n', f'name = "rea"\nlabel = "{label}"\n')
    p.write_text(text)
    return str(p)


def _lce_suite(tmp: Path, bench: Path, e_few: int) -> str:
    p = suite_toml(tmp / "s.toml", bench, extra=f'lce = ["last"]\ne_few = [{e_few}]\n', seeds=1)
    p.write_text(
        p.read_text().replace(
            '[[optimizer]]\nname = "rea"\nparams = { population_size = 5, sample_size = 2 }\n', ""
        )
    )
    return str(p)


def _no_runs(out: Path) -> None:
    assert not (out / "runs").exists() or not list((out / "runs").iterdir())


@pytest.mark.parametrize("case", fast_half(CASES))
def test_bad_input_gets_a_clear_error(tmp_path: Path, small_set: Path, case: str) -> None:
    c = CASES[case]
    out = cli(*c.args(tmp_path, small_set), cwd=tmp_path)
    assert_clear_error(out, *(n.replace("{tmp}", str(tmp_path)) for n in c.named))
    if c.after is not None:
        c.after(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_run_out_in_a_read_only_folder(tmp_path: Path, small_set: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        out = cli(*RUN, "-b", small_set, "--out", ro / "r.json")
        assert_clear_error(out, str(ro), "not writable")
    finally:
        ro.chmod(0o755)
