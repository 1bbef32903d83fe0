"""Learning-curve sets: the project's on-disk format for trained runs (Parquet + JSON sidecar).

``NAME.parquet`` holds one row per training run: ``arch`` (canonical string), ``seed``, one
``list<double>`` column of length ``max_epochs`` per metric, ``epoch_time_s``, and optional run
metadata columns (scalars). ``NAME.json`` beside it holds the space, ``max_epochs``, metric units,
the objective, provenance, the format version and the Parquet file's SHA-256, so a truncated or
swapped table is detected before it is used. Every importer writes this format; tabular benchmarks
and the surrogate builder read it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from nas_sim.atomic import atomic_write_bytes
from nas_sim.learning_curve import METRICS

FORMAT = "nas-sim-curve-set"
FORMAT_VERSION = 1
_RESERVED = {"arch", "seed", "epoch_time_s"}


class CurveSetError(ValueError):
    """A learning-curve set that is missing, corrupt or inconsistent."""


@dataclass(frozen=True)
class CurveSet:
    """Learning curves of many runs, all of the same length.

    archs : list of canonical architecture strings, one per run (length n).
    seeds : int64 array of shape (n,), training seed of each run.
    metrics : mapping metric → float64 array of shape (n, max_epochs).
    epoch_time_s : float64 array of shape (n, max_epochs).
    run_info : mapping column → array of shape (n,), per-run metadata (params, FLOPs, device, …).
    units : mapping metric → unit string (``"fraction"``, ``"nats"``, …).
    objective : the validation metric optimizers use by default.
    provenance : free-form JSON-able description of where the data came from.
    """

    space: str
    archs: list[str]
    seeds: NDArray[np.int64]
    metrics: Mapping[str, NDArray[np.float64]]
    epoch_time_s: NDArray[np.float64]
    units: Mapping[str, str]
    objective: str = "val_accuracy"
    run_info: Mapping[str, NDArray[Any]] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def max_epochs(self) -> int:
        return int(self.epoch_time_s.shape[1])

    @property
    def n_runs(self) -> int:
        return len(self.archs)

    def validate(self, source: str = "curve set") -> None:
        """Raise :class:`CurveSetError` naming the first bad value found."""
        n = len(self.archs)
        if n == 0:
            raise CurveSetError(f"{source}: contains no runs")
        if self.epoch_time_s.ndim != 2 or self.epoch_time_s.shape[0] != n:
            raise CurveSetError(f"{source}: epoch_time_s must have shape (n_runs, max_epochs)")
        e_max = self.max_epochs
        if e_max < 1:
            raise CurveSetError(f"{source}: max_epochs must be >= 1, got {e_max}")
        if self.seeds.shape != (n,):
            raise CurveSetError(f"{source}: seeds must have shape ({n},), got {self.seeds.shape}")
        if not self.metrics:
            raise CurveSetError(
                f"{source}: no metric columns; expected some of {', '.join(METRICS)}"
            )
        if self.objective not in self.metrics:
            raise CurveSetError(
                f"{source}: objective {self.objective!r} is not a metric of the set "
                f"({', '.join(self.metrics)})"
            )
        for name, values in {**self.metrics, "epoch_time_s": self.epoch_time_s}.items():
            if name != "epoch_time_s" and name not in METRICS:
                raise CurveSetError(
                    f"{source}: unknown metric {name!r}; valid metrics: {', '.join(METRICS)}"
                )
            if values.shape != (n, e_max):
                raise CurveSetError(
                    f"{source}: metric {name!r} has shape {values.shape}, expected ({n}, {e_max})"
                )
            bad = ~np.isfinite(values)
            if bad.any():
                row, epoch = map(int, np.argwhere(bad)[0])
                raise CurveSetError(
                    f"{source}: non-finite {name} ({values[row, epoch]}) at epoch {epoch + 1} of run "
                    f"{row} (arch {self.archs[row]!r}, seed {int(self.seeds[row])})"
                )
            if name.endswith("accuracy") and ((values < 0) | (values > 1)).any():
                row, epoch = map(int, np.argwhere((values < 0) | (values > 1))[0])
                raise CurveSetError(
                    f"{source}: {name} {values[row, epoch]} of arch {self.archs[row]!r} is outside "
                    "[0, 1]; accuracies are fractions (use --percent when importing percentages)"
                )
        if (self.epoch_time_s <= 0).any():
            row = int(np.argwhere(self.epoch_time_s <= 0)[0, 0])
            raise CurveSetError(
                f"{source}: epoch_time_s must be > 0, run {row} (arch {self.archs[row]!r}) has "
                f"{self.epoch_time_s[row].min()}"
            )
        seen: dict[tuple[str, int], int] = {}
        for i, key in enumerate(zip(self.archs, self.seeds.tolist())):
            if key in seen:
                raise CurveSetError(
                    f"{source}: duplicate run for arch {key[0]!r} seed {key[1]} (rows {seen[key]} "
                    f"and {i})"
                )
            seen[key] = i
        for name, col in self.run_info.items():
            if name in _RESERVED or name in self.metrics:
                raise CurveSetError(
                    f"{source}: run-info column {name!r} clashes with a reserved name"
                )
            if len(col) != n:
                raise CurveSetError(
                    f"{source}: run-info column {name!r} has {len(col)} rows, not {n}"
                )


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    return Path(path).with_suffix(".json")


#: storage precisions of a set's curves (read back as float64 either way)
VALUE_DTYPES = ("float64", "float32")


def write_curve_set(
    curve_set: CurveSet, path: str | os.PathLike[str], value_dtype: str = "float64"
) -> Path:
    """Validate and write ``curve_set`` to ``path`` (``.parquet``) and its sidecar, atomically.

    ``value_dtype="float32"`` stores the curves in single precision (half the size; a 5,000-signal
    accuracy and a float32 loss lose nothing that matters) and the sidecar says so.
    """
    if value_dtype not in VALUE_DTYPES:
        raise CurveSetError(
            f"value_dtype must be one of {', '.join(VALUE_DTYPES)}, got {value_dtype!r}"
        )
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if path.suffix != ".parquet":
        raise CurveSetError(f"a curve set is written to a '.parquet' path, got {str(path)!r}")
    curve_set.validate(str(path))
    n, e_max = curve_set.epoch_time_s.shape

    def list_column(values: NDArray[np.float64]) -> pa.Array:
        flat = pa.array(np.ascontiguousarray(values, dtype=value_dtype).ravel())
        offsets = pa.array(np.arange(0, n * e_max + 1, e_max, dtype=np.int32))
        return pa.ListArray.from_arrays(offsets, flat)

    columns: dict[str, pa.Array] = {
        "arch": pa.array(curve_set.archs, type=pa.string()),
        "seed": pa.array(np.asarray(curve_set.seeds, dtype=np.int64)),
    }
    for name in METRICS:
        if name in curve_set.metrics:
            columns[name] = list_column(curve_set.metrics[name])
    columns["epoch_time_s"] = list_column(curve_set.epoch_time_s)
    for name, col in curve_set.run_info.items():
        columns[name] = pa.array(np.asarray(col).tolist())
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink, compression="zstd")
    data = sink.getvalue().to_pybytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "space": curve_set.space,
        "max_epochs": int(e_max),
        "n_runs": int(n),
        "objective": curve_set.objective,
        "metrics": {m: {"unit": curve_set.units.get(m, "")} for m in curve_set.metrics},
        "epoch_time_s": {"unit": "seconds"},
        "run_info": sorted(curve_set.run_info),
        **({"value_dtype": value_dtype} if value_dtype != "float64" else {}),
        "provenance": dict(curve_set.provenance),
        "parquet_sha256": hashlib.sha256(data).hexdigest(),
    }
    atomic_write_bytes(
        sidecar_path(path), (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode()
    )
    return path


def _numpy(array: Any, dtype: type) -> NDArray[Any]:
    """A null-free primitive Arrow array as numpy, zero-copy. pyarrow's own ``to_numpy`` imports
    pandas on first use, which alone costs ~0.4 s of a benchmark's load time."""
    values: NDArray[Any] = np.frombuffer(array.buffers()[1], dtype=dtype)
    return values[array.offset : array.offset + len(array)]


