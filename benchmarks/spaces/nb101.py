"""The NAS-Bench-101 cell search space (Ying et al., ICML 2019).

A cell is a DAG of at most 7 vertices and 9 edges; vertex 0 is the input, the last vertex the
output, and every interior vertex holds one of three ops. An architecture is an immutable
:class:`NB101Spec` (adjacency matrix + op names). Specs may be *unpruned* (as NASLib samples them);
validity, the MD5 graph hash and :meth:`NB101Space.canonical` work on the pruned graph.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from nas_sim.search_space import InvalidArchitectureError, SearchSpace

INPUT, OUTPUT = "input", "output"
CONV3X3, CONV1X1, MAXPOOL3X3 = "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"
#: interior ops in the canonical order used for hashing (labels 0, 1, 2)
OPS: tuple[str, ...] = (CONV3X3, CONV1X1, MAXPOOL3X3)
NUM_VERTICES = 7
MAX_EDGES = 9
#: number of unique (pruned, non-isomorphic, valid) cells
UNIQUE_CELLS = 423_624
_TRI = tuple((i, j) for i in range(NUM_VERTICES) for j in range(i + 1, NUM_VERTICES))


@dataclass(frozen=True)
class NB101Spec:
    """A cell: ``matrix`` (V×V 0/1 rows, strictly upper triangular) and ``ops`` (V names)."""

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    @classmethod
    def from_lists(cls, matrix: object, ops: object) -> NB101Spec:
        """Spec from nested lists / an array and a list of op names (validated for shape only)."""
        try:
            rows = tuple(tuple(int(x) for x in row) for row in np.asarray(matrix).tolist())
        except (TypeError, ValueError) as exc:
            raise InvalidArchitectureError(
                f"NB101 matrix must be a 0/1 matrix, got {matrix!r}"
            ) from exc
        if not isinstance(ops, (list, tuple)) or not all(isinstance(o, str) for o in ops):
            raise InvalidArchitectureError(f"NB101 ops must be a list of op names, got {ops!r}")
        spec = cls(rows, tuple(ops))
        _check_shape(spec)
        return spec

    @property
    def num_vertices(self) -> int:
        return len(self.ops)

    def as_array(self) -> NDArray[np.int64]:
        return np.asarray(self.matrix, dtype=np.int64).reshape(len(self.ops), len(self.ops))


def _check_shape(spec: NB101Spec) -> None:
    v = len(spec.ops)
    if v < 2 or len(spec.matrix) != v or any(len(r) != v for r in spec.matrix):
        raise InvalidArchitectureError(
            f"NB101 matrix must be square and match the {v} ops, got a "
            f"{len(spec.matrix)}-row matrix with row lengths {[len(r) for r in spec.matrix]}"
        )
    for i, row in enumerate(spec.matrix):
        for j, x in enumerate(row):
            if x not in (0, 1):
                raise InvalidArchitectureError(f"NB101 matrix entry [{i}][{j}] is {x}, not 0/1")
            if x and j <= i:
                raise InvalidArchitectureError(
                    f"NB101 matrix has edge {i}->{j}; it must be strictly upper triangular"
                )


def _reach(matrix: tuple[tuple[int, ...], ...], start: int, forward: bool) -> set[int]:
    v = len(matrix)
    seen, stack = {start}, [start]
    while stack:
        a = stack.pop()
        nxt = (
            (b for b in range(v) if matrix[a][b])
            if forward
            else (b for b in range(v) if matrix[b][a])
        )
        for b in nxt:
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return seen


def prune(spec: NB101Spec) -> NB101Spec:
    """Remove vertices not on an input→output path (NB101 ``ModelSpec`` pruning).

    Raises :class:`InvalidArchitectureError` when input and output are disconnected.
    """
    _check_shape(spec)
    v = spec.num_vertices
    keep = _reach(spec.matrix, 0, True) & _reach(spec.matrix, v - 1, False)
    if len(keep) < 2 or 0 not in keep or v - 1 not in keep:
        raise InvalidArchitectureError(
            "NB101 spec is invalid: the input is not connected to the output"
        )
    idx = sorted(keep)
    return NB101Spec(
        tuple(tuple(spec.matrix[i][j] for j in idx) for i in idx), tuple(spec.ops[i] for i in idx)
    )


def check_valid(spec: NB101Spec) -> NB101Spec:
    """The pruned spec, or :class:`InvalidArchitectureError` naming the violated rule."""
    _check_shape(spec)
    if spec.num_vertices > NUM_VERTICES:
        raise InvalidArchitectureError(
            f"NB101 spec has {spec.num_vertices} vertices; at most {NUM_VERTICES} are allowed"
        )
    if spec.ops[0] != INPUT or spec.ops[-1] != OUTPUT:
        raise InvalidArchitectureError(
            f"NB101 ops must start with {INPUT!r} and end with {OUTPUT!r}, got {list(spec.ops)}"
        )
    for o in spec.ops[1:-1]:
        if o not in OPS:
            raise InvalidArchitectureError(
                f"unknown NB101 op {o!r}; interior ops are: {', '.join(OPS)}"
            )
    pruned = prune(spec)
    edges = sum(map(sum, pruned.matrix))
    if edges > MAX_EDGES:
        raise InvalidArchitectureError(
            f"NB101 spec has {edges} edges after pruning; at most {MAX_EDGES} are allowed"
        )
    return pruned


def is_valid(spec: NB101Spec) -> bool:
    try:
        check_valid(spec)
    except InvalidArchitectureError:
        return False
    return True


def _labels(ops: tuple[str, ...]) -> list[int]:
    return [-1] + [OPS.index(o) for o in ops[1:-1]] + [-2]


def _wl_hashes(matrix: tuple[tuple[int, ...], ...], labels: list[int]) -> list[str]:
    v = len(matrix)
    ins = [[a for a in range(v) if matrix[a][b]] for b in range(v)]
    outs = [[b for b in range(v) if matrix[a][b]] for a in range(v)]
    hashes = [
        hashlib.md5(str((len(outs[i]), len(ins[i]), labels[i])).encode()).hexdigest()
        for i in range(v)
    ]
    for _ in range(v):
        hashes = [
            hashlib.md5(
                (
                    "".join(sorted(hashes[a] for a in ins[i]))
                    + "|"
                    + "".join(sorted(hashes[b] for b in outs[i]))
                    + "|"
                    + hashes[i]
                ).encode()
            ).hexdigest()
            for i in range(v)
        ]
    return hashes


def graph_hash(spec: NB101Spec) -> str:
    """The NB101 module hash (isomorphism-invariant MD5 fingerprint of the pruned graph)."""
    pruned = check_valid(spec)
    return _hash_pruned(pruned)


@lru_cache(maxsize=200_000)
def _hash_pruned(pruned: NB101Spec) -> str:
    return hashlib.md5(
        str(sorted(_wl_hashes(pruned.matrix, _labels(pruned.ops)))).encode()
    ).hexdigest()


@lru_cache(maxsize=200_000)
def _canonical_pruned(pruned: NB101Spec) -> NB101Spec:
    # Canonical vertex order: topological orders that always take a ready vertex of smallest WL
    # hash; ties (equal hashes) are branched over and the lexicographically smallest spec wins.
    # The candidate set is isomorphism-invariant, so isomorphic cells get the same representative.
    m, labels = pruned.matrix, _labels(pruned.ops)
    h = _wl_hashes(m, labels)
    v = len(m)
    best: tuple | None = None

    def extend(order: list[int]) -> None:
        nonlocal best
        if len(order) == v:
            key = (tuple(labels[i] for i in order), tuple(m[a][b] for a in order for b in order))
            if best is None or key < best[0]:
                best = (key, order)
            return
        placed = set(order)
        ready = [
            b for b in range(v) if b not in placed and all(a in placed for a in range(v) if m[a][b])
        ]
        top = min(h[b] for b in ready)
        for b in ready:
            if h[b] == top:
                extend(order + [b])

    extend([])
    assert best is not None
    order = best[1]
    return NB101Spec(
        tuple(tuple(m[a][b] for b in order) for a in order), tuple(pruned.ops[i] for i in order)
    )


def pad_to_cell(spec: NB101Spec) -> NB101Spec:
    """NASLib ``convert_to_cell``: a pruned n×n spec (n < 7) as a 7×7 spec.

    Rows/columns of the first n−1 vertices are kept, the output column moves to column 6, and the
    filler vertices are unconnected ``conv3x3-bn-relu``.
    """
    n = spec.num_vertices
    if n == NUM_VERTICES:
        return spec
    m = [[0] * NUM_VERTICES for _ in range(NUM_VERTICES)]
    for i in range(n - 1):
        for j in range(n - 1):
            m[i][j] = spec.matrix[i][j]
        m[i][NUM_VERTICES - 1] = spec.matrix[i][n - 1]
    ops = list(spec.ops[:-1]) + [CONV3X3] * (NUM_VERTICES - n) + [OUTPUT]
    return NB101Spec(tuple(map(tuple, m)), tuple(ops))


_FORMAT_RE = re.compile(r"^matrix=([01,]+);ops=([a-z0-9,\-]+)$")


class NB101Space(SearchSpace[NB101Spec]):
    """NAS-Bench-101 (Ying et al. 2019, "NAS-Bench-101: Towards Reproducible Neural Architecture
    Search").

    Operators follow NASLib: sampling draws a random 7×7 upper
    triangle and 5 ops until the spec is valid (the stored spec is unpruned); mutation flips each
    edge with probability 1/7 and changes each interior op with probability 1/3, retried until
    valid; the neighbourhood holds every valid single op change, removal of a used edge and
    addition of an edge that would be used. None of them ever returns an invalid spec.

    ``canonical`` returns the pruned spec in a canonical vertex order, identical for isomorphic
    cells; :func:`graph_hash` gives the official MD5 module hash used as key by the data files.

    Encodings (computed on the 7×7 spec; pruned smaller specs are padded as NASLib does):

    - ``adjacency_one_hot`` (36): 21 upper-triangle bits + a one-hot of 3 per interior vertex
      (conv1x1 [0,0,1], conv3x3 [0,1,0], maxpool [1,0,0]).
    - ``adjacency_cat`` (26): bits + ints (conv1x1 0, conv3x3 1, maxpool 2), BOHB's input.
    - ``adjacency_naszilla`` (26): bits + floats (conv1x1 0, conv3x3 0.5, maxpool 1), NB111's input.
    - ``path`` (364): BANANAS' path encoding, index Σ_k 3^k (m(op_k)+1) per input→output path.
    """

    name = "nb101"
    encodings = ("adjacency_one_hot", "adjacency_cat", "adjacency_naszilla", "path")

    @property
    def size(self) -> int:
        return UNIQUE_CELLS

    # ---------------------------------------------------------------- strings
    def format(self, arch: NB101Spec) -> str:
        self.validate(arch)
        rows = ",".join("".join(map(str, r)) for r in arch.matrix)
        return f"matrix={rows};ops={','.join(arch.ops)}"

    def parse(self, text: str) -> NB101Spec:
        """``matrix=0110,0001,0001,0000;ops=input,conv3x3-bn-relu,…,output`` or the JSON
        ``{"matrix": [[…]], "ops": […]}``."""
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"NB101 arch string must be a str, got {text!r}")
        text = text.strip()
        if text.startswith("{"):
            try:
                d = json.loads(text)
                spec = NB101Spec.from_lists(d["matrix"], d["ops"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InvalidArchitectureError(
                    f"malformed NB101 JSON spec {text!r}: expected keys 'matrix' and 'ops'"
                ) from exc
        else:
            m = _FORMAT_RE.match(text)
            if m is None:
                raise InvalidArchitectureError(
                    f"malformed NB101 arch string {text!r}: expected "
                    "'matrix=ROW,ROW,…;ops=input,OP,…,output' with ROW a string of 0/1"
                )
            rows = m.group(1).split(",")
            spec = NB101Spec(
                tuple(tuple(int(c) for c in r) for r in rows), tuple(m.group(2).split(","))
            )
        self.validate(spec)
        return spec

    def validate(self, arch: NB101Spec) -> None:
        if not isinstance(arch, NB101Spec):
            raise InvalidArchitectureError(f"an NB101 architecture is an NB101Spec, got {arch!r}")
        check_valid(arch)

    def canonical(self, arch: NB101Spec) -> NB101Spec:
        return _canonical_pruned(check_valid(arch))

    def hash(self, arch: NB101Spec) -> str:
        """The official NB101 module hash of ``arch``."""
        return graph_hash(arch)

    # ------------------------------------------------------------- operators
    def sample(self, rng: np.random.Generator) -> NB101Spec:
        while True:
            bits = rng.integers(0, 2, size=(NUM_VERTICES, NUM_VERTICES))
            m = np.triu(bits, 1)
            ops = [OPS[i] for i in rng.integers(0, len(OPS), size=NUM_VERTICES)]
            ops[0], ops[-1] = INPUT, OUTPUT
            spec = NB101Spec(tuple(map(tuple, m.tolist())), tuple(ops))
            if is_valid(spec):
                return spec

    def mutate(self, arch: NB101Spec, rng: np.random.Generator) -> NB101Spec:
        arch = pad_to_cell(arch)
        while True:
            m = [list(r) for r in arch.matrix]
            ops = list(arch.ops)
            flips = rng.random(len(_TRI)) < 1.0 / NUM_VERTICES
            for (i, j), f in zip(_TRI, flips):
                if f:
                    m[i][j] = 1 - m[i][j]
            for k in range(1, NUM_VERTICES - 1):
                if rng.random() < 1.0 / len(OPS):
                    others = [o for o in OPS if o != ops[k]]
                    ops[k] = others[int(rng.integers(len(others)))]
            child = NB101Spec(tuple(map(tuple, m)), tuple(ops))
            if is_valid(child):
                return child

    def neighbors(self, arch: NB101Spec, rng: np.random.Generator) -> list[NB101Spec]:
        arch = pad_to_cell(arch)
        v = NUM_VERTICES
        fwd, bwd = _reach(arch.matrix, 0, True), _reach(arch.matrix, v - 1, False)
        used = fwd & bwd
        out: list[NB101Spec] = []
        for k in range(1, v - 1):
            if k in used:
                for o in OPS:
                    if o != arch.ops[k]:
                        ops = list(arch.ops)
                        ops[k] = o
                        out.append(NB101Spec(arch.matrix, tuple(ops)))
        for i, j in _TRI:
            present = arch.matrix[i][j] == 1
            # an edge is used iff its source is reachable from the input and its target reaches
            # the output; adding an edge changes neither set for its own endpoints, so one test
            # covers used-edge removals and additions that would be used
            if not (i in fwd and j in bwd):
                continue
            m = [list(r) for r in arch.matrix]
            m[i][j] = 0 if present else 1
            out.append(NB101Spec(tuple(map(tuple, m)), arch.ops))
        out = [s for s in out if is_valid(s)]
        order = rng.permutation(len(out))
        return [out[i] for i in order]

    # -------------------------------------------------------------- encodings
    def encode(self, arch: NB101Spec, kind: str) -> NDArray[np.float64]:
        self.check_encoding(kind)
        cell = pad_to_cell(arch)
        if kind == "path":
            v = np.zeros(sum(len(OPS) ** k for k in range(NUM_VERTICES - 1)))
            for idx in path_indices(cell):
                v[idx] = 1.0
            return v
        tri = [float(cell.matrix[i][j]) for i, j in _TRI]
        interior = cell.ops[1:-1]
        if kind == "adjacency_one_hot":
            onehot = {CONV1X1: [0, 0, 1], CONV3X3: [0, 1, 0], MAXPOOL3X3: [1, 0, 0]}
            return np.array(tri + [x for o in interior for x in onehot[o]], dtype=np.float64)
        table = (
            {CONV1X1: 0.0, CONV3X3: 1.0, MAXPOOL3X3: 2.0}
            if kind == "adjacency_cat"
            else {CONV1X1: 0.0, CONV3X3: 0.5, MAXPOOL3X3: 1.0}
        )
        return np.array(tri + [table[o] for o in interior], dtype=np.float64)


def paths(spec: NB101Spec) -> list[list[str]]:
    """Interior op sequences of every input→output path (empty list = direct edge)."""
    m, v = spec.matrix, spec.num_vertices
    found: list[list[str]] = []

    def walk(node: int, ops: list[str]) -> None:
        for nxt in range(node + 1, v):
            if m[node][nxt]:
                if nxt == v - 1:
                    found.append(ops)
                else:
                    walk(nxt, ops + [spec.ops[nxt]])

    walk(0, [])
    return found


def path_indices(spec: NB101Spec) -> list[int]:
    """BANANAS path indices (m(conv3x3) = 0, m(conv1x1) = 1, m(maxpool) = 2)."""
    out = []
    for p in paths(spec):
        out.append(sum(len(OPS) ** k * (OPS.index(o) + 1) for k, o in enumerate(p)))
    return sorted(set(out))


__all__ = [
    "NB101Space",
    "NB101Spec",
    "OPS",
    "graph_hash",
    "is_valid",
    "check_valid",
    "prune",
    "pad_to_cell",
    "path_indices",
]
