"""Import NAS-Bench-101 data (Ying et al. 2019): the official tfrecords and the NB111 curves.

``nasbench_full.tfrecord`` / ``nasbench_only108.tfrecord`` hold one record per (cell, epoch
budget, repeat): a JSON array ``[module_hash, epochs, adjacency bits, ops, base64 ModelMetrics]``. They are read here without TensorFlow, and every record's graph is
checked against its hash.

The tfrecords only hold accuracies at the halfway point and the end of each budget's schedule,
so :func:`import_nb101` writes a two-checkpoint curve set (``max_epochs`` = 2: halfway, final) of
one budget. Per-epoch curves come from the NB111 data, :func:`import_nb111`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nas_sim.benchmarks.curve_set import CurveSet, CurveSetError
from nas_sim.benchmarks.offline.importers.report import DataImportError, ImportReport
from nas_sim.benchmarks.offline.importers.tfrecord import as_double, parse_fields, read_records
from nas_sim.benchmarks.spaces.nb101 import NB101Space, NB101Spec, graph_hash
from nas_sim.progress import tick
from nas_sim.search_space import InvalidArchitectureError

BUDGETS = (4, 12, 36, 108)


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


def import_nb101(
    path: str | os.PathLike[str], *, budget: int = 108
) -> tuple[CurveSet, ImportReport]:
    """The ``budget``-epoch runs of a tfrecord as a two-checkpoint curve set (halfway, final)."""
    path = Path(path)
    report = ImportReport("nb101", str(path))
    space = NB101Space()
    archs, seeds, times = [], [], []
    metrics: dict[str, list[list[float]]] = {
        "train_accuracy": [],
        "val_accuracy": [],
        "test_accuracy": [],
    }
    params = []
    canonical: dict[str, str] = {}
    repeat: dict[str, int] = {}
    for rec in read_nb101_tfrecord(path):
        if rec.epochs != budget:
            continue
        report.n_read += 1
        half, end = rec.evaluations[1], rec.evaluations[-1]
        where = f"{path.name} {rec.module_hash} repeat {repeat.get(rec.module_hash, 0)}"
        values = [
            half.train_accuracy,
            end.train_accuracy,
            half.validation_accuracy,
            end.validation_accuracy,
            half.test_accuracy,
            end.test_accuracy,
        ]
        t = [half.training_time, end.training_time - half.training_time]
        if not all(math.isfinite(v) for v in values + t) or min(t) <= 0:
            report.skip(where, f"non-finite accuracies or non-increasing training_time {t}")
            repeat[rec.module_hash] = repeat.get(rec.module_hash, 0) + 1
            continue
        if rec.module_hash not in canonical:
            canonical[rec.module_hash] = space.format(space.canonical(rec.spec))
        archs.append(canonical[rec.module_hash])
        seeds.append(repeat.get(rec.module_hash, 0))
        repeat[rec.module_hash] = seeds[-1] + 1
        metrics["train_accuracy"].append(values[0:2])
        metrics["val_accuracy"].append(values[2:4])
        metrics["test_accuracy"].append(values[4:6])
        times.append(t)
        params.append(rec.trainable_parameters)
    if not archs:
        raise DataImportError(f"{path.name}: no {budget}-epoch records (budgets are {BUDGETS})")
    report.n_imported = len(archs)
    report.notes.append(
        f"two checkpoints per run: epoch {budget // 2} (halfway) and {budget} (end of schedule)"
    )
    cs = CurveSet(
        space="nb101",
        archs=archs,
        seeds=np.asarray(seeds, dtype=np.int64),
        metrics={m: np.asarray(v) for m, v in metrics.items()},
        epoch_time_s=np.asarray(times),
        units={m: "fraction" for m in metrics},
        objective="val_accuracy",
        run_info={"trainable_parameters": np.asarray(params, dtype=np.int64)},
        provenance={
            "importer": "nb101",
            "name": f"nb101-{budget}",
            "source": path.name,
            "budget_epochs": budget,
            "checkpoint_epochs": [budget // 2, budget],
            "report": report.as_dict(),
        },
    )
    try:
        cs.validate(str(path))
    except CurveSetError as exc:
        raise DataImportError(str(exc)) from exc
    return cs, report


# --------------------------------------------------------------------- NB111
def _nb111_files(root: Path) -> list[tuple[str, int, Path]]:
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
    Evaluation entries before training (``epochs`` <= 0) are dropped; the first ``max_epochs``
    remaining entries are the curve.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataImportError(f"NB111 data folder {str(root)!r} does not exist")
    files = _nb111_files(root)
    if not files:
        raise DataImportError(
            f"{str(root)!r} holds no NB111 results (…/<hash>/repeat_<k>/results.json)"
        )
    fixed, computed = nb101_tables(tfrecord)
    space = NB101Space()
    report = ImportReport("nb111", str(root))
    e = max_epochs
    archs, seeds, times = [], [], []
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
            try:
                data = json.loads(f.read_text())
            except json.JSONDecodeError as exc:
                raise DataImportError(f"{name}: not valid JSON (truncated?): {exc}") from exc
            evals = data.get("evaluation_results") if isinstance(data, dict) else None
            if not isinstance(evals, list) or not all(isinstance(x, dict) for x in evals):
                raise DataImportError(
                    f"{name}: missing field 'evaluation_results' (a list of dicts)"
                )
            for k, ev in enumerate(evals):
                for field in ("validation_accuracy", "train_accuracy", "test_accuracy"):
                    if not isinstance(ev.get(field), (int, float)):
                        raise DataImportError(
                            f"{name}: evaluation_results[{k}] lacks field {field!r}"
                        )
        except DataImportError as exc:
            if not skip_malformed:
                raise
            report.skip(name, f"malformed: {exc}")
            continue
        start_time = 0.0
        if evals and float(evals[0].get("epochs", 1)) <= 0:
            start_time = float(evals[0].get("training_time", 0.0))
            evals = evals[1:]
            dropped_zero += 1
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
        seeds.append(rep - 1)
        hashes.append(h)
        for b in BUDGETS:
            extra[b].append(mean_final_validation(computed.get(h, {}), b))
    if not archs:
        raise DataImportError(f"{root}: no usable NB111 result among {report.n_read}")
    if dropped_zero:
        report.notes.append(f"{dropped_zero} files had a pre-training evaluation (dropped)")
    report.n_imported = len(archs)
    run_info: dict[str, np.ndarray] = {"module_hash": np.asarray(hashes)}
    for b in BUDGETS:
        run_info[f"nb101_val_accuracy_{b}"] = np.asarray(extra[b])
    cs = CurveSet(
        space="nb101",
        archs=archs,
        seeds=np.asarray(seeds, dtype=np.int64),
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
