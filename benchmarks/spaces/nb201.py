"""The NAS-Bench-201 cell search space (Dong & Yang, ICLR 2020).

A cell is a 4-node DAG with one of five ops on each of its six edges. We hold an architecture as a
tuple of six op indices into :data:`OPS`, in *arch-string* edge order
``(0→1), (0→2), (1→2), (0→3), (1→3), (2→3)``. NASLib's ``op_indices`` use another edge order and
another op order; :func:`from_naslib` / :func:`to_naslib` convert.
"""

from __future__ import annotations

import itertools
from functools import cached_property
from typing import cast

import numpy as np
from numpy.typing import NDArray

from nas_sim.search_space import InvalidArchitectureError, SearchSpace

#: NB201 op names; an architecture holds indices into this tuple.
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (source, target) of the six edges in arch-string order.
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
N_EDGES = 6
N_OPS = 5

# NASLib: EDGE_LIST (1,2),(1,3),(1,4),(2,3),(2,4),(3,4) = NB201 edges 01,02,03,12,13,23
# and OP_NAMES = [skip_connect, none, nor_conv_3x3, nor_conv_1x1, avg_pool_3x3].
NASLIB_OPS: tuple[str, ...] = (
    "skip_connect",
    "none",
    "nor_conv_3x3",
    "nor_conv_1x1",
    "avg_pool_3x3",
)
_NASLIB_EDGES = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
_STRING_POS_OF_NASLIB_POS = tuple(EDGES.index(e) for e in _NASLIB_EDGES)
_NASLIB_OP_OF_OP = tuple(NASLIB_OPS.index(o) for o in OPS)
_OP_OF_NASLIB_OP = tuple(OPS.index(o) for o in NASLIB_OPS)
# x11's "alphabetical" list is its own order ('none' after the convs), not sorted()
_X11_OP_LIST = ("avg_pool_3x3", "nor_conv_1x1", "nor_conv_3x3", "none", "skip_connect")
_ALPHABETICAL = tuple(_X11_OP_LIST.index(o) for o in OPS)

Arch201 = tuple[int, int, int, int, int, int]


def to_naslib(arch: Arch201) -> tuple[int, ...]:
    """NASLib ``op_indices`` of an architecture."""
    return tuple(_NASLIB_OP_OF_OP[arch[s]] for s in _STRING_POS_OF_NASLIB_POS)


def from_naslib(op_indices: tuple[int, ...] | list[int]) -> Arch201:
    """Architecture from NASLib ``op_indices``; raises on bad length or values."""
    if len(op_indices) != N_EDGES or any(
        not isinstance(o, (int, np.integer)) or not 0 <= o < N_OPS for o in op_indices
    ):
        raise InvalidArchitectureError(
            f"NASLib op_indices must be 6 ints in [0, 5), got {tuple(op_indices)!r}"
        )
    ops = [0] * N_EDGES
    for naslib_pos, s in enumerate(_STRING_POS_OF_NASLIB_POS):
        ops[s] = _OP_OF_NASLIB_OP[int(op_indices[naslib_pos])]
    return tuple(ops)  # type: ignore[return-value]


def unique_string(arch: Arch201) -> str:
    """NATS-Bench ``to_unique_str(consider_zero=True)``: equal iff the cells are isomorphic."""
    nodes = ["0"]
    for inputs in _INPUTS:
        terms = []
        for pos, src in inputs:
            op, source = arch[pos], nodes[src]
            if op == _NONE or source == "#":
                terms.append("#")
            elif op == _SKIP:
                terms.append(source)
            else:
                terms.append(f"({source})@{OPS[op]}")
        nodes.append("+".join(sorted(terms)))
    return nodes[3]


# (edge position, source node) of the inputs of nodes 1, 2 and 3, and two op indices:
# unique_string runs over all 15,625 cells when the class table is first built
_INPUTS = tuple(
    tuple((pos, src) for pos, (src, dst) in enumerate(EDGES) if dst == target)
    for target in (1, 2, 3)
)
_NONE, _SKIP = OPS.index("none"), OPS.index("skip_connect")


def _index(arch: Arch201) -> int:
    i = 0
    for o in arch:
        i = i * N_OPS + o
    return i


