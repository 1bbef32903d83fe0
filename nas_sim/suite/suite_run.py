"""Run a suite: expand the grid, write the manifest, skip finished runs, store every outcome."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from nas_sim.atomic import check_output_folder
from nas_sim.suite.executors import Executor
from nas_sim.suite.lock import SuiteLock
from nas_sim.suite.runner import Outcome, benchmark_for, build_optimizer
from nas_sim.suite.spec import RunSpec, SuiteSpec
from nas_sim.suite.store import ResultsStore, SuiteStoreError
from nas_sim.suite.validate import check_cells_on_benchmarks


def benchmark_fingerprints(spec: SuiteSpec) -> dict[str, dict[str, str]]:
    """Label → ``{"ref", "fingerprint"}``: a hash of each benchmark's ``describe()`` (space,
    epochs, metrics, mean training time, best known architecture, data provenance …)."""
    out = {}
    for b in spec.benchmarks:
        try:
            described = benchmark_for(b.ref).describe()
        except Exception as exc:
            raise SuiteStoreError(
                f"{spec.source}: benchmark {b.label!r} ({b.ref}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        text = json.dumps(described, sort_keys=True, default=str)
        out[b.label] = {"ref": b.ref, "fingerprint": hashlib.sha256(text.encode()).hexdigest()}
    return out


def check_on_benchmarks(spec: SuiteSpec) -> dict[str, dict[str, str]]:
    """Load and fingerprint every benchmark of ``spec``, then set up each distinct optimizer
    configuration once on its benchmark (:func:`~nas_sim.suite.validate.check_cells_on_benchmarks`):
    what only the benchmark decides is an error of the suite file. Returns the fingerprints."""
    prints = benchmark_fingerprints(spec)
    check_cells_on_benchmarks(spec.expand(), spec.source, benchmark_for, build_optimizer)
    return prints


@dataclass
class SuiteProgress:
    """Counts of a suite run; ``failed`` maps run ids to their error line, ``damaged`` the run ids
    whose result file was unreadable on resume (moved to ``damaged/`` and run again) to why."""

    total: int
    skipped: int = 0
    ok: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    damaged: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return self.ok + len(self.failed)


def run_suite(
    spec: SuiteSpec,
    out: str | os.PathLike[str],
    executor: Executor,
    *,
    resume: bool = False,
    on_outcome: Callable[[Outcome, SuiteProgress], None] | None = None,
    on_start: Callable[[SuiteProgress], None] | None = None,
    check_benchmarks: bool = True,
) -> SuiteProgress:
    """Run every cell of ``spec`` that has no result in ``out`` yet.

    A directory that already holds runs is only continued with ``resume=True``, and only if its
    manifest describes the same grid (same spec hash) or one the new grid contains (a suite
    extended with more seeds, optimizers, …; run ids derive from the cells, so old results stay
    valid). Failed runs are retried on resume.

    With ``check_benchmarks`` every benchmark is loaded here first (a missing data file is one
    clear error, not a failed run per cell) and fingerprinted; resuming on benchmarks whose
    fingerprint changed (regenerated data, another surrogate) is refused, so a directory never
    mixes results of two versions of a benchmark.
    """
    check_output_folder(out, what="suite folder")
    cells = spec.expand()
    store = ResultsStore(out)
    prints = check_on_benchmarks(spec) if check_benchmarks else {}
    with SuiteLock(out):
        return _run_locked(spec, cells, store, prints, executor, resume, on_outcome, on_start)


def _run_locked(
    spec: SuiteSpec,
    cells: list[RunSpec],
    store: ResultsStore,
    prints: dict[str, dict[str, str]],
    executor: Executor,
    resume: bool,
    on_outcome: Callable[[Outcome, SuiteProgress], None] | None,
    on_start: Callable[[SuiteProgress], None] | None,
) -> SuiteProgress:
    out = store.root
    if store.manifest_path.exists():
        old = store.read_manifest()
        for label, info in old.get("benchmarks", {}).items():
            new = prints.get(label)
            if new is not None and new["ref"] == info["ref"] and new != info:
                raise SuiteStoreError(
                    f"benchmark {label!r} ({info['ref']}) changed since {str(out)!r} was started "
                    "(its description differs: regenerated data, another surrogate?); resuming "
                    "would mix results of two versions. Choose another --out directory"
                )
        old_ids = {r["run_id"] for r in old.get("runs", [])}
        grown = old_ids <= {c.run_id for c in cells}  # e.g. more seeds: every old run stays valid
        if old.get("spec_hash") != spec.spec_hash() and not (resume and grown):
            raise SuiteStoreError(
                f"{str(out)!r} holds results of another suite grid ({old.get('name')!r}, spec hash "
                f"{str(old.get('spec_hash'))[:12]}); choose another --out directory"
                + (
                    ""
                    if not grown
                    else " (or pass --resume to extend it: the new grid contains "
                    "every run of the old one)"
                )
            )
        if not resume and (store.finished_ids() or store.failed_ids()):
            raise SuiteStoreError(
                f"{str(out)!r} already holds {len(store.finished_ids())} finished run(s) of this "
                "suite; pass --resume to continue it or choose another --out directory"
            )
    store.remove_partial_files()  # of a process killed mid-write
    store.write_manifest(spec, cells, prints)
    # every result file is checked before it counts as finished: a truncated or edited file is
    # moved aside (nothing is deleted) and its run done again
    damaged = store.quarantine_damaged({c.run_id for c in cells})
    finished = store.finished_ids()
    todo = [c for c in cells if c.run_id not in finished]
    progress = SuiteProgress(total=len(cells), skipped=len(cells) - len(todo), damaged=damaged)
    if on_start is not None:
        on_start(progress)
    by_id = {c.run_id: c for c in todo}
    try:
        # leaving this block by an exception (an interrupt: nas_sim.interrupt) stops the workers
        # at once; every result stored so far stays, nothing partial does
        with executor:
            for outcome in executor.map(c.as_dict() for c in todo):
                cell = by_id[outcome.run_id]
                if outcome.status == "ok" and outcome.result is not None:
                    store.save(cell, outcome.result)
                    progress.ok += 1
                else:
                    store.save_failure(cell, outcome.traceback or outcome.error)
                    progress.failed[cell.run_id] = outcome.error
                if on_outcome is not None:
                    on_outcome(outcome, progress)
    except BaseException:
        store.remove_partial_files()
        raise
    return progress
