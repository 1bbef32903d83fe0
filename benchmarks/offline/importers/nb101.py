"""Import NAS-Bench-101 data (Ying et al. 2019): the official tfrecords and the NB111 curves.

``nasbench_full.tfrecord`` / ``nasbench_only108.tfrecord`` hold one record per (cell, epoch
budget, repeat): a JSON array ``[module_hash, epochs, adjacency bits, ops, base64 ModelMetrics]``. They are read here without TensorFlow, and every record's graph is
checked against its hash.

The tfrecords are built from NB101's per-run ``results.json`` files (the training code's output,
``<budget>_epochs/<hh>/<hash>/repeat_<k>/``, with ``generated_graphs.json`` for the cells);
:func:`import_nb101` reads either. Both hold accuracies only at the evaluations a run made (the
official runs: before training, halfway, end), so it writes a checkpoint curve set of one budget,
one step per evaluation after the one before training, at the epochs the evaluations record.
Per-epoch curves come from the NB111 data, :func:`import_nb111`, which refuses evaluations that
are not at consecutive epochs.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nas_sim.benchmarks.curve_set import CurveSet, CurveSetError
from nas_sim.benchmarks.offline.importers.report import DataImportError, ImportReport
from nas_sim.benchmarks.offline.importers.run_identity import number_runs
from nas_sim.benchmarks.offline.importers.tfrecord import as_double, parse_fields, read_records
from nas_sim.benchmarks.spaces.nb101 import OPS, NB101Space, NB101Spec, graph_hash
from nas_sim.progress import tick
from nas_sim.search_space import InvalidArchitectureError

BUDGETS = (4, 12, 36, 108)
#: curve-set metric → Evaluation field
_EVAL_FIELDS = {
    "train_accuracy": "train_accuracy",
    "val_accuracy": "validation_accuracy",
    "test_accuracy": "test_accuracy",
}


@dataclass(frozen=True)
class Evaluation:
    """One ``EvaluationData`` message (accuracies are fractions, times seconds)."""

    current_epoch: float
    training_time: float
    train_accuracy: float
    validation_accuracy: float
    test_accuracy: float


@dataclass(frozen=True)
class NB101Record:
    """One training run: cell ``spec`` (pruned), ``epochs`` budget, its evaluations
    (before training, halfway, end), parameters and total time."""

    module_hash: str
    epochs: int
    spec: NB101Spec
    evaluations: tuple[Evaluation, ...]
    trainable_parameters: int
    total_time: float


def _evaluation(raw: bytes) -> Evaluation:
    vals = {1: 0.0, 2: 0.0, 3: math.nan, 4: math.nan, 5: math.nan}
    for field, wire, value in parse_fields(raw):
        if field in vals and wire == 1:
            vals[field] = as_double(value)
    return Evaluation(vals[1], vals[2], vals[3], vals[4], vals[5])


def parse_payload(payload: bytes, where: str, check_hash: bool = True) -> NB101Record:
    """Decode one tfrecord payload; errors name ``where`` and the bad field."""
    try:
        item = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataImportError(f"{where}: payload is not a JSON array: {exc}") from exc
    if not isinstance(item, list) or len(item) != 5:
        raise DataImportError(
            f"{where}: payload must be [module_hash, epochs, adjacency, operations, metrics]"
        )
    module_hash, epochs, adjacency, operations, metrics = item
    if not isinstance(module_hash, str) or len(module_hash) != 32:
        raise DataImportError(f"{where}: field module_hash {module_hash!r} is not a 32-char MD5")
    if not isinstance(epochs, int) or epochs <= 0:
        raise DataImportError(f"{where}: field epochs {epochs!r} is not a positive int")
    if not isinstance(adjacency, str) or set(adjacency) - {"0", "1"}:
        raise DataImportError(f"{where}: field raw_adjacency must be a string of 0/1")
    dim = math.isqrt(len(adjacency))
    if dim * dim != len(adjacency):
        raise DataImportError(
            f"{where}: field raw_adjacency has {len(adjacency)} bits, not a square"
        )
    ops = str(operations).split(",")
    try:
        spec = NB101Spec.from_lists(
            [[int(c) for c in adjacency[r * dim : (r + 1) * dim]] for r in range(dim)], ops
        )
        h = graph_hash(spec) if check_hash else module_hash
    except InvalidArchitectureError as exc:
        raise DataImportError(f"{where}: invalid graph (hash {module_hash}): {exc}") from exc
    if h != module_hash:
        raise DataImportError(
            f"{where}: field module_hash {module_hash} does not match the graph (hash {h})"
        )
    try:
        fields = parse_fields(base64.b64decode(metrics, validate=True))
        evals = tuple(_evaluation(v) for f, w, v in fields if f == 1 and w == 2)  # type: ignore[arg-type]
        params = next((int(v) for f, w, v in fields if f == 2 and w == 0), -1)  # type: ignore[call-overload]
        total = next((as_double(v) for f, w, v in fields if f == 3 and w == 1), math.nan)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise DataImportError(
            f"{where}: field raw_metrics is not a valid ModelMetrics: {exc}"
        ) from exc
    if len(evals) < 3:
        raise DataImportError(
            f"{where}: field raw_metrics has {len(evals)} evaluations; expected 3 "
            "(start, halfway, end)"
        )
    return NB101Record(module_hash, epochs, spec, evals, params, total)


def read_nb101_tfrecord(path: str | os.PathLike[str]) -> Iterator[NB101Record]:
    """Every record of an NB101 tfrecord; the graph hash is checked once per cell."""
    path = Path(path)
    checked: set[str] = set()
    for i, payload in enumerate(read_records(path)):
        if i % 1000 == 0:
            tick(i, None, "records read")  # a tfrecord does not say how many it holds
        rec = parse_payload(payload, f"{path.name} record {i}", check_hash=False)
        if rec.module_hash not in checked:
            parse_payload(payload, f"{path.name} record {i}", check_hash=True)
            checked.add(rec.module_hash)
        yield rec


def nb101_tables(
    path: str | os.PathLike[str],
) -> tuple[dict[str, tuple[NB101Spec, int]], dict[str, dict[int, list[NB101Record]]]]:
    """The official API's ``fixed`` (hash → (spec, params)) and ``computed`` (hash → budget →
    repeats) tables."""
    fixed: dict[str, tuple[NB101Spec, int]] = {}
    computed: dict[str, dict[int, list[NB101Record]]] = {}
    for rec in read_nb101_tfrecord(path):
        fixed.setdefault(rec.module_hash, (rec.spec, rec.trainable_parameters))
        computed.setdefault(rec.module_hash, {}).setdefault(rec.epochs, []).append(rec)
    return fixed, computed


def mean_final_validation(computed: dict[int, list[NB101Record]], budget: int) -> float:
    runs = computed.get(budget, [])
    return (
        float(np.mean([r.evaluations[-1].validation_accuracy for r in runs])) if runs else math.nan
    )


def load_generated_graphs(path: str | os.PathLike[str]) -> dict[str, NB101Spec]:
    """NB101's ``generated_graphs.json`` (module hash → ``[adjacency, labels]``; labels -1 input,
    -2 output, 0/1/2 the ops in :data:`~nas_sim.benchmarks.spaces.nb101.OPS` order). Every
    graph's module hash is checked against its key."""
    path = Path(path)
    if not path.is_file():
        raise DataImportError(f"NB101 graphs file {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataImportError(f"{path.name}: not valid JSON (truncated?): {exc}") from exc
    if not isinstance(data, dict):
        raise DataImportError(f"{path.name}: expected an object module hash → [matrix, labels]")
    names = {-1: "input", -2: "output", **dict(enumerate(OPS))}
    out: dict[str, NB101Spec] = {}
    for key, value in data.items():
        where = f"{path.name} [{key!r}]"
        if not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], list):
            raise DataImportError(f"{where}: expected [adjacency matrix, labels]")
        unknown = [x for x in value[1] if x not in names]
        if unknown:
            raise DataImportError(
                f"{where}: unknown op label {unknown[0]!r}; labels are -1 (input), -2 (output), "
                "0 (conv3x3-bn-relu), 1 (conv1x1-bn-relu), 2 (maxpool3x3)"
            )
        try:
            spec = NB101Spec.from_lists(value[0], [names[x] for x in value[1]])
            h = graph_hash(spec)
        except InvalidArchitectureError as exc:
            raise DataImportError(f"{where}: invalid graph: {exc}") from exc
        if h != key:
            raise DataImportError(f"{where}: the graph's module hash is {h}, not its key")
        out[key] = spec
    return out