class NB201Space(SearchSpace[Arch201]):
    """NAS-Bench-201 (Dong & Yang 2020, "NAS-Bench-201: Extending the Scope of Reproducible NAS").

    Sampling, mutation and neighbourhood follow NASLib: six i.i.d. ops;
    mutation changes one edge to a different op (the child always differs); the neighbourhood is all
    24 single-edge changes, shuffled.

    Encodings:

    - ``adjacency_one_hot`` (30): NASLib's, a one-hot of the NASLib op index per edge in NASLib order.
    - ``path`` (155): BANANAS' path encoding over the four true input→output paths
      (0→3; 0→1→3; 0→2→3; 0→1→2→3), index o / 5+o₀+5o₁ / 30+o₀+5o₁+25o₂ with NASLib op indices.
      Paths through ``none`` carry no signal and are left out.
    - ``path_naslib`` (155): NASLib's implementation, quirk included (positional blueprints
      ``[3],[0,4],[1,5],[0,2,5]`` over NASLib order, paths through ``none`` kept), for comparison
      with published numbers.
    - ``categorical`` (6): the raw op indices, string order.
    - ``nb211`` (6): NAS-Bench-x11's NB211 surrogate input (``encode_nb201``): op indices in string
      order into x11's op list ``avg_pool_3x3, nor_conv_1x1, nor_conv_3x3, none, skip_connect``.
    """

    name = "nb201"
    encodings = ("adjacency_one_hot", "path", "path_naslib", "categorical", "nb211")
    draws_bounded_integers_only = True  # sample and mutate call only rng.integers

    @property
    def size(self) -> int:
        return N_OPS**N_EDGES

    # ---------------------------------------------------------------- strings
    def parse(self, text: str) -> Arch201:
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"NB201 arch string must be a str, got {text!r}")
        groups = text.strip().split("+")
        if len(groups) != 3:
            raise InvalidArchitectureError(
                f"malformed NB201 arch string {text!r}: expected 3 '+'-separated node groups like "
                "'|op~0|+|op~0|op~1|+|op~0|op~1|op~2|'"
            )
        ops: list[int] = []
        for target, group in enumerate(groups, start=1):
            if not (group.startswith("|") and group.endswith("|")):
                raise InvalidArchitectureError(f"malformed NB201 node group {group!r} in {text!r}")
            tokens = group[1:-1].split("|")
            if len(tokens) != target:
                raise InvalidArchitectureError(
                    f"node {target} of {text!r} has {len(tokens)} inputs, expected {target}"
                )
            for source, token in enumerate(tokens):
                name, sep, src = token.rpartition("~")
                if not sep or src != str(source):
                    raise InvalidArchitectureError(
                        f"bad edge token {token!r} in {text!r}: expected 'op~{source}'"
                    )
                if name not in OPS:
                    raise InvalidArchitectureError(
                        f"unknown NB201 op {name!r} in {text!r}; choose from: {', '.join(OPS)}"
                    )
                ops.append(OPS.index(name))
        return tuple(ops)  # type: ignore[return-value]

    def format(self, arch: Arch201) -> str:
        self.validate(arch)
        o = [OPS[i] for i in arch]
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"

    def validate(self, arch: Arch201) -> None:
        # the common case first, cheaply: a tuple of six plain ints in [0, 5)
        if type(arch) is tuple and len(arch) == N_EDGES:
            a, b, c, d, e, f = arch
            if type(a) is type(b) is type(c) is type(d) is type(e) is type(f) is int:
                if min(arch) >= 0 and max(arch) < N_OPS:
                    return
        if (
            not isinstance(arch, tuple)
            or len(arch) != N_EDGES
            or any(not isinstance(o, (int, np.integer)) or not 0 <= o < N_OPS for o in arch)
        ):
            raise InvalidArchitectureError(
                f"an NB201 architecture is a tuple of 6 op indices in [0, 5), got {arch!r}"
            )

    # ------------------------------------------------------------ isomorphism
    @cached_property
    def _canonical_table(self) -> tuple[list[Arch201], NDArray[np.int64]]:
        # Representative = the smallest tuple of each class; computed once over all 15,625 cells.
        rep_of: dict[str, Arch201] = {}
        all_archs = cast("list[Arch201]", list(itertools.product(range(N_OPS), repeat=N_EDGES)))
        keys = [unique_string(a) for a in all_archs]
        for a, k in zip(all_archs, keys):
            if k not in rep_of:  # product order is lexicographic, so the first seen is the smallest
                rep_of[k] = a
        reps = sorted(rep_of.values())
        rep_pos = {a: i for i, a in enumerate(reps)}
        table = np.array([rep_pos[rep_of[k]] for k in keys], dtype=np.int64)
        return reps, table

    @cached_property
    def _canonical_of(self) -> dict[Arch201, Arch201]:
        # every cell's representative in one dict: REA and tabular look-ups call canonical()
        # several times per job, and a dict hit costs a tenth of indexing the numpy table
        reps, table = self._canonical_table
        return {a: reps[i] for a, i in zip(self.all_architectures(), table.tolist())}

    def canonical(self, arch: Arch201) -> Arch201:
        rep = self._canonical_of.get(arch)
        if rep is None:  # not a plain tuple of six ints in [0, 5): index as before
            reps, table = self._canonical_table
            rep = reps[table[_index(arch)]]
        return rep

    def unique_architectures(self) -> list[Arch201]:
        """The 6,466 class representatives, sorted."""
        return list(self._canonical_table[0])

    def all_architectures(self) -> list[Arch201]:
        return list(itertools.product(range(N_OPS), repeat=N_EDGES))  # type: ignore[arg-type]

    # ------------------------------------------------------------- operators
    def sample(self, rng: np.random.Generator) -> Arch201:
        return tuple(rng.integers(0, N_OPS, size=N_EDGES).tolist())  # type: ignore[return-value]

    def sample_many(self, rng: np.random.Generator, n: int) -> list[Arch201]:
        # One (n, 6) draw is the same stream as n draws of 6: numpy draws bounded integers below
        # 2**32 from 32-bit halves that the bit generator itself buffers between calls
        # (tests/benchmarks/spaces/test_nb201.py checks it). A call of 6 costs ~12 µs, mostly
        # argument handling, against ~0.2 µs per architecture in a block.
        return list(map(tuple, rng.integers(0, N_OPS, size=(n, N_EDGES)).tolist()))

    def mutate(self, arch: Arch201, rng: np.random.Generator) -> Arch201:
        edge = int(rng.integers(N_EDGES))
        # a uniformly chosen *different* op: shift by 1..4 modulo 5
        new_op = (arch[edge] + 1 + int(rng.integers(N_OPS - 1))) % N_OPS
        child = list(arch)
        child[edge] = new_op
        return tuple(child)  # type: ignore[return-value]

    def neighbors(self, arch: Arch201, rng: np.random.Generator) -> list[Arch201]:
        out: list[Arch201] = []
        for edge in range(N_EDGES):
            for op in range(N_OPS):
                if op != arch[edge]:
                    child = list(arch)
                    child[edge] = op
                    out.append(tuple(child))  # type: ignore[arg-type]
        order = rng.permutation(len(out))
        return [out[i] for i in order]

    # ------------------------------------------------------- ConfigSpace view
    def to_configspace(self, seed: int | None = None):  # type: ignore[no-untyped-def]
        """Six categorical hyperparameters ``edge_{source}{target}`` over the op names."""
        import ConfigSpace as CS

        cs = CS.ConfigurationSpace(seed=seed)
        cs.add([CS.CategoricalHyperparameter(f"edge_{s}{t}", list(OPS)) for s, t in EDGES])
        return cs

    def to_config(self, arch: Arch201) -> dict[str, str]:
        self.validate(arch)
        return {f"edge_{s}{t}": OPS[o] for (s, t), o in zip(EDGES, arch)}

    def from_config(self, config) -> Arch201:  # type: ignore[no-untyped-def]
        try:
            ops = [OPS.index(str(config[f"edge_{s}{t}"])) for s, t in EDGES]
        except (KeyError, ValueError) as exc:
            raise InvalidArchitectureError(
                f"not an NB201 configuration: {dict(config)!r} (expected keys "
                f"{', '.join(f'edge_{s}{t}' for s, t in EDGES)} with values in {OPS})"
            ) from exc
        return tuple(ops)  # type: ignore[return-value]

    # -------------------------------------------------------------- encodings
    def encode(self, arch: Arch201, kind: str) -> NDArray[np.float64]:
        self.check_encoding(kind)
        if kind == "categorical":
            return np.asarray(arch, dtype=np.float64)
        if kind == "nb211":
            return np.asarray([_ALPHABETICAL[o] for o in arch], dtype=np.float64)
        naslib = to_naslib(arch)
        if kind == "adjacency_one_hot":
            v = np.zeros(N_EDGES * N_OPS)
            for pos, o in enumerate(naslib):
                v[pos * N_OPS + o] = 1.0
            return v
        v = np.zeros(N_OPS + N_OPS**2 + N_OPS**3)
        for idx in path_indices(arch, naslib_quirk=(kind == "path_naslib")):
            v[idx] = 1.0
        return v


# NASLib positions (over op_indices) of the edges on each input→output path.
_TRUE_PATHS = ((2,), (0, 4), (1, 5), (0, 3, 5))
_NASLIB_BLUEPRINTS = ((3,), (0, 4), (1, 5), (0, 2, 5))
_NASLIB_NONE = NASLIB_OPS.index("none")


def path_indices(arch: Arch201, *, naslib_quirk: bool = False) -> list[int]:
    """Indices set by the path encoding (see :class:`NB201Space`)."""
    naslib = to_naslib(arch)
    out = []
    for path in _NASLIB_BLUEPRINTS if naslib_quirk else _TRUE_PATHS:
        ops = [naslib[p] for p in path]
        if not naslib_quirk and _NASLIB_NONE in ops:
            continue
        offset = sum(N_OPS**k for k in range(1, len(ops)))
        out.append(offset + sum(o * N_OPS**k for k, o in enumerate(ops)))
    return out
