"""Import NAS-Bench-301 training data (Siems et al. 2020) into a learning-curve set.

The data is a folder of result JSONs, ``<root>/<optimizer>/results_<n>.json`` (the
release's layout), each with the architecture as a ConfigSpace dict (``optimized_hyperparamater_config``,
upstream's spelling) and per-epoch ``learning_curves`` in percent. As NAS-Bench-x11 does, curves
shorter than ``max_epochs`` (98) are padded with their last value — counted in the report — and
longer ones are cut (also counted). The test accuracy exists only for the final epoch.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_sim.benchmarks.curve_set import CurveSet, CurveSetError
from nas_sim.benchmarks.offline.importers.report import DataImportError, ImportReport
from nas_sim.benchmarks.offline.importers.run_identity import number_runs
from nas_sim.benchmarks.spaces.darts import DartsSpace, from_config
from nas_sim.progress import tick
from nas_sim.search_space import InvalidArchitectureError

CONFIG_FIELD = "optimized_hyperparamater_config"  # sic
_CURVES = {
    "Train/val_accuracy": "val_accuracy",
    "Train/train_accuracy": "train_accuracy",
    "Train/train_loss": "train_loss",
}


def _load(file: Path, root: Path) -> dict[str, object]:
    name = str(file.relative_to(root))
    try:
        data = json.loads(file.read_text())
    except (OSError, UnicodeDecodeError) as exc:  # a binary file, a pickle named .json, …
        raise DataImportError(f"{name}: cannot read as JSON text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise DataImportError(f"{name}: not valid JSON (truncated?): {exc}") from exc
    if not isinstance(data, dict):
        raise DataImportError(f"{name}: top level must be a JSON object")
    return data


def _final_values(data: Mapping[str, object], name: str) -> dict[str, list[float]]:
    """The final train/validation values of a result without curves (``info[0]``, percent)."""
    info = data.get("info")
    first = info[0] if isinstance(info, list) and info else None
    if not isinstance(first, dict) or not isinstance(first.get("val_accuracy"), (int, float)):
        raise DataImportError(
            f"{name}: neither 'learning_curves' nor final values (info[0]['val_accuracy'])"
        )
    keys = {"val_accuracy": "val_accuracy", "train_accuracy": "train_accuracy"}
    keys["train_loss"] = "train_loss"
    return {m: [float(first[k])] for m, k in keys.items() if isinstance(first.get(k), (int, float))}


def _curves(data: Mapping[str, object], name: str, final_only: bool) -> dict[str, list[float]]:
    """Per-epoch curves of a result (metric → values), or its final values as a 1-step curve."""
    for key in (CONFIG_FIELD, "test_accuracy", "runtime"):
        if key not in data:
            raise DataImportError(f"{name}: missing field {key!r}")
    if not _is_number(data["runtime"]) or not data["runtime"] > 0:  # type: ignore[operator]
        raise DataImportError(f"{name}: field 'runtime' must be a positive number of seconds")
    if not _is_number(data["test_accuracy"]):
        raise DataImportError(
            f"{name}: field 'test_accuracy' must be a number (percent), got "
            f"{data['test_accuracy']!r:.60}"
        )
    if final_only:
        return _final_values(data, name)
    if "learning_curves" not in data:
        raise DataImportError(
            f"{name}: missing field 'learning_curves': it is a final-values-only NB301 result "
            "(the older form), but other files here have curves, and a curve set cannot mix "
            "both (import the final-only files on their own, or --skip-malformed)"
        )
    lc = data["learning_curves"]
    if not isinstance(lc, dict) or "Train/val_accuracy" not in lc:
        raise DataImportError(f"{name}: field 'learning_curves' lacks 'Train/val_accuracy'")
    for key, v in lc.items():
        if key in _CURVES and (
            not isinstance(v, list) or not v or not all(_is_number(x) for x in v)
        ):
            raise DataImportError(
                f"{name}: field learning_curves[{key!r}] must be a non-empty list of numbers"
            )
    return {m: [float(x) for x in lc[k]] for k, m in _CURVES.items() if k in lc}


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def import_nb301(
    path: str | os.PathLike[str], *, max_epochs: int = 98, skip_malformed: bool = False
) -> tuple[CurveSet, ImportReport]:
    """Read every ``results*.json`` under ``path`` into a curve set of space ``darts``.

    When no file has ``learning_curves`` (the older final-values-only form), the set holds final
    values only: one step (``max_epochs`` 1) whose time is the whole training's ``runtime``, which
    single-fidelity optimizers can run on; the report says so.
    """
    root = Path(path)
    if not root.is_dir():
        raise DataImportError(f"NB301 data folder {str(root)!r} does not exist")
    files = sorted(root.rglob("results*.json"))
    if not files:
        raise DataImportError(f"{str(root)!r} holds no NB301 result files (results_*.json)")
    report = ImportReport("nb301", str(root))
    space = DartsSpace()
    loaded: list[tuple[str, dict[str, object] | None, DataImportError | None]] = []
    for f in files:
        name = str(f.relative_to(root))
        try:
            loaded.append((name, _load(f, root), None))
        except DataImportError as exc:
            loaded.append((name, None, exc))
    final_only = not any(d is not None and "learning_curves" in d for _, d, _ in loaded)
    e = 1 if final_only else max_epochs
    archs: list[str] = []
    sources: list[str] = []  # the config's genotype as the file gives it
    rows: dict[str, list[np.ndarray]] = {}
    test, times, optimizer, names = [], [], [], []
    padded = cut = 0
    for i, (f, (name, data, error)) in enumerate(zip(files, loaded)):
        report.n_read += 1
        tick(i + 1, len(files), "result files read")
        try:
            if error is not None:
                raise error
            assert data is not None
            curves = _curves(data, name, final_only)
            arch = from_config(data[CONFIG_FIELD])  # type: ignore[arg-type]
        except (DataImportError, InvalidArchitectureError) as exc:
            msg = (
                str(exc)
                if isinstance(exc, DataImportError)
                else f"{name}: field {CONFIG_FIELD!r}: {exc}"
            )
            if not skip_malformed:
                raise DataImportError(msg) from exc
            report.skip(name, f"malformed: {msg}")
            continue
        final_test = float(data["test_accuracy"])  # type: ignore[arg-type]
        bad = [m for m, v in curves.items() if not all(math.isfinite(x) for x in v)]
        if bad or not math.isfinite(final_test):
            report.skip(
                name, f"non-finite values in {', '.join(bad) or 'test_accuracy'} (diverged)"
            )
            continue
        if rows and set(curves) != set(rows):
            raise DataImportError(
                f"{name}: has curves {sorted(curves)} but earlier files have {sorted(rows)}"
            )
        n_epochs = len(curves["val_accuracy"])
        for m, v in curves.items():
            if len(v) < e:
                padded += 1
                v = v + [v[-1]] * (e - len(v))
            elif len(v) > e:
                cut += 1
            scale = 100.0 if m.endswith("accuracy") else 1.0
            rows.setdefault(m, []).append(np.asarray(v[:e]) / scale)
        test.append(final_test / 100.0)
        times.append(float(data["runtime"]) / n_epochs)  # type: ignore[arg-type]
        optimizer.append(f.parent.name)
        names.append(name)
        sources.append(space.format(arch))
        archs.append(space.format(space.canonical(arch)))
    if not archs:
        raise DataImportError(f"{root}: no usable result file among {report.n_read}")
    if padded:
        report.notes.append(
            f"{padded} curves shorter than {e} epochs padded with their last value (as x11)"
        )
    if cut:
        report.notes.append(f"{cut} curves longer than {e} epochs cut to {e}")
    if final_only:
        report.notes.append(
            "no file has learning_curves (final-values-only NB301 results): the set holds final "
            "values only, as one step whose time is the whole training (runtime); single-fidelity "
            "optimizers run on it, multi-fidelity ones and LCE need curves"
        )
    else:
        report.notes.append("test_accuracy: final value only (repeated over epochs)")
    ids = number_runs(archs, sources)
    report.notes.append(ids.note)
    report.n_imported = len(archs)
    metrics = {m: np.stack(v) for m, v in rows.items()}
    metrics["test_accuracy"] = np.repeat(np.asarray(test)[:, None], e, axis=1)
    cs = CurveSet(
        space="darts",
        archs=ids.archs,
        seeds=ids.seeds,
        metrics=metrics,
        epoch_time_s=np.repeat(np.asarray(times)[:, None], e, axis=1),
        units={m: ("fraction" if m.endswith("accuracy") else "nats") for m in metrics},
        objective="val_accuracy",
        run_info={"optimizer": np.asarray(optimizer), "file": np.asarray(names), **ids.run_info},
        provenance={
            "importer": "nb301",
            "name": "nb301",
            "source": root.name,
            "report": report.as_dict(),
            "final_only": final_only,
            "curves": (
                {"all": "final values only (info[0]); one step = the whole training (runtime)"}
                if final_only
                else {
                    "test_accuracy": "final value only (repeated over epochs)",
                    "epoch_time_s": "runtime / number of epochs",
                }
            ),
        },
    )
    try:
        cs.validate(str(root))
    except CurveSetError as exc:
        raise DataImportError(str(exc)) from exc
    return cs, report
