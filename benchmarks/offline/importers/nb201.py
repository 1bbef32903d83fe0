"""Import NAS-Bench-201 / NATS-Bench-tss data (Dong & Yang 2020; Dong et al. 2021).

Three containers hold the same training runs:

- NASLib's ``nb201_<dataset>_full_training.pickle``: ``arch → {dataset → record}`` with per-epoch
  lists. ``eval_acc1es`` may carry trailing final values after the 200 per-epoch entries: one
  (the ori-test accuracy, cifar10-valid) or two (x-valid, x-test; cifar100 / ImageNet16-120). Only
  the first 200 are the curve; the last is the final test value.
- NATS-Bench ``NATS-tss-v1_0-3ffb9-simple/`` (``meta.pickle.pbz2`` + one ``NNNNNN.pickle.pbz2``
  per architecture) or the single-file ``NATS-tss-v1_0-3ffb9.pickle.pbz2``.
- The official ``NAS-Bench-201-v1_[01]-*.pth`` (torch pickle).

All are pickles. NATS-Bench files (and NASLib pickles that name no other globals) are read with a
restricted unpickler (``trusted.SAFE_GLOBALS``) and need no trust; ``.pth`` files and pickles that
name other globals load only with ``trust=True``. NATS-Bench and ``.pth`` files hold a 200-epoch
and a 12-epoch schedule (``schedule``). Runs are stored under their class representative and
numbered per class (``run_identity``). Accuracies become fractions. Test metrics are often stored
for the final epoch only; such a curve holds that final value at every epoch (only the final epoch
is ever read for test metrics) and the provenance says so.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from nas_sim.benchmarks.curve_set import CurveSet, CurveSetError
from nas_sim.benchmarks.offline.importers.report import DataImportError, ImportReport
from nas_sim.benchmarks.offline.importers.run_identity import number_runs
from nas_sim.benchmarks.offline.importers.trusted import (
    load_pickle,
    load_restricted_pickle,
    load_torch,
)
from nas_sim.benchmarks.spaces.nb201 import NB201Space, from_naslib
from nas_sim.search_space import InvalidArchitectureError

DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")
#: training schedules (epochs) of the NATS-Bench / NB201 files: NATS hp keys; ``.pth`` 'full'/'less'
SCHEDULES = ("200", "12")
_PTH_KEYS = {"200": "full", "12": "less"}
#: NASLib file dataset keys; NASLib maps "cifar10" to "cifar10-valid"
_NASLIB_KEYS = {"cifar10": "cifar10-valid", "ImageNet16": "ImageNet16-120"}
_FINAL_ONLY = "final value only (repeated over epochs)"


def _space() -> NB201Space:
    return NB201Space()


def _arch_string(key: object, where: str) -> str:
    """The architecture as the file names it (not yet its class representative)."""
    space = _space()
    try:
        if isinstance(key, str):
            return space.format(space.parse(key))
        if isinstance(key, (tuple, list)):  # NASLib op_indices use EDGE_LIST order
            return space.format(from_naslib(tuple(int(x) for x in key)))
    except (InvalidArchitectureError, TypeError, ValueError) as exc:
        raise DataImportError(f"{where}: bad architecture key {key!r}: {exc}") from exc
    raise DataImportError(
        f"{where}: architecture key {key!r} is neither an arch string nor op_indices"
    )


class _Builder:
    """Collects runs and turns them into a curve set."""

    def __init__(self, kind: str, source: Path, max_epochs: int) -> None:
        self.report = ImportReport(kind, str(source))
        self.source = source
        self.e = max_epochs
        self.archs: list[str] = []  # as the file names them; build() canonicalises
        self.seeds: list[int | None] = []
        self.metrics: dict[str, list[np.ndarray]] = {}
        self.times: list[np.ndarray] = []
        self.curve_kind: dict[str, str] = {}

    def add(
        self,
        arch: str,
        seed: int | None,
        metrics: Mapping[str, np.ndarray],
        times: np.ndarray,
        where: str,
        kinds: Mapping[str, str],
    ) -> None:
        self.report.n_read += 1
        if self.archs and set(metrics) != set(self.metrics):
            raise DataImportError(
                f"{where}: has metrics {sorted(metrics)} but earlier runs have {sorted(self.metrics)}"
            )
        bad = [m for m, v in metrics.items() if not np.isfinite(v).all()]
        if bad or not np.isfinite(times).all() or (times <= 0).any():
            self.report.skip(
                where, f"non-finite or non-positive values in {bad or ['train_times']}"
            )
            return
        for m, v in metrics.items():
            self.metrics.setdefault(m, []).append(v)
        self.curve_kind.update(kinds)
        self.times.append(times)
        self.archs.append(arch)
        self.seeds.append(seed)

    def build(self, provenance: dict[str, object]) -> tuple[CurveSet, ImportReport]:
        if not self.archs:
            raise DataImportError(
                f"{self.source}: no usable runs found; "
                + "; ".join(f"{s.file}: {s.reason}" for s in self.report.skipped[:3])
            )
        self.report.n_imported = len(self.archs)
        for m, k in sorted(self.curve_kind.items()):
            if k != "per-epoch":
                self.report.notes.append(f"{m}: {k}")
        space = _space()
        representative: dict[str, str] = {}
        for a in self.archs:
            if a not in representative:
                representative[a] = space.format(space.canonical(space.parse(a)))
        ids = number_runs(
            [representative[a] for a in self.archs],
            self.archs,
            None if None in self.seeds else [int(s) for s in self.seeds],  # type: ignore[arg-type]
        )
        self.report.notes.append(ids.note)
        cs = CurveSet(
            space="nb201",
            archs=ids.archs,
            seeds=ids.seeds,
            run_info=ids.run_info,
            metrics={m: np.stack(v) for m, v in self.metrics.items()},
            epoch_time_s=np.stack(self.times),
            units={m: ("fraction" if m.endswith("accuracy") else "nats") for m in self.metrics},
            objective="val_accuracy",
            provenance={
                **provenance,
                "curves": dict(self.curve_kind),
                "report": self.report.as_dict(),
            },
        )
        try:
            cs.validate(str(self.source))
        except CurveSetError as exc:
            raise DataImportError(str(exc)) from exc
        return cs, self.report


# ------------------------------------------------------------- NASLib pickle
def _floats(value: object, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataImportError(f"{where} must be a list of numbers") from exc
    if arr.ndim != 1:
        raise DataImportError(f"{where} must be a flat list, got shape {arr.shape}")
    return arr


def import_naslib_pickle(
    path: str | os.PathLike[str],
    *,
    trust: bool = False,
    dataset: str | None = None,
    max_epochs: int = 200,
) -> tuple[CurveSet, ImportReport]:
    """NASLib's ``nb201_*_full_training.pickle`` (see the module docstring)."""
    path = Path(path)
    data = load_pickle(path, trust=trust)
    if not isinstance(data, Mapping) or not data:
        raise DataImportError(f"{path.name}: expected a non-empty dict arch → {{dataset → record}}")
    b = _Builder("nb201-naslib", path, max_epochs)
    e = max_epochs
    for key, per_ds in data.items():
        arch = _arch_string(key, f"{path.name} key {key!r}")
        if not isinstance(per_ds, Mapping) or not per_ds:
            raise DataImportError(f"{path.name} [{key!r}]: expected a dict dataset → record")
        if dataset is None:
            ds = next(iter(per_ds)) if len(per_ds) == 1 else None
        else:
            ds = next((d for d in (dataset, _NASLIB_KEYS.get(dataset)) if d in per_ds), None)
        if ds is None:
            raise DataImportError(
                f"{path.name} [{key!r}]: dataset {dataset!r} not found; the file has: "
                f"{', '.join(map(str, per_ds))} (use --dataset)"
            )
        rec = per_ds[ds]
        where = f"{path.name} [{key!r}][{ds!r}]"
        if not isinstance(rec, Mapping):
            raise DataImportError(f"{where}: expected a record dict")
        for field in ("train_acc1es", "eval_acc1es", "train_losses", "eval_losses", "cost_info"):
            if field not in rec:
                raise DataImportError(f"{where}: missing field {field!r}")
        val_acc = _floats(rec["eval_acc1es"], f"{where} field 'eval_acc1es'") / 100.0
        val_loss = _floats(rec["eval_losses"], f"{where} field 'eval_losses'")
        train_acc = _floats(rec["train_acc1es"], f"{where} field 'train_acc1es'") / 100.0
        train_loss = _floats(rec["train_losses"], f"{where} field 'train_losses'")
        for name, v in (
            ("eval_acc1es", val_acc),
            ("train_acc1es", train_acc),
            ("train_losses", train_loss),
        ):
            if len(v) < e:
                raise DataImportError(
                    f"{where} field {name!r} has {len(v)} values; expected >= {e}"
                )
        if len(val_acc) > e + 2:
            raise DataImportError(
                f"{where} field 'eval_acc1es' has {len(val_acc)} values; expected {e} per-epoch "
                f"values plus at most 2 trailing final values"
            )
        metrics = {
            "train_accuracy": train_acc[:e],
            "train_loss": train_loss[:e],
            "val_accuracy": val_acc[:e],
        }
        kinds = {
            "val_accuracy": "per-epoch"
            if ds == "cifar10-valid"
            else "per-epoch ori-test (valid+test), the NASLib convention"
        }
        if len(val_loss) >= e:
            metrics["val_loss"] = val_loss[:e]
        if len(val_acc) > e:  # trailing final test value (the last entry)
            metrics["test_accuracy"] = np.full(e, val_acc[-1])
            kinds["test_accuracy"] = _FINAL_ONLY
            if len(val_loss) == len(val_acc):
                metrics["test_loss"] = np.full(e, val_loss[-1])
                kinds["test_loss"] = _FINAL_ONLY
        cost = rec["cost_info"]
        if not isinstance(cost, Mapping) or "train_time" not in cost:
            raise DataImportError(f"{where}: field 'cost_info' lacks 'train_time' (seconds/epoch)")
        t = float(cost["train_time"])
        b.add(arch, None, metrics, np.full(e, t), where, kinds)  # NASLib keeps no seed
    if "test_accuracy" not in b.metrics and b.archs:
        b.report.notes.append(
            "eval_acc1es has exactly the per-epoch values: no test accuracy in this file"
        )
    return b.build(
        {"importer": "nb201-naslib", "name": f"nb201-{ds}", "source": path.name, "dataset": ds}
    )


