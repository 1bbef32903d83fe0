"""Export a suite directory to one table for pandas: a row per run, or a row per trajectory point."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from nas_sim.atomic import OutputPathError, atomic_write_bytes, atomic_write_text, check_output_path
from nas_sim.suite.store import ResultsStore

#: Columns taken from each run's cell (the grid coordinates).
CELL_COLUMNS = (
    "run_id",
    "benchmark_label",
    "benchmark",
    "label",
    "optimizer",
    "lce",
    "e_few",
    "seed",
    "budget",
    "workers",
    "overhead",
)
#: Columns taken from each run's summary.
SUMMARY_COLUMNS = (
    "incumbent",
    "incumbent_val",
    "incumbent_test",
    "regret",
    "simulated_time_s",
    "budget_s",
    "jobs",
    "runs",
    "full_trainings",
    "epochs_trained",
    "overhead_s",
)
EXPORT_FORMATS = (".parquet", ".csv")


def runs_table(root: str | os.PathLike[str], trajectories: bool = False) -> Any:
    """A ``pandas.DataFrame``: one row per run of the manifest (``status`` ok / failed / pending),
    or with ``trajectories=True`` one row per trajectory point of every finished run."""
    import pandas as pd

    store = ResultsStore(root)
    results = {r.config["suite_run"]["run_id"]: r for r in store.load_results()}
    failures = {f["run"]["run_id"]: f for f in store.load_failures()}
    rows: list[dict[str, Any]] = []
    for cell in store.cells():
        base = {k: getattr(cell, k) for k in CELL_COLUMNS}
        res = results.get(cell.run_id)
        if trajectories:
            if res is None:
                continue
            tr = res.trajectory.as_dict()
            for i in range(len(tr["time_s"])):
                rows.append({**base, **{k: v[i] for k, v in tr.items()}})
            continue
        row = {**base, "status": "pending", "error": ""}
        if res is not None:
            row["status"] = "ok"
            row.update({k: getattr(res.summary, k, None) for k in SUMMARY_COLUMNS})
        elif cell.run_id in failures:
            row["status"] = "failed"
            row["error"] = failures[cell.run_id]["traceback"].strip().splitlines()[-1]
        rows.append(row)
    columns = list(CELL_COLUMNS) + (
        ["time_s", "epochs", "jobs", "incumbent_val", "incumbent_test", "regret"]
        if trajectories
        else ["status", *SUMMARY_COLUMNS, "error"]
    )
    df = pd.DataFrame(rows)
    for c in columns:
        if c not in df:
            df[c] = None
    return df[columns]


def export_runs(
    root: str | os.PathLike[str], out: str | os.PathLike[str], trajectories: bool = False
) -> Path:
    """Write :func:`runs_table` to ``out`` (``.parquet`` or ``.csv``, by its suffix)."""
    out = Path(out)
    if out.suffix not in EXPORT_FORMATS:
        raise ValueError(
            f"cannot export to {str(out)!r}: the file name must end in {' or '.join(EXPORT_FORMATS)}"
        )
    check_output_path(out, what="export table")  # before reading every result of the suite
    df = runs_table(root, trajectories=trajectories)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"cannot create the folder of {str(out)!r}: {exc.strerror}") from exc
    if out.suffix == ".parquet":
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        atomic_write_bytes(out, buf.getvalue())
    else:
        atomic_write_text(out, df.to_csv(index=False))
    return out
