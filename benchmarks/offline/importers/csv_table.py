"""Import a user's CSV table of architectures and metrics into a learning-curve set.

A metric maps to one column (a final-epoch-only table becomes a one-epoch curve set), to a column
pattern with ``{epoch}`` (``val_acc_{epoch}`` → ``val_acc_1``, ``val_acc_2``, …), or to a column whose
cells hold JSON lists of per-epoch values.

Rows are runs, identified as every importer does (``run_identity``): a row's architecture is
stored under its class representative, and the rows of one class are its seeds 0, 1, … in row
order. So the standard NB201 table (one row per cell string, 15,625 rows, isomorphic strings
trained separately) imports as it is. A row repeating an earlier row's exact string (and seed,
with ``--seed-column``) is an error: a doubled row, or several runs that need a seed column.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from nas_sim.benchmarks.curve_set import CurveSet, CurveSetError
from nas_sim.benchmarks.offline.importers.report import ImportReport
from nas_sim.benchmarks.offline.importers.run_identity import number_runs
from nas_sim.learning_curve import METRICS
from nas_sim.search_space import InvalidArchitectureError, SearchSpace


class CsvImportError(ValueError):
    """A CSV table that cannot be turned into a curve set; the message names file and column."""


def _metric_matrix(df, spec: str, file: str, what: str) -> NDArray[np.float64]:  # type: ignore[no-untyped-def]
    import pandas as pd

    if "{epoch}" in spec:
        pattern = re.compile("^" + re.escape(spec).replace(r"\{epoch\}", r"(\d+)") + "$")
        found = sorted(
            (int(m.group(1)), c) for c in df.columns if (m := pattern.match(str(c))) is not None
        )
        if not found:
            raise CsvImportError(f"{file}: no columns match {spec!r} for {what}")
        epochs = [e for e, _ in found]
        if epochs != list(range(epochs[0], epochs[0] + len(epochs))):
            raise CsvImportError(f"{file}: columns for {what} ({spec!r}) skip epochs: {epochs}")
        cols = [c for _, c in found]
        return _numeric(df[cols], file, cols, what)
    if spec not in df.columns:
        raise CsvImportError(
            f"{file}: missing column {spec!r} for {what}; columns are: {', '.join(map(str, df.columns))}"
        )
    col = df[spec]
    # text columns are ``object`` in pandas 2 and ``str`` in pandas 3: test "not numeric"
    is_text = not pd.api.types.is_numeric_dtype(col.dtype)
    if is_text and col.astype(str).str.strip().str.startswith("[").all():
        try:
            lists = [json.loads(x) for x in col]
        except json.JSONDecodeError as exc:
            raise CsvImportError(
                f"{file}: column {spec!r} holds malformed JSON lists: {exc}"
            ) from exc
        for row, x in enumerate(lists):
            if not isinstance(x, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in x
            ):
                raise CsvImportError(
                    f"{file}: column {spec!r} row {row + 2} is not a JSON list of numbers: "
                    f"{str(col.iloc[row])[:60]!r}"
                )
        lengths = {len(x) for x in lists}
        if len(lengths) != 1:
            raise CsvImportError(
                f"{file}: column {spec!r} holds curves of different lengths {sorted(lengths)}"
            )
        return np.asarray(lists, dtype=np.float64)
    return _numeric(df[[spec]], file, [spec], what)


def _numeric(frame, file: str, cols: list[str], what: str) -> NDArray[np.float64]:  # type: ignore[no-untyped-def]
    import pandas as pd

    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & frame.notna().to_numpy()
    if bad.any():
        r, c = map(int, np.argwhere(bad)[0])
        raise CsvImportError(
            f"{file}: non-numeric value {frame.iloc[r, c]!r} in column {cols[c]!r} (row {r + 2}) "
            f"for {what}"
        )
    return values


def import_csv(
    path: str | os.PathLike[str],
    space: SearchSpace,
    *,
    arch_column: str,
    metrics: Mapping[str, str],
    percent: bool = False,
    epoch_time_s: float | None = None,
    epoch_time_column: str | None = None,
    seed_column: str | None = None,
) -> CurveSet:
    """Read ``path`` into a validated :class:`CurveSet` (see the module docstring)."""
    import pandas as pd

    file = str(path)
    if not Path(path).is_file():
        raise CsvImportError(f"CSV file {file!r} does not exist")
    for m in metrics:
        if m not in METRICS:
            raise CsvImportError(f"unknown metric {m!r}; valid metrics: {', '.join(METRICS)}")
    if not metrics:
        raise CsvImportError("give at least one --metric NAME=COLUMN")
    objective = "val_accuracy" if "val_accuracy" in metrics else "val_loss"
    if objective not in metrics:
        raise CsvImportError(
            f"{file}: a curve set needs a validation metric (val_accuracy or val_loss); got "
            f"{', '.join(metrics)}"
        )
    if (epoch_time_s is None) == (epoch_time_column is None):
        raise CsvImportError(
            "give exactly one of --epoch-time-s SECONDS or --epoch-time-column COL"
        )
    if epoch_time_s is not None and not (np.isfinite(epoch_time_s) and epoch_time_s > 0):
        raise CsvImportError(f"--epoch-time-s must be > 0, got {epoch_time_s}")
    try:
        df = pd.read_csv(path)
    except Exception as exc:
        raise CsvImportError(f"{file} is not a readable CSV table: {exc}") from exc
    if len(df) == 0:
        raise CsvImportError(f"{file} has no rows")
    if arch_column not in df.columns:
        raise CsvImportError(
            f"{file}: missing architecture column {arch_column!r}; columns are: "
            f"{', '.join(map(str, df.columns))}"
        )

    strings, archs = [], []
    for i, text in enumerate(df[arch_column].astype(str)):
        try:
            parsed = space.parse(text)
            strings.append(space.format(parsed))
            archs.append(space.format(space.canonical(parsed)))
        except InvalidArchitectureError as exc:
            raise CsvImportError(f"{file} row {i + 2}, column {arch_column!r}: {exc}") from exc
    source_seeds = None
    if seed_column is not None:
        if seed_column not in df.columns:
            raise CsvImportError(f"{file}: missing seed column {seed_column!r}")
        raw = _numeric(df[[seed_column]], file, [seed_column], "seed")[:, 0]
        if np.isnan(raw).any() or (raw != np.round(raw)).any():
            r = int(np.argwhere(np.isnan(raw) | (raw != np.round(raw)))[0, 0])
            raise CsvImportError(
                f"{file}: seed column {seed_column!r} row {r + 2} holds {raw[r]}, not an integer"
            )
        source_seeds = raw.astype(np.int64).tolist()
    first: dict[tuple[str, int], int] = {}
    for i, key in enumerate(zip(strings, source_seeds or [0] * len(strings))):
        if key in first:
            raise CsvImportError(
                f"{file}: duplicate architecture {key[0]!r} (rows {first[key] + 2} and {i + 2}"
                + (f", seed {key[1]}" if seed_column else "")
                + ")"
                + ("" if seed_column else "; add --seed-column if these are several training runs")
            )
        first[key] = i
    ids = number_runs(archs, strings, source_seeds)

    values = {m: _metric_matrix(df, spec, file, m) for m, spec in metrics.items()}
    lengths = {m: v.shape[1] for m, v in values.items()}
    if len(set(lengths.values())) != 1:
        raise CsvImportError(f"{file}: metrics have different numbers of epochs: {lengths}")
    e_max = next(iter(lengths.values()))
    for m, v in values.items():
        if np.isnan(v).any():
            r, e = map(int, np.argwhere(np.isnan(v))[0])
            raise CsvImportError(
                f"{file}: missing/NaN {m} for architecture {strings[r]!r} (row {r + 2}, epoch {e + 1})"
            )
        if percent and m.endswith("accuracy"):
            values[m] = v / 100.0
    if epoch_time_column is not None:
        t = _metric_matrix(df, epoch_time_column, file, "epoch time")
        if t.shape[1] == 1:
            t = np.repeat(t, e_max, axis=1)
        elif t.shape[1] != e_max:
            raise CsvImportError(
                f"{file}: {t.shape[1]} epoch-time columns but the metrics have {e_max} epochs"
            )
    else:
        t = np.full((len(df), e_max), float(epoch_time_s))  # type: ignore[arg-type]
    units = {m: ("fraction" if m.endswith("accuracy") else "as given") for m in values}
    report = ImportReport("csv", file, n_read=len(df), n_imported=len(df), notes=[ids.note])
    cs = CurveSet(
        space=space.name,
        archs=ids.archs,
        seeds=ids.seeds,
        metrics=values,
        epoch_time_s=t,
        units=units,
        objective=objective,
        run_info=ids.run_info,
        provenance={
            "importer": "csv",
            "source": Path(path).name,
            "percent": percent,
            "report": report.as_dict(),
        },
    )
    try:
        cs.validate(file)
    except CurveSetError as exc:
        raise CsvImportError(str(exc)) from exc
    return cs
