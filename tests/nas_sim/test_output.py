"""Output a person can read and share: full-precision tables off a terminal, files that honour
the umask, a run that says how to keep its result, ``python -m nas_sim``."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from nas_sim.atomic import atomic_write_text
from nas_sim.cli import main
from nas_sim.tables import print_table


def test_plain_table_off_a_terminal_keeps_every_digit_and_long_string() -> None:
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|"
    buf = io.StringIO()  # not a TTY, like a pipe or a CI log
    print_table(
        "t", ("what", "value"), [("incumbent", arch), ("regret", 0.021000000000000019)], file=buf
    )
    text = buf.getvalue()
    assert arch in text and "0.02100000000000002" in text and "…" not in text


def test_run_output_in_a_log_is_complete_and_says_how_to_save(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["run", "--max-jobs", "3", "-q"])
    assert res.exit_code == 0, res.output
    assert "…" not in res.output
    line = next(x for x in res.output.splitlines() if x.startswith("incumbent "))
    assert line.split()[1].startswith("|") and line.endswith("|")  # the whole architecture
    assert "result not saved: rerun with --out results/rea-mnist1d-seed0.json" in res.output
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["run", "--max-jobs", "3", "-q", "--out", str(out)])
    assert f"result written to {out}" in res.output and "not saved" not in res.output


def test_written_files_honour_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.json", "{}")
        os.umask(0o077)
        atomic_write_text(tmp_path / "b.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o600


def test_python_dash_m_nas_sim_is_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "nas_sim", "list", "optimizer"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "rea" in proc.stdout.split()


def test_library_ticks_move_the_innermost_open_bar_and_log_at_debug(caplog) -> None:  # type: ignore[no-untyped-def]
    """Library code reports counts with tick(); a command's bar (when shown) follows them, and
    `-vv` logs them."""
    import logging

    from nas_sim import progress

    seen: list[tuple[int, int | None, str | None]] = []
    progress._open.append(lambda d, t, w: seen.append((d, t, w)))
    try:
        with caplog.at_level(logging.DEBUG, logger="nas_sim"):
            logging.getLogger("nas_sim").propagate = True
            progress.tick(3, 10, "logs read")
    finally:
        progress._open.pop()
    assert seen == [(3, 10, "logs read")]
    assert "logs read: 3 of 10" in caplog.text
    with progress.steps("x", None, quiet=True):
        assert len(progress._open) == 1
    assert progress._open == []
