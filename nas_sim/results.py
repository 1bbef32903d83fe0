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

from nas_sim.atomic import atomic_write_text
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


def save_result(result: SimulationResult, path: str | os.PathLike[str]) -> Path:
    """Write ``result`` to ``path`` atomically (a killed process leaves the old file or none)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
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
    except (OSError, json.JSONDecodeError) as exc:
        raise ResultFileError(f"result file {str(path)!r} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise ResultFileError(f"{str(path)!r} is not a nas-sim result file")
    if data.get("version") != RESULT_VERSION:
        raise ResultFileError(
            f"{str(path)!r} has result format version {data.get('version')!r}; expected "
            f"{RESULT_VERSION}"
        )
    try:
        return result_from_dict(data)
    except (KeyError, TypeError) as exc:
        raise ResultFileError(f"{str(path)!r} is not a complete result file: {exc!r}") from exc
