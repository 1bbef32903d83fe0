"""Which (architecture, seed) runs the generator trains, in priority order.

The order is chosen so that a run stopped at any point leaves a useful set: first a *core* of
``n_core`` cells (the sparse, degenerate cells plus random ones) with every seed, interleaved 1:1
with other random cells on the first seed; then every remaining cell on the first seed; then the
remaining seeds. Random cells are drawn uniformly from the 6,466 isomorphism classes of NB201
(Dong & Yang 2020), so any prefix of the plan is a uniform sample plus the sparse cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nas_sim.benchmarks.spaces.nb201 import OPS, NB201Space
from nas_sim.search_space import InvalidArchitectureError

Arch201 = tuple[int, int, int, int, int, int]
Job = tuple[Arch201, int]

_N, _S, _C1, _C3, _P = (OPS.index(o) for o in OPS)

#: Degenerate and extreme cells that a random sample would rarely contain.
SPARSE_CELLS: tuple[Arch201, ...] = (
    (_N, _N, _N, _N, _N, _N),  # nothing: the cell outputs zeros
    (_C3, _C3, _C3, _N, _N, _N),  # output disconnected although the cell is busy
    (_S, _S, _S, _S, _S, _S),  # pure skip
    (_P, _P, _P, _P, _P, _P),  # pure pool
    (_N, _N, _N, _S, _N, _N),  # a single skip edge
    (_N, _N, _N, _P, _N, _N),  # a single pool edge
    (_N, _N, _N, _C1, _N, _N),  # a single 1x1 conv
    (_N, _N, _N, _C3, _N, _N),  # a single 3x3 conv
    (_C1, _C1, _C1, _C1, _C1, _C1),  # all 1x1 convs
    (_C3, _C3, _C3, _C3, _C3, _C3),  # all 3x3 convs (the largest cell)
    (_S, _P, _S, _P, _S, _P),  # parameter-free mix
    (_C3, _N, _N, _N, _C3, _N),  # a two-conv chain
    (_C3, _N, _C3, _S, _N, _C3),  # a residual three-conv chain
    (_P, _S, _C3, _N, _P, _C1),
)


def _canonical_unique(space: NB201Space, archs: Sequence[Arch201]) -> list[Arch201]:
    out: list[Arch201] = []
    for a in archs:
        c = space.canonical(a)
        if c not in out:
            out.append(c)
    return out


def priority_plan(
    seeds: Sequence[int], n_core: int = 60, rng_seed: int = 0, space: NB201Space | None = None
) -> list[Job]:
    """All 6,466 canonical cells × ``seeds``, in the priority order described in the module."""
    if not seeds:
        raise ValueError("at least one seed is needed")
    space = space or NB201Space()
    sparse = _canonical_unique(space, SPARSE_CELLS)
    unique = space.unique_architectures()
    rng = np.random.default_rng(rng_seed)
    shuffled = [unique[i] for i in rng.permutation(len(unique))]
    taken = set(sparse)
    others = [a for a in shuffled if a not in taken]
    n_random_core = max(0, n_core - len(sparse))
    core = sparse[:n_core] + others[:n_random_core]
    rest = others[n_random_core:]
    first, later = seeds[0], list(seeds[1:])
    jobs: list[Job] = []
    for i, arch in enumerate(core):
        # every core run of one seed pairs with one new cell, so both data sets grow together
        for k, seed in enumerate(seeds):
            jobs.append((arch, seed))
            j = i * len(seeds) + k
            if j < len(rest):
                jobs.append((rest[j], first))
    n_interleaved = min(len(core) * len(seeds), len(rest))
    jobs += [(a, first) for a in rest[n_interleaved:]]
    jobs += [(a, s) for s in later for a in rest]
    return jobs


def file_plan(lines: Sequence[str], seeds: Sequence[int], source: str) -> list[Job]:
    """Jobs for the NB201 arch strings in ``lines`` (blank lines and ``#`` comments skipped).

    Each cell is replaced by its canonical representative; duplicates after that are dropped.
    Raises ``ValueError`` naming the file, line and bad string.
    """
    space = NB201Space()
    archs: list[Arch201] = []
    for lineno, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            arch = space.canonical(space.parse(text))
        except InvalidArchitectureError as e:
            raise ValueError(f"{source}:{lineno}: invalid architecture {text!r}: {e}") from None
        if arch not in archs:
            archs.append(arch)
    if not archs:
        raise ValueError(f"{source}: contains no architectures")
    return [(a, s) for s in seeds for a in archs]


def pilot_plan(n_cells: int, seeds: Sequence[int], rng_seed: int = 0) -> list[Job]:
    """The sparse cells and ``n_cells`` cells drawn uniformly from the 6,466 classes, every seed.

    The uniform cells are the first ``n_cells`` of the same shuffled order :func:`priority_plan`
    draws from, so a pilot measures the population the full table is made of.
    """
    if n_cells < 1:
        raise ValueError(f"a pilot needs at least one uniform cell, got n_cells={n_cells}")
    if not seeds:
        raise ValueError("at least one seed is needed")
    space = NB201Space()
    sparse = _canonical_unique(space, SPARSE_CELLS)
    unique = space.unique_architectures()
    order = np.random.default_rng(rng_seed).permutation(len(unique))
    taken = set(sparse)
    uniform = [a for a in (unique[i] for i in order) if a not in taken][:n_cells]
    return [(a, s) for a in sparse + uniform for s in seeds]


def sparse_cell_strings() -> list[str]:
    """Arch strings of the canonical sparse cells (left out of landscape statistics)."""
    space = NB201Space()
    return [space.format(a) for a in _canonical_unique(space, SPARSE_CELLS)]