# ------------------------------------------------------- ArchResults states
def _runs_of_state(
    state: object, dataset: str, where: str, b: _Builder, arch_hint: str | None
) -> None:
    if not isinstance(state, Mapping) or "all_results" not in state:
        raise DataImportError(f"{where}: expected an ArchResults state with 'all_results'")
    arch = _arch_string(state.get("arch_str", arch_hint), where)
    results = state["all_results"]
    seeds = (state.get("dataset_seed") or {}).get(dataset)
    if seeds is None:
        seeds = sorted(s for (d, s) in results if d == dataset)
    if not seeds:
        b.report.n_read += 1
        b.report.skip(where, f"no {dataset} runs")
        return
    for seed in seeds:
        rc = results.get((dataset, seed))
        w = f"{where} ({dataset}, seed {seed})"
        if not isinstance(rc, Mapping):
            raise DataImportError(f"{w}: missing ResultsCount")
        for field in ("train_acc1es", "train_losses", "train_times", "eval_acc1es", "eval_losses"):
            if field not in rc:
                raise DataImportError(f"{w}: missing field {field!r}")
        e = b.e
        acc, loss = rc["eval_acc1es"], rc["eval_losses"]

        kinds: dict[str, str] = {}
        val_name = "x-valid"
        val_acc = per_epoch(acc, "x-valid", e)
        if val_acc is None and dataset in ("cifar100", "ImageNet16-120"):
            val_name = "ori-test"
            val_acc = per_epoch(acc, "ori-test", e)
            kinds["val_accuracy"] = "per-epoch ori-test (valid+test), the NASLib convention"
        if val_acc is None:
            raise DataImportError(
                f"{w}: field 'eval_acc1es' lacks per-epoch validation values "
                f"'x-valid@0..{e - 1}' (dataset {dataset!r} has no validation split per epoch; "
                "use cifar10-valid)"
            )
        kinds.setdefault("val_accuracy", "per-epoch")
        metrics = {"val_accuracy": val_acc / 100.0}
        val_loss = per_epoch(loss, val_name, e)
        if val_loss is not None:
            metrics["val_loss"] = val_loss
        test_name = "ori-test" if dataset in ("cifar10-valid", "cifar10") else "x-test"
        for metric, d in (("test_accuracy", acc), ("test_loss", loss)):
            full = per_epoch(d, test_name, e) if val_name != test_name else None
            if full is not None:
                kinds[metric] = "per-epoch"
            elif f"{test_name}@{e - 1}" in d:
                full = np.full(e, float(d[f"{test_name}@{e - 1}"]))
                kinds[metric] = _FINAL_ONLY
            if full is not None:
                metrics[metric] = full / 100.0 if metric.endswith("accuracy") else full
        try:
            metrics["train_accuracy"] = (
                np.array([float(rc["train_acc1es"][i]) for i in range(e)]) / 100
            )
            metrics["train_loss"] = np.array([float(rc["train_losses"][i]) for i in range(e)])
            times = np.array([float(rc["train_times"][i]) for i in range(e)])
        except (KeyError, TypeError, ValueError) as exc:
            raise DataImportError(f"{w}: per-epoch train fields lack epoch {exc}") from exc
        b.add(arch, int(seed), metrics, times, w, kinds)


