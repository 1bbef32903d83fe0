"""Result files: one JSON file per simulation run, written atomically.

A result holds the full run configuration, the trajectory, the summary and library versions, and
nothing that depends on wall-clock time, so the same seed gives a byte-identical file.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from nas_sim.atomic import atomic_write_text, check_output_path
from nas_sim.simulator import SimulationResult, Summary, Trajectory

RESULT_FORMAT = "nas-sim-result"
RESULT_VERSION = 1


class ResultFileError(ValueError):
    """A result file that is missing, corrupt or of another format."""


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("nas-sim", "numpy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def result_to_dict(result: SimulationResult) -> dict[str, Any]:
    return {
        "format": RESULT_FORMAT,
        "version": RESULT_VERSION,
        "config": result.config,
        "summary": asdict(result.summary),
        "trajectory": result.trajectory.as_dict(),
        "versions": library_versions(),
    }


def dumps(result: SimulationResult) -> str:
    return json.dumps(result_to_dict(result), sort_keys=True, separators=(",", ":")) + "\n"


def check_result_path(path: str | os.PathLike[str], *, only_results: bool = True) -> Path:
    """Check that a result can be written to ``path`` (before the run, so a long run does not
    fail at its end); with ``only_results`` an existing file must be a result file, so a
    benchmark or any other file given as ``--out`` by mistake is not replaced."""
    return check_output_path(
        path,
        what="result file",
        same_kind=is_result_file if only_results else None,
        kind_name="a nas-sim result file",
    )


def is_result_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a readable nas-sim result (a cheap sniff first: large binary files
    given by mistake are not read whole)."""
    try:
        with open(path, "rb") as f:
            if not f.read(64).lstrip().startswith(b"{"):
                return False
        load_result(path)
    except (OSError, ResultFileError):
        return False
    return True


def save_result(
    result: SimulationResult, path: str | os.PathLike[str], *, only_results: bool = True
) -> Path:
    """Write ``result`` to ``path`` atomically (a killed process leaves the old file or none).

    An existing file at ``path`` is only replaced when it is a result file (``only_results``;
    the suite store, which owns its folder, replaces damaged files on resume)."""
    path = check_result_path(path, only_results=only_results)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultFileError(f"cannot create the folder of {str(path)!r}: {exc.strerror}") from exc
    atomic_write_text(path, dumps(result))
    return path


def result_from_dict(data: dict[str, Any]) -> SimulationResult:
    """The inverse of :func:`result_to_dict`: ``dumps(result_from_dict(d))`` writes ``d`` again
    (with the versions of the library writing it)."""
    return SimulationResult(
        config=dict(data["config"]),
        trajectory=Trajectory(**data["trajectory"]),
        summary=Summary(**data["summary"]),
        versions=dict(data.get("versions", {})),
    )


def load_result(path: str | os.PathLike[str]) -> SimulationResult:
    """Read a result file, checking its format."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ResultFileError(f"result file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultFileError(f"result file {str(path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise ResultFileError(f"{str(path)!r} is not a nas-sim result file")
    if data.get("version") != RESULT_VERSION:
        raise ResultFileError(
            f"{str(path)!r} has result format version {data.get('version')!r}; expected "
            f"{RESULT_VERSION}"
        )
    try:
        result = result_from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ResultFileError(f"{str(path)!r} is not a complete result file: {exc!r}") from exc
    problem = _inconsistency(result)
    if problem:
        raise ResultFileError(f"{str(path)!r} is damaged: {problem}")
    return result


def _inconsistency(result: SimulationResult) -> str:
    """What makes a parsed result impossible (a file edited or cut and re-closed), or ""."""
    columns = result.trajectory.as_dict()
    lengths = {k: len(v) for k, v in columns.items() if isinstance(v, list)}
    if len(lengths) != len(columns):
        bad = sorted(set(columns) - set(lengths))[0]
        return f"trajectory column {bad!r} is not a list"
    if len(set(lengths.values())) > 1:
        return f"its trajectory columns have different lengths {lengths}"
    jobs = result.summary.jobs
    if not isinstance(jobs, int) or jobs != lengths.get("time_s", 0):
        return f"summary.jobs={jobs!r} but the trajectory has {lengths.get('time_s', 0)} points"
    return ""
