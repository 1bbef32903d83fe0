"""The results store of a suite: a manifest, one result file per finished run, one record per
failed run.

Layout of a suite directory::

    manifest.json          the expanded grid (every cell with its run id) and the spec hash
    runs/<run_id>.json     a nas-sim result file (``nas_sim.results``), written atomically
    failed/<run_id>.json   the cell and the traceback of a run that raised

Every file is written atomically (temporary file + ``os.replace``) and holds no timestamps, so a
suite killed at any moment and resumed ends with each run stored exactly once, byte-identical to
an uninterrupted suite.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nas_sim.atomic import atomic_write_text
from nas_sim.path_component import PathComponentError, check_path_component
from nas_sim.results import ResultFileError, load_result, save_result
from nas_sim.simulator import SimulationResult
from nas_sim.suite.spec import RunSpec, SuiteSpec, canonical_json

MANIFEST_FORMAT = "nas-sim-suite"
MANIFEST_VERSION = 1
FAILED_FORMAT = "nas-sim-failed-run"


class SuiteStoreError(ValueError):
    """A suite directory that cannot be used as asked (another suite's results, no manifest …)."""


def _run_file_stem(run_id: str) -> str:
    """Run ids are read back from manifests, which are files: one is never a path."""
    try:
        # a run id holds two labels and the grid values: longer than a label may be
        return check_path_component(run_id, "run id", max_chars=200)
    except PathComponentError as exc:
        raise SuiteStoreError(f"{exc} (a manifest edited by hand?)") from exc


class ResultsStore:
    """Read and write one suite directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def result_path(self, run_id: str) -> Path:
        return self.root / "runs" / f"{_run_file_stem(run_id)}.json"

    def failure_path(self, run_id: str) -> Path:
        return self.root / "failed" / f"{_run_file_stem(run_id)}.json"

    # ---------------------------------------------------------------- manifest
    def write_manifest(
        self,
        spec: SuiteSpec,
        cells: list[RunSpec],
        benchmarks: dict[str, dict[str, str]] | None = None,
    ) -> None:
        """``benchmarks``: label → ``{"ref", "fingerprint"}`` of the data the runs used."""
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = {
            "benchmarks": benchmarks or {},
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION,
            "name": spec.name,
            "description": spec.description,
            "spec_hash": spec.spec_hash(),
            "n_runs": len(cells),
            "runs": [c.as_dict() for c in cells],
        }
        atomic_write_text(self.manifest_path, json.dumps(manifest, sort_keys=True, indent=1) + "\n")

    def read_manifest(self) -> dict[str, Any]:
        try:
            data = json.loads(self.manifest_path.read_text())
        except FileNotFoundError:
            raise SuiteStoreError(
                f"{str(self.root)!r} is not a suite directory (no manifest.json)"
            ) from None
        except json.JSONDecodeError as exc:
            raise SuiteStoreError(f"{self.manifest_path}: not valid JSON: {exc}") from exc
        if data.get("format") != MANIFEST_FORMAT:
            raise SuiteStoreError(f"{self.manifest_path} is not a nas-sim suite manifest")
        if data.get("version") != MANIFEST_VERSION:
            raise SuiteStoreError(
                f"{self.manifest_path} has manifest version {data.get('version')!r}; expected "
                f"{MANIFEST_VERSION}"
            )
        return data  # type: ignore[no-any-return]

    def cells(self) -> list[RunSpec]:
        return [RunSpec.from_dict(d) for d in self.read_manifest()["runs"]]

    # ------------------------------------------------------------------- runs
    def finished_ids(self) -> set[str]:
        """Run ids with a result file (failed runs are not finished: ``--resume`` retries them)."""
        folder = self.root / "runs"
        if not folder.is_dir():
            return set()
        # temporary files of interrupted writes start with "." and end in ".tmp"
        return {p.stem for p in folder.glob("*.json") if not p.name.startswith(".")}

    def failed_ids(self) -> set[str]:
        folder = self.root / "failed"
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.glob("*.json") if not p.name.startswith(".")}

    def remove_partial_files(self) -> list[Path]:
        """Delete the temporary files of interrupted atomic writes (``.NAME.XXXX.tmp``), left
        only by a process killed mid-write; they never count as results."""
        removed = []
        for folder in (self.root, self.root / "runs", self.root / "failed"):
            if folder.is_dir():
                for p in folder.glob(".*.tmp"):
                    p.unlink(missing_ok=True)
                    removed.append(p)
        return removed

    def quarantine_damaged(self, run_ids: set[str]) -> dict[str, str]:
        """Check the result file of every finished run in ``run_ids``; move each one that is not
        a complete result of its own run to ``damaged/`` and return run id → why."""
        damaged: dict[str, str] = {}
        for run_id in sorted(self.finished_ids() & run_ids):
            path = self.result_path(run_id)
            try:
                result = load_result(path)
                stored = result.config.get("suite_run", {}).get("run_id")
                if stored != run_id:
                    raise ResultFileError(f"{str(path)!r} holds the result of run {stored!r}")
            except (ResultFileError, AttributeError) as exc:
                damaged[run_id] = str(exc)
                target = self.root / "damaged" / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
        return damaged

    def save(self, cell: RunSpec, result: SimulationResult) -> Path:
        # the store owns its folder: a file left there is replaced whatever it holds
        path = save_result(result, self.result_path(cell.run_id), only_results=False)
        self.failure_path(cell.run_id).unlink(missing_ok=True)  # an earlier attempt failed
        return path

    def save_failure(self, cell: RunSpec, tb: str) -> Path:
        path = self.failure_path(cell.run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"format": FAILED_FORMAT, "run": cell.as_dict(), "traceback": tb}
        atomic_write_text(path, canonical_json(record) + "\n")
        return path

    def load_results(self) -> list[SimulationResult]:
        """The result files of every finished run of the manifest, in manifest order."""
        out = []
        done = self.finished_ids()
        for cell in self.cells():
            if cell.run_id in done:
                try:
                    out.append(load_result(self.result_path(cell.run_id)))
                except ResultFileError as exc:
                    raise SuiteStoreError(str(exc)) from exc
        return out

    def load_failures(self) -> list[dict[str, Any]]:
        out = []
        for run_id in sorted(self.failed_ids()):
            out.append(json.loads(self.failure_path(run_id).read_text()))
        return out