def _seeds(column: Any) -> NDArray[np.int64]:
    import pyarrow as pa

    if column.type != pa.int64():
        column = column.cast(pa.int64())
    return _numpy(column, np.int64).copy()


def read_curve_set(path: str | os.PathLike[str], *, verify_hash: bool = True) -> CurveSet:
    """Read and validate a curve set; every failure names the file and what is wrong."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    side = sidecar_path(path)
    if not path.is_file():
        raise CurveSetError(f"curve set {str(path)!r} does not exist (expected a .parquet file)")
    if not side.is_file():
        raise CurveSetError(f"curve set {str(path)!r} has no JSON sidecar {str(side)!r}")
    try:
        meta = json.loads(side.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CurveSetError(f"sidecar {str(side)!r} is not valid JSON: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CurveSetError(
            f"{str(side)!r} is not a nas-sim curve-set sidecar (format != {FORMAT!r})"
        )
    if meta.get("version") != FORMAT_VERSION:
        raise CurveSetError(
            f"{str(side)!r} has curve-set format version {meta.get('version')!r}; this nas-sim "
            f"reads version {FORMAT_VERSION}"
        )
    for key in ("space", "max_epochs", "metrics", "objective"):
        if key not in meta:
            raise CurveSetError(f"sidecar {str(side)!r} lacks the field {key!r}")
    data = path.read_bytes()
    # The hash is mandatory: every set this project writes has one, and without it a flipped bit
    # in the Parquet file would load as data (most flips still decode).
    expected = meta.get("parquet_sha256")
    if verify_hash and not (isinstance(expected, str) and len(expected) == 64):
        raise CurveSetError(
            f"sidecar {str(side)!r} has no valid parquet_sha256 (got {expected!r}), so the data "
            f"cannot be checked; re-create the set with the `nas-sim import` or `nas-sim data` "
            "command that wrote it (which writes the hash)"
        )
    if verify_hash and expected != hashlib.sha256(data).hexdigest():
        raise CurveSetError(
            f"{str(path)!r} does not match the SHA-256 in its sidecar: the file is corrupt or was "
            "modified; re-create it"
        )
    try:
        # ParquetFile avoids read_table's pyarrow.dataset (and pandas) imports: ~0.4 s at load
        table = pq.ParquetFile(pa.BufferReader(data)).read()
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise CurveSetError(f"{str(path)!r} is not a readable Parquet file: {exc}") from exc
    e_max = int(meta["max_epochs"])
    names = set(table.column_names)
    for col in ("arch", "seed", "epoch_time_s"):
        if col not in names:
            raise CurveSetError(f"{str(path)!r} lacks the column {col!r}")

    def matrix(col: str) -> NDArray[np.float64]:
        arr = table.column(col).combine_chunks()
        if arr.null_count:
            raise CurveSetError(f"{str(path)!r}: column {col!r} has missing (null) curves")
        # offsets, not value_lengths(): the latter's to_numpy imports pandas (~0.4 s at load)
        offsets = _numpy(arr.offsets, np.int32)
        lengths = np.diff(offsets)
        if len(lengths) and (lengths != e_max).any():
            row = int(np.argmax(lengths != e_max))
            raise CurveSetError(
                f"{str(path)!r}: column {col!r} row {row} (arch {table.column('arch')[row]}) has "
                f"{lengths[row]} epochs, expected max_epochs={e_max}"
            )
        # the child values between the first and last offsets (what flatten() returns; flatten
        # imports pyarrow.compute, a fifth of `nas-sim run`'s start-up)
        start = int(offsets[0]) if len(offsets) else 0
        flat = arr.values.slice(start, len(arr) * e_max)
        if flat.null_count:
            raise CurveSetError(f"{str(path)!r}: column {col!r} has missing (null) values")
        # float64 and float32 columns convert in numpy (cast() imports pyarrow.compute too)
        if flat.type == pa.float64():
            values = _numpy(flat, np.float64)
        elif flat.type == pa.float32():
            values = _numpy(flat, np.float32).astype(np.float64)
        else:
            values = _numpy(flat.cast(pa.float64()), np.float64)
        return values.reshape(len(arr), e_max)

    metrics = {}
    for m in meta["metrics"]:
        if m not in names:
            raise CurveSetError(f"{str(path)!r} lacks the metric column {m!r} named in its sidecar")
        metrics[m] = matrix(m)
    run_info = {
        c: np.asarray(table.column(c).to_pylist()) for c in meta.get("run_info", []) if c in names
    }
    cs = CurveSet(
        space=str(meta["space"]),
        archs=table.column("arch").to_pylist(),
        seeds=_seeds(table.column("seed").combine_chunks()),
        metrics=metrics,
        epoch_time_s=matrix("epoch_time_s"),
        units={m: v.get("unit", "") for m, v in meta["metrics"].items()},
        objective=str(meta["objective"]),
        run_info=run_info,
        provenance=meta.get("provenance", {}),
    )
    cs.validate(str(path))
    return cs