def per_epoch(d: Mapping, name: str, e: int) -> np.ndarray | None:  # type: ignore[type-arg]
    """Values ``name@0 .. name@e-1`` of an NB201 eval dict, or None if any epoch is missing."""
    keys = [f"{name}@{i}" for i in range(e)]
    if all(k in d for k in keys):
        return np.array([float(d[k]) for k in keys])
    return None


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise DataImportError(
            f"unknown NB201 dataset {dataset!r}; choose from: {', '.join(DATASETS)}"
        )


def _check_schedule(schedule: str) -> None:
    if schedule not in SCHEDULES:
        raise DataImportError(
            f"unknown NB201 schedule {schedule!r}; choose from: {', '.join(SCHEDULES)} (epochs)"
        )


def _name(dataset: str, schedule: str) -> str:
    return f"nb201-{dataset}" if schedule == "200" else f"nb201-{dataset}-{schedule}ep"


def import_nats(
    path: str | os.PathLike[str],
    *,
    dataset: str = "cifar10-valid",
    hp: str = "200",
) -> tuple[CurveSet, ImportReport]:
    """NATS-Bench tss: the ``-simple`` directory or the single ``.pickle.pbz2`` file.

    hp : the training schedule, ``"200"`` (epochs) or ``"12"`` (the cheap proxy many NAS papers use).

    The files are read with the restricted unpickler (no trust needed): a file naming any global
    beyond those NATS-Bench uses is refused.
    """
    _check_dataset(dataset)
    _check_schedule(hp)
    path = Path(path)
    b = _Builder("nb201-nats", path, int(hp))
    if path.is_dir():
        meta_file = path / "meta.pickle.pbz2"
        meta = load_restricted_pickle(meta_file)
        if not isinstance(meta, Mapping) or "meta_archs" not in meta:
            raise DataImportError(f"{meta_file.name}: missing field 'meta_archs'")
        archs = list(meta["meta_archs"])
        files = sorted(
            p
            for p in path.glob("*.pickle.pbz2")
            if re.fullmatch(r"\d{6}", p.name[:6]) and p.name != meta_file.name
        )
        if not files:
            raise DataImportError(f"{path}: no per-architecture files NNNNNN.pickle.pbz2")
        for f in files:
            index = int(f.name[:6])
            per_hp = load_restricted_pickle(f)
            if not isinstance(per_hp, Mapping) or hp not in per_hp:
                raise DataImportError(f"{f.name}: missing field {hp!r} (the {hp}-epoch results)")
            hint = archs[index] if index < len(archs) else None
            _runs_of_state(per_hp[hp], dataset, f.name, b, hint)
    else:
        data = load_restricted_pickle(path)
        infos = data.get("arch2infos") if isinstance(data, Mapping) else None
        if not isinstance(data, Mapping) or not isinstance(infos, Mapping):
            raise DataImportError(f"{path.name}: missing field 'arch2infos'")
        archs = list(data.get("meta_archs", []))
        for index, per_hp in infos.items():
            where = f"{path.name} arch2infos[{index}]"
            if not isinstance(per_hp, Mapping) or hp not in per_hp:
                raise DataImportError(f"{where}: missing field {hp!r}")
            hint = archs[index] if isinstance(index, int) and index < len(archs) else None
            _runs_of_state(per_hp[hp], dataset, where, b, hint)
    return b.build(
        {
            "importer": "nb201-nats",
            "name": _name(dataset, hp),
            "source": path.name,
            "dataset": dataset,
            "epochs_setting": hp,
        }
    )


