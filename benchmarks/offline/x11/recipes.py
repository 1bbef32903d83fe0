"""The recommended settings of each x11 benchmark (Yan et al. 2021, "NAS-Bench-x11 and the Power
of Learning Curves", §3, and its released code)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nas_sim.benchmarks.curve_set import CurveSet
from nas_sim.benchmarks.offline.importers.report import DataImportError, ImportReport

Importer = Callable[..., tuple[CurveSet, ImportReport]]


@dataclass(frozen=True)
class Recipe:
    """How one x11 benchmark is built.

    max_epochs : E_max of the curves (x11: 108 / 200 / 98 / 50).
    encoding : the space encoding the surrogate reads.
    extra_metrics : leading epochs of a metric used as features (NLP11: val_loss × 3).
    extra_columns : run-info columns used as features (NB111: the 4/12/36/108-epoch accuracies).
    space_kwargs : arguments of the space (NLP11: at most 12 nodes).
    """

    name: str
    space: str
    max_epochs: int
    encoding: str
    load: Importer
    extra_metrics: dict[str, int] = field(default_factory=dict)
    extra_columns: tuple[str, ...] = ()
    space_kwargs: dict[str, Any] = field(default_factory=dict)
    data_help: str = ""

    def extra_array(self, cs: CurveSet) -> np.ndarray | None:
        if not self.extra_columns:
            return None
        missing = [c for c in self.extra_columns if c not in cs.run_info]
        if missing:
            raise DataImportError(f"{self.name}: the curve set lacks run-info columns {missing}")
        arr = np.column_stack(
            [np.asarray(cs.run_info[c], dtype=np.float64) for c in self.extra_columns]
        )
        if not np.isfinite(arr).all():
            bad = [
                c
                for c in self.extra_columns
                if not np.isfinite(np.asarray(cs.run_info[c], float)).all()
            ]
            raise DataImportError(
                f"{self.name}: feature columns {bad} have missing values; NB111 needs "
                "nasbench_full.tfrecord (4/12/36/108 epochs), not nasbench_only108.tfrecord"
            )
        return arr


def _nb111(data: Path, *, tfrecord: str | os.PathLike[str] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    from nas_sim.benchmarks.offline.importers.nb101 import import_nb111

    tf = Path(tfrecord) if tfrecord else data / "nasbench_full.tfrecord"
    if not tf.is_file():
        raise DataImportError(
            f"NB111 needs the NB101 tfrecord: {str(tf)!r} not found (give --tfrecord)"
        )
    return import_nb111(data, tf, max_epochs=108, skip_malformed=kw.get("skip_malformed", False))


def _nb211(data: Path, *, trust: bool = False, dataset: str | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    from nas_sim.benchmarks.offline.importers.nb201 import import_nb201

    return import_nb201(data, trust=trust, dataset=dataset)


def _nb311(data: Path, **kw: Any):  # type: ignore[no-untyped-def]
    from nas_sim.benchmarks.offline.importers.nb301 import import_nb301

    cs, report = import_nb301(data, max_epochs=98, skip_malformed=kw.get("skip_malformed", False))
    if cs.provenance.get("final_only"):
        raise DataImportError(
            f"{data}: the NB301 results hold final values only (no learning_curves); NB311 needs "
            "the results with learning curves (nb_301_v13_lc_iclr_final). 'nas-sim import nb301' "
            "imports final-only results as a set single-fidelity optimizers can run on"
        )
    return cs, report


def _nlp11(data: Path, **kw: Any):  # type: ignore[no-untyped-def]
    from nas_sim.benchmarks.offline.importers.nlp_logs import import_nlp_logs
    from nas_sim.benchmarks.spaces.nlp import NLP11_MAX_NODES

    return import_nlp_logs(
        data,
        max_epochs=50,
        max_nodes=NLP11_MAX_NODES,
        skip_malformed=kw.get("skip_malformed", False),
    )


RECIPES: dict[str, Recipe] = {
    "nb111": Recipe(
        "nb111",
        "nb101",
        108,
        "adjacency_naszilla",
        _nb111,
        extra_columns=tuple(f"nb101_val_accuracy_{b}" for b in (4, 12, 36, 108)),
        data_help="folder holding results_may19/ (and nasbench_full.tfrecord, or --tfrecord)",
    ),
    "nb211": Recipe(
        "nb211",
        "nb201",
        200,
        "categorical",
        _nb211,
        data_help="NB201 data: NASLib nb201_cifar10_full_training.pickle, NATS-tss .pbz2 / "
        "-simple dir, or NAS-Bench-201-v1_*.pth (needs --trust)",
    ),
    "nb311": Recipe(
        "nb311",
        "darts",
        98,
        "nb301",
        _nb311,
        data_help="NB301 training-data folder (<optimizer>/results_*.json with learning curves)",
    ),
    "nlp11": Recipe(
        "nlp11",
        "nlp11",
        50,
        "nlp11",
        _nlp11,
        extra_metrics={"val_loss": 3},
        data_help="folder of NAS-Bench-NLP logs (log_stats_model_*.json, PTB or WikiText-2)",
    ),
}