def _budget_of(file: Path) -> int | None:
    for parent in file.parents:
        m = re.fullmatch(r"(\d+)_epochs", parent.name)
        if m:
            return int(m.group(1))
    return None


def _results_evaluations(data: object, name: str) -> list[dict[str, Any]]:
    evals = data.get("evaluation_results") if isinstance(data, dict) else None
    if not isinstance(evals, list) or not all(isinstance(x, dict) for x in evals):
        raise DataImportError(f"{name}: missing field 'evaluation_results' (a list of dicts)")
    for k, ev in enumerate(evals):
        for field in ("epochs", "validation_accuracy", "train_accuracy", "test_accuracy"):
            if not isinstance(ev.get(field), (int, float)):
                raise DataImportError(f"{name}: evaluation_results[{k}] lacks field {field!r}")
        if not isinstance(ev.get("training_time", 0), (int, float)):  # optional, a number
            raise DataImportError(
                f"{name}: evaluation_results[{k}] field 'training_time' must be a number"
            )
    if isinstance(data, dict) and not isinstance(data.get("total_time", 0), (int, float)):
        raise DataImportError(f"{name}: field 'total_time' must be a number")
    return evals


def read_nb101_results(
    root: str | os.PathLike[str], graphs: dict[str, NB101Spec]
) -> Iterator[tuple[str, NB101Record, int]]:
    """``(name, record, repeat)`` of every ``…/<budget>_epochs/<hh>/<hash>/repeat_<k>/results.json``
    under ``root``, the per-run output of NB101's training code (the tfrecords are built from
    these). The budget comes from the ``<budget>_epochs`` folder (else the last evaluation)."""
    root = Path(root)
    for h, rep, f in _results_files(root):
        name = str(f.relative_to(root))
        if h not in graphs:
            raise DataImportError(f"{name}: hash {h} is not in the graphs file")
        data = _read_json(f, name)
        evals = _results_evaluations(data, name)
        evaluations = tuple(
            Evaluation(
                float(ev["epochs"]),
                float(ev.get("training_time", math.nan)),
                float(ev["train_accuracy"]),
                float(ev["validation_accuracy"]),
                float(ev["test_accuracy"]),
            )
            for ev in evals
        )
        budget = _budget_of(f) or (int(evaluations[-1].current_epoch) if evaluations else 0)
        rec = NB101Record(
            h,
            budget,
            graphs[h],
            evaluations,
            int(data.get("trainable_params", -1)),
            float(data.get("total_time", math.nan)),
        )
        yield name, rec, rep