def import_pth(
    path: str | os.PathLike[str],
    *,
    trust: bool = False,
    dataset: str = "cifar10-valid",
    schedule: str = "200",
) -> tuple[CurveSet, ImportReport]:
    """The official ``NAS-Bench-201-v1_*.pth``: its 'full' (200-epoch) or 'less' (12) results."""
    _check_dataset(dataset)
    _check_schedule(schedule)
    path = Path(path)
    data = load_torch(path, trust=trust)
    if not isinstance(data, Mapping) or "arch2infos" not in data:
        raise DataImportError(f"{path.name}: missing field 'arch2infos'")
    archs = list(data.get("meta_archs", []))
    key = _PTH_KEYS[schedule]
    b = _Builder("nb201-pth", path, int(schedule))
    for index, per in data["arch2infos"].items():
        where = f"{path.name} arch2infos[{index}]"
        if not isinstance(per, Mapping) or key not in per:
            raise DataImportError(f"{where}: missing field {key!r} (the {schedule}-epoch results)")
        hint = archs[index] if isinstance(index, int) and index < len(archs) else None
        _runs_of_state(per[key], dataset, where, b, hint)
    return b.build(
        {
            "importer": "nb201-pth",
            "name": _name(dataset, schedule),
            "source": path.name,
            "dataset": dataset,
            "epochs_setting": schedule,
        }
    )


