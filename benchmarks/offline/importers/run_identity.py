"""Run identity: the one rule by which every importer names a training run.

A run is stored under its architecture's *class representative* (``space.canonical``), so
isomorphic cells (NB201: 15,625 strings in 6,466 classes) are one architecture. Several runs of one
class, whether repeats with different seeds or trainings of different isomorphic strings, are that
class's seeds ``0, 1, …`` in input order. What the file itself called the run is kept beside it, as
the run-info columns ``source_arch`` (the string as the file gave it) and, where the file records
one, ``source_seed`` (NB201's 777/888/999, NB101's ``repeat_<k>``, a CSV seed column).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SOURCE_ARCH = "source_arch"
SOURCE_SEED = "source_seed"


@dataclass(frozen=True)
class RunIdentities:
    """Canonical ``archs`` and per-class ``seeds`` of n runs, the ``run_info`` columns keeping
    the source names, and a one-line ``note`` of what the numbering did (for the import report)."""

    archs: list[str]
    seeds: NDArray[np.int64]
    run_info: dict[str, NDArray[np.generic]]
    note: str


def number_runs(
    canonical: Sequence[str],
    source_archs: Sequence[str],
    source_seeds: Sequence[int] | None = None,
) -> RunIdentities:
    """Number the runs of each class ``0, 1, …`` in input order.

    canonical : the class representative's string of each run.
    source_archs : the architecture as the input file names it (same length).
    source_seeds : the file's own seed/repeat of each run, or None where the format has none.
    """
    if len(canonical) != len(source_archs) or (
        source_seeds is not None and len(source_seeds) != len(canonical)
    ):
        raise ValueError("canonical, source_archs and source_seeds must have one entry per run")
    seen: Counter[str] = Counter()
    seeds = np.empty(len(canonical), dtype=np.int64)
    for i, a in enumerate(canonical):
        seeds[i] = seen[a]
        seen[a] += 1
    run_info: dict[str, NDArray[np.generic]] = {SOURCE_ARCH: np.asarray(list(source_archs))}
    if source_seeds is not None:
        run_info[SOURCE_SEED] = np.asarray(list(source_seeds), dtype=np.int64)
    n_strings = len(set(source_archs))
    moved = sum(1 for c, s in zip(canonical, source_archs) if c != s)
    multi = sum(1 for v in seen.values() if v > 1)
    if not moved and not multi:
        return RunIdentities(
            list(canonical),
            seeds,
            run_info,
            f"{len(canonical)} runs, one per architecture, each string its class representative "
            f"(seed 0; source names in run-info {', '.join(run_info)})",
        )
    note = (
        f"{len(canonical)} runs of {n_strings} architecture strings in {len(seen)} isomorphism "
        f"classes; {moved} runs of a string that is not its class representative are stored "
        f"under the representative; {multi} classes hold several runs, numbered as seeds 0, 1, … "
        f"in input order (the file's strings"
        + (" and seeds" if source_seeds is not None else "")
        + f" are kept in run-info {SOURCE_ARCH}"
        + (f", {SOURCE_SEED}" if source_seeds is not None else "")
        + ")"
    )
    return RunIdentities(list(canonical), seeds, run_info, note)
