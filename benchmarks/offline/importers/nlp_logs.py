"""Import NAS-Bench-NLP training logs (Klyuchnikov et al. 2020) into a learning-curve set.

One ``log_stats_model_<recipe id>_<time>_<experiment id>.json`` per run (PTB single/multi-run or
WikiText-2, as released). Losses are mean cross-entropy in nats and stay so; the
objective is ``val_loss`` (lower is better). Diverged or unfinished runs (``status`` other than
"OK", NaN losses, fewer than ``max_epochs`` values) are skipped and listed in the report.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from pathlib import Path

import numpy as np

from nas_sim.benchmarks.curve_set import CurveSet, CurveSetError
from nas_sim.benchmarks.offline.importers.report import DataImportError, ImportReport
from nas_sim.benchmarks.offline.importers.run_identity import number_runs
from nas_sim.benchmarks.spaces.nlp import NLP11_MAX_NODES, NLPSpace
from nas_sim.progress import tick
from nas_sim.search_space import InvalidArchitectureError

_CURVES = {"train_losses": "train_loss", "val_losses": "val_loss", "test_losses": "test_loss"}
_REQUIRED = ("recepie", "status", "wall_times", *_CURVES)


def _log_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataImportError(f"NAS-Bench-NLP log path {str(path)!r} does not exist")
    files = sorted(path.rglob("log_stats_model_*.json"))
    if not files:
        raise DataImportError(
            f"{str(path)!r} holds no NAS-Bench-NLP logs (files named log_stats_model_*.json)"
        )
    return files


def _read_log(file: Path) -> dict[str, object]:
    try:
        data = json.loads(file.read_text())  # Python's json accepts the NaN tokens of nan runs
    except (OSError, UnicodeDecodeError) as exc:
        raise DataImportError(f"{file.name}: cannot read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DataImportError(f"{file.name}: not valid JSON (truncated?): {exc}") from exc
    if not isinstance(data, dict):
        raise DataImportError(f"{file.name}: top level must be a JSON object")
    for key in _REQUIRED:
        if key not in data:
            raise DataImportError(f"{file.name}: missing field {key!r}")
    for key in ("wall_times", *_CURVES):
        v = data[key]
        if not isinstance(v, list) or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in v
        ):
            raise DataImportError(f"{file.name}: field {key!r} must be a list of numbers")
    if not isinstance(data["recepie"], (str, dict)):
        raise DataImportError(f"{file.name}: field 'recepie' must be a recipe JSON string")
    for key in ("recepie_id", "experiment_id", "num_params", "epochs"):  # ints when present
        v = data.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int):
            raise DataImportError(f"{file.name}: field {key!r} must be an integer, got {v!r:.60}")
    return data


def import_nlp_logs(
    path: str | os.PathLike[str],
    *,
    max_epochs: int | None = None,
    max_nodes: int | None = None,
    skip_malformed: bool = False,
) -> tuple[CurveSet, ImportReport]:
    """Read every log under ``path`` into a curve set of space ``nlp`` (``nlp11`` with
    ``max_nodes=12``).

    max_epochs : curve length; default the ``epochs`` setting most logs share (50).
    max_nodes : keep only recipes whose compact has at most this many nodes (12 for NLP11);
        the others are skipped and reported.
    skip_malformed : report unreadable or schema-violating files instead of raising.
    """
    path = Path(path)
    files = _log_files(path)
    report = ImportReport("nlp", str(path))
    space = NLPSpace()
    parsed: list[tuple[Path, dict[str, object]]] = []
    for i, f in enumerate(files):
        report.n_read += 1
        tick(i + 1, len(files), "logs read")
        try:
            parsed.append((f, _read_log(f)))
        except DataImportError as exc:
            if not skip_malformed:
                raise
            report.skip(f.name, f"malformed: {exc}")
    if max_epochs is None:
        declared = Counter(int(e) for _, d in parsed if isinstance(e := d.get("epochs"), int))
        max_epochs = declared.most_common(1)[0][0] if declared else 50
    corpora = Counter(str(d.get("data", "?")) for _, d in parsed)
    if len(corpora) > 1:
        raise DataImportError(
            f"{path}: logs from several corpora {dict(corpora)}; import each corpus separately"
        )

    archs: list[str] = []
    sources: list[str] = []  # the recipe as the log gives it
    rows: dict[str, list[list[float]]] = {m: [] for m in _CURVES.values()}
    times: list[list[float]] = []
    info: dict[str, list[object]] = {
        "recipe_id": [],
        "experiment_id": [],
        "num_params": [],
        "file": [],
    }
    for f, d in parsed:
        recipe = d["recepie"]
        source = recipe if isinstance(recipe, str) else json.dumps(recipe)
        try:
            recipe = json.loads(recipe) if isinstance(recipe, str) else recipe
            arch = space.canonical(space.from_recipe(recipe, where=f"{f.name} field 'recepie'"))  # type: ignore[arg-type]
        except json.JSONDecodeError as exc:
            err = DataImportError(f"{f.name}: field 'recepie' is not valid JSON: {exc}")
            if not skip_malformed:
                raise err from exc
            report.skip(f.name, f"malformed: {err}")
            continue
        except InvalidArchitectureError as exc:
            if not skip_malformed:
                raise DataImportError(str(exc)) from exc
            report.skip(f.name, f"malformed: {exc}")
            continue
        status = str(d["status"])
        curves = {k: d[k] for k in ("wall_times", *_CURVES)}
        lengths = {k: len(v) for k, v in curves.items()}  # type: ignore[arg-type]
        if status != "OK":
            report.skip(f.name, f"status {status!r} after {lengths['val_losses']} epochs")
            continue
        if max_nodes is not None and len(arch[1]) > max_nodes:
            report.skip(f.name, f"recipe has {len(arch[1])} nodes (> {max_nodes})")
            continue
        if min(lengths.values()) < max_epochs:
            report.skip(f.name, f"incomplete: {lengths} values, expected {max_epochs} epochs")
            continue
        bad = [
            k
            for k, v in curves.items()
            if not all(math.isfinite(x) for x in v[:max_epochs])  # type: ignore[index]
        ]
        if bad:
            report.skip(f.name, f"non-finite values in {', '.join(bad)} (diverged)")
            continue
        if any(x <= 0 for x in curves["wall_times"][:max_epochs]):  # type: ignore[index]
            report.skip(f.name, "non-positive wall_times")
            continue
        archs.append(space.format(arch))
        sources.append(source)
        for key, metric in _CURVES.items():
            rows[metric].append([float(x) for x in curves[key][:max_epochs]])  # type: ignore[index]
        times.append([float(x) for x in curves["wall_times"][:max_epochs]])  # type: ignore[index]
        info["recipe_id"].append(int(d.get("recepie_id", -1)))  # type: ignore[call-overload]
        info["experiment_id"].append(int(d.get("experiment_id", -1)))  # type: ignore[call-overload]
        info["num_params"].append(int(d.get("num_params", -1)))  # type: ignore[call-overload]
        info["file"].append(f.name)
    if not archs:
        raise DataImportError(
            f"{path}: no complete run among {report.n_read} logs; "
            + "; ".join(f"{s.file}: {s.reason}" for s in report.skipped[:5])
        )
    # several runs of one canonical recipe become seeds 0, 1, … in file order
    ids = number_runs(archs, sources)
    report.notes.append(ids.note)
    report.n_imported = len(archs)
    first = parsed[0][1]
    # the NLP11 restriction is a space of its own, so benchmarks over the set sample within it
    space_name = "nlp11" if max_nodes == NLP11_MAX_NODES else "nlp"
    cs = CurveSet(
        space=space_name,
        archs=ids.archs,
        seeds=ids.seeds,
        metrics={m: np.asarray(v, dtype=np.float64) for m, v in rows.items()},
        epoch_time_s=np.asarray(times, dtype=np.float64),
        units={m: "nats" for m in rows},
        objective="val_loss",
        run_info={**{k: np.asarray(v) for k, v in info.items()}, **ids.run_info},
        provenance={
            "importer": "nlp",
            "name": f"nas-bench-nlp-{Path(str(first.get('data', 'corpus'))).name}",
            "source": path.name,
            "corpus": str(first.get("data", "")),
            "max_nodes": max_nodes,
            "report": report.as_dict(),
        },
    )
    try:
        cs.validate(str(path))
    except CurveSetError as exc:
        raise DataImportError(str(exc)) from exc
    return cs, report