def _epoch(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def import_nb101(
    path: str | os.PathLike[str],
    *,
    budget: int = 108,
    graphs: str | os.PathLike[str] | None = None,
    skip_malformed: bool = False,
) -> tuple[CurveSet, ImportReport]:
    """The ``budget``-epoch runs as a checkpoint curve set: one "epoch" per evaluation after the
    one before training, at the epochs the evaluations record (official tfrecords: halfway and
    end of the schedule). ``path`` is a tfrecord, or a folder of NB101 ``results.json`` files
    with ``graphs`` (NB101's ``generated_graphs.json``). Every run must have its evaluations at the
    same epochs; the sidecar's ``checkpoint_epochs`` lists them."""
    path = Path(path)
    report = ImportReport("nb101", str(path))
    space = NB101Space()
    if path.is_dir():
        if graphs is None:
            raise DataImportError(
                f"{path}: a folder of NB101 results.json needs the cells of their hashes: give "
                "graphs= (--graphs generated_graphs.json)"
            )
        if not _results_files(path):
            raise DataImportError(
                f"{str(path)!r} holds no NB101 results (…/<hash>/repeat_<k>/results.json)"
            )
        cells = load_generated_graphs(graphs)
        runs: Iterator[tuple[str, NB101Record, int | None]] = read_nb101_results(path, cells)
    elif path.is_file():
        counts: dict[str, int] = {}

        def tf_runs() -> Iterator[tuple[str, NB101Record, int | None]]:
            for rec in read_nb101_tfrecord(path):
                k = counts.get(rec.module_hash, 0)
                counts[rec.module_hash] = k + 1
                yield f"{path.name} {rec.module_hash} repeat {k}", rec, None

        runs = tf_runs()
    else:
        raise DataImportError(f"NB101 data path {str(path)!r} does not exist")
    archs, sources, repeats, hashes, times, params = [], [], [], [], [], []
    metrics: dict[str, list[list[float]]] = {
        "train_accuracy": [],
        "val_accuracy": [],
        "test_accuracy": [],
    }
    canonical: dict[str, str] = {}
    epochs: list[float] | None = None
    first_where = ""
    found: set[int] = set()
    for where, rec, rep in runs:
        found.add(rec.epochs)
        if rec.epochs != budget:
            continue
        report.n_read += 1
        # the evaluation before training (epoch 0) is no checkpoint of the curve
        checks = [ev for ev in rec.evaluations if ev.current_epoch > 0]
        at = [ev.current_epoch for ev in checks]
        if epochs is None and checks:
            epochs, first_where = at, where
        if not checks or at != epochs:
            msg = (
                f"{where}: evaluations at epochs {[_epoch(x) for x in at]}, but "
                f"{first_where} has them at {[_epoch(x) for x in epochs or []]}; a checkpoint "
                "set needs every run evaluated at the same epochs"
            )
            if not skip_malformed:
                raise DataImportError(msg)
            report.skip(where, f"malformed: {msg}")
            continue
        cum = np.array([0.0] + [ev.training_time for ev in checks])
        t = np.diff(cum)
        values = [[getattr(ev, f) for ev in checks] for f in _EVAL_FIELDS.values()]
        flat = [v for row in values for v in row]
        if not all(math.isfinite(v) for v in flat + list(t)) or min(t) <= 0:
            report.skip(
                where, f"non-finite accuracies or non-increasing training_time {t.tolist()}"
            )
            continue
        if rec.module_hash not in canonical:
            canonical[rec.module_hash] = space.format(space.canonical(rec.spec))
        archs.append(canonical[rec.module_hash])
        sources.append(space.format(rec.spec))
        repeats.append(rep)
        hashes.append(rec.module_hash)
        for m, row in zip(_EVAL_FIELDS, values):
            metrics[m].append(row)
        times.append(t.tolist())
        params.append(rec.trainable_parameters)
    if not archs:
        if not report.n_read:
            raise DataImportError(
                f"{path.name}: no {budget}-epoch records; the data has budgets "
                f"{sorted(found) or 'none'} (choose one with --budget)"
            )
        raise DataImportError(
            f"{path.name}: no usable {budget}-epoch run among {report.n_read}; "
            + "; ".join(f"{s.file}: {s.reason}" for s in report.skipped[:3])
        )
    assert epochs is not None
    ids = number_runs(
        archs,
        sources,
        None if None in repeats else [int(r) for r in repeats],  # type: ignore[arg-type]
    )
    report.n_imported = len(archs)
    checkpoint_epochs = [_epoch(x) for x in epochs]
    report.notes.append(
        f"{len(epochs)} checkpoints per run, at epochs {checkpoint_epochs} of the {budget}-epoch "
        "schedule (as the evaluations record them)"
    )
    report.notes.append(ids.note)
    cs = CurveSet(
        space="nb101",
        archs=ids.archs,
        seeds=ids.seeds,
        metrics={m: np.asarray(v) for m, v in metrics.items()},
        epoch_time_s=np.asarray(times),
        units={m: "fraction" for m in metrics},
        objective="val_accuracy",
        run_info={
            "trainable_parameters": np.asarray(params, dtype=np.int64),
            "module_hash": np.asarray(hashes),
            **ids.run_info,
        },
        provenance={
            "importer": "nb101",
            "name": f"nb101-{budget}",
            "source": path.name,
            "budget_epochs": budget,
            "checkpoint_epochs": checkpoint_epochs,
            "report": report.as_dict(),
        },
    )
    try:
        cs.validate(str(path))
    except CurveSetError as exc:
        raise DataImportError(str(exc)) from exc
    return cs, report


# --------------------------------------------------------------------- NB111
def _read_json(f: Path, name: str) -> Any:
    """A results.json file's content; unreadable or invalid JSON is a DataImportError naming it."""
    try:
        return json.loads(f.read_text())
    except (OSError, UnicodeDecodeError) as exc:  # a binary file, a pickle, …
        raise DataImportError(f"{name}: cannot read as JSON text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DataImportError(f"{name}: not valid JSON (truncated?): {exc}") from exc


def _results_files(root: Path) -> list[tuple[str, int, Path]]:
    out = []
    for f in sorted(root.rglob("results.json")):
        rep, h = f.parent.name, f.parent.parent.name
        if rep.startswith("repeat_") and len(h) == 32:
            out.append((h, int(rep[len("repeat_") :]), f))
    return out


def import_nb111(
    root: str | os.PathLike[str],
    tfrecord: str | os.PathLike[str],
    *,
    max_epochs: int = 108,
    skip_malformed: bool = False,
) -> tuple[CurveSet, ImportReport]:
    """NB111's per-epoch curves (``results_may19/<shard>/<hh>/<hash>/repeat_<k>/results.json``).

    The cell of each hash comes from the NB101 ``tfrecord``; the mean 4/12/36/108-epoch
    validation accuracies of the cell (NB111's extra surrogate features) are stored as run-info
    columns ``nb101_val_accuracy_<budget>`` (NaN where the tfrecord lacks that budget).
    The evaluation before training (``epochs`` 0) is dropped; the others must be at epochs
    1, 2, 3, … (a file evaluated at other epochs, e.g. NB101's checkpoint results at 0, 1, 4, is
    refused: its curve would have gaps the curve-set format cannot hold); the first
    ``max_epochs`` are the curve. A file with fewer is skipped as incomplete.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataImportError(f"NB111 data folder {str(root)!r} does not exist")
    files = _results_files(root)
    if not files:
        raise DataImportError(
            f"{str(root)!r} holds no NB111 results (…/<hash>/repeat_<k>/results.json)"
        )
    fixed, computed = nb101_tables(tfrecord)
    space = NB101Space()
    report = ImportReport("nb111", str(root))
    e = max_epochs
    archs, sources, seeds, times = [], [], [], []
    metrics: dict[str, list[np.ndarray]] = {
        "train_accuracy": [],
        "val_accuracy": [],
        "test_accuracy": [],
    }
    extra: dict[int, list[float]] = {b: [] for b in BUDGETS}
    hashes, dropped_zero = [], 0
    for i, (h, rep, f) in enumerate(files):
        name = str(f.relative_to(root))
        report.n_read += 1
        tick(i + 1, len(files), "result files read")
        try:
            if h not in fixed:
                raise DataImportError(f"{name}: hash {h} is not in {Path(tfrecord).name}")
            data = _read_json(f, name)
            evals = _results_evaluations(data, name)
            start_time = 0.0
            if evals and float(evals[0]["epochs"]) <= 0:
                start_time = float(evals[0].get("training_time", 0.0))
                evals = evals[1:]
                dropped_zero += 1
            at = [_epoch(float(ev["epochs"])) for ev in evals]
            if at != list(range(1, len(at) + 1)):
                raise DataImportError(
                    f"{name}: evaluations at epochs {at} (after the one before training), not at "
                    "every epoch 1, 2, …: these are NB101 checkpoint results, not NB111 per-epoch "
                    "curves; import them with 'nas-sim import nb101 FOLDER --graphs "
                    "generated_graphs.json --budget N'"
                )
        except DataImportError as exc:
            if not skip_malformed:
                raise
            report.skip(name, f"malformed: {exc}")
            continue
        if len(evals) < e:
            report.skip(name, f"incomplete: {len(evals)} per-epoch evaluations, expected {e}")
            continue
        evals = evals[:e]
        run = {
            m: np.array([float(ev[m.replace("val_", "validation_")]) for ev in evals])
            for m in metrics
        }
        if not all(np.isfinite(v).all() for v in run.values()):
            report.skip(name, "non-finite accuracies (diverged)")
            continue
        cum = np.array([float(ev.get("training_time", math.nan)) for ev in evals])
        t = np.diff(np.concatenate([[start_time], cum]))
        if not (np.isfinite(t).all() and (t > 0).all()):
            total = float(data.get("total_time", math.nan))
            if not (math.isfinite(total) and total > 0):
                report.skip(name, "no usable training_time or total_time")
                continue
            t = np.full(e, total / e)
        for m in metrics:
            metrics[m].append(run[m])
        times.append(t)
        archs.append(space.format(space.canonical(fixed[h][0])))
        sources.append(space.format(fixed[h][0]))
        seeds.append(rep)
        hashes.append(h)
        for b in BUDGETS:
            extra[b].append(mean_final_validation(computed.get(h, {}), b))
    if not archs:
        raise DataImportError(
            f"{root}: no usable NB111 result among {report.n_read}; "
            + "; ".join(f"{s.file}: {s.reason}" for s in report.skipped[:3])
        )
    if dropped_zero:
        report.notes.append(f"{dropped_zero} files had a pre-training evaluation (dropped)")
    report.n_imported = len(archs)
    ids = number_runs(archs, sources, seeds)  # seeds: the files' repeat_<k>
    report.notes.append(ids.note)
    run_info: dict[str, np.ndarray] = {"module_hash": np.asarray(hashes), **ids.run_info}
    for b in BUDGETS:
        run_info[f"nb101_val_accuracy_{b}"] = np.asarray(extra[b])
    cs = CurveSet(
        space="nb101",
        archs=ids.archs,
        seeds=ids.seeds,
        metrics={m: np.stack(v) for m, v in metrics.items()},
        epoch_time_s=np.stack(times),
        units={m: "fraction" for m in metrics},
        objective="val_accuracy",
        run_info=run_info,
        provenance={
            "importer": "nb111",
            "name": "nb111",
            "source": root.name,
            "tfrecord": Path(tfrecord).name,
            "report": report.as_dict(),
        },
    )
    try:
        cs.validate(str(root))
    except CurveSetError as exc:
        raise DataImportError(str(exc)) from exc
    return cs, report
