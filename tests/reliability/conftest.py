"""The fault-injection audit as tests: bad inputs and faults against the installed CLI, each in
a subprocess as a user would meet them.

A bad input must end in a clear error: a non-zero exit, no ``Traceback`` anywhere in the output,
and the bad value named. A fault (a kill, a signal, a second writer) must lose nothing, duplicate
nothing and leave results byte-identical to an uninterrupted run after ``--resume``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from nas_sim.benchmarks.curve_set import write_curve_set
from nas_sim.benchmarks.synthetic import synthetic_nb201_set

PLUGINS = Path(__file__).parent / "plugins.py"


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str  # stdout and stderr together


def cli(*args: str | os.PathLike[str], cwd: Path | None = None, timeout_s: float = 120) -> Outcome:
    """``nas-sim ARGS`` in a fresh interpreter (``python -m nas_sim.cli``), as a user runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "nas_sim.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout_s,
        env={**os.environ, "COLUMNS": "200"},  # rich wraps long error lines otherwise
    )
    return Outcome(proc.returncode, proc.stdout + proc.stderr)


def assert_clear_error(out: Outcome, *named: str) -> None:
    """Non-zero exit, no traceback, and every string of ``named`` in the message."""
    assert out.returncode != 0, f"exit 0 for a bad input:\n{out.output}"
    assert "Traceback" not in out.output, out.output
    for text in named:
        assert text in out.output, f"{text!r} not named in:\n{out.output}"


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30-architecture, 1-seed, 6-epoch NB201 curve set: runs of it take milliseconds."""
    path = tmp_path_factory.mktemp("reliability") / "small.parquet"
    write_curve_set(synthetic_nb201_set(n_archs=30, n_seeds=1, max_epochs=6, seed=1), path)
    return path


def suite_toml(
    path: Path, bench: Path, *, seeds: int = 2, budget: str = "20x", extra: str = ""
) -> Path:
    """A small suite file (random search and REA on ``bench``)."""
    path.write_text(
        f'[suite]\nname = "rel"\nseeds = {seeds}\nbudget = "{budget}"\n{extra}'
        f'[[benchmark]]\npath = "{bench}"\nlabel = "syn"\n'
        '[[optimizer]]\nname = "rs"\n[[optimizer]]\nname = "rea"\n'
        "params = { population_size = 5, sample_size = 2 }\n"
    )
    return path


def folder_files(root: Path) -> dict[str, bytes]:
    """Every file of a suite folder, but its writer lock (an empty file outliving its holder)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def live_processes(pgid: int) -> list[int]:
    """Processes of the process group ``pgid`` that still run (zombies, which the container's
    init may never reap, are dead and do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            alive.append(int(stat.parent.name))
    return alive


def fast_half(names: object) -> list[object]:
    """The cases of a table for ``parametrize``: every other one (in sorted order) is marked slow,
    so the default run keeps half of every kind of case and ``-m slow`` runs the rest."""
    return [
        pytest.param(n, marks=pytest.mark.slow) if i % 2 else n
        for i, n in enumerate(sorted(names))  # type: ignore[call-overload]
    ]