def import_nb201(
    path: str | os.PathLike[str],
    *,
    trust: bool = False,
    dataset: str | None = None,
    schedule: str = "200",
) -> tuple[CurveSet, ImportReport]:
    """Dispatch on the container: ``.pth``, NATS ``.pbz2`` file or ``-simple`` dir, NASLib pickle.

    schedule : ``"200"`` or ``"12"`` epochs (NATS and ``.pth``; NASLib pickles hold 200 only).
    """
    path = Path(path)
    _check_schedule(schedule)
    if path.is_dir():
        return import_nats(path, dataset=dataset or "cifar10-valid", hp=schedule)
    if not path.is_file():
        raise DataImportError(f"NB201 data path {str(path)!r} does not exist")
    if path.suffix == ".pth":
        return import_pth(path, trust=trust, dataset=dataset or "cifar10-valid", schedule=schedule)
    if path.name.endswith(".pbz2"):
        return import_nats(path, dataset=dataset or "cifar10-valid", hp=schedule)
    if path.suffix in (".pickle", ".pkl"):
        if schedule != "200":
            raise DataImportError(
                f"{path.name}: NASLib's NB201 pickles hold the 200-epoch schedule only; "
                f"schedule {schedule!r} needs the NATS-Bench files or the official .pth"
            )
        return import_naslib_pickle(path, trust=trust, dataset=dataset)
    raise DataImportError(
        f"{path.name}: unknown NB201 container; expected a NASLib .pickle, a NATS .pickle.pbz2 "
        "file or -simple directory, or an official .pth"
    )
