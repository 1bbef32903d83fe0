"""The DARTS cell search space (Liu et al., ICLR 2019), as tabulated by NAS-Bench-301.

An architecture is a pair of cells ``(normal, reduce)``; each cell is a tuple of 8
``(input_node, op_index)`` pairs, pairs ``2k`` and ``2k+1`` feeding intermediate node ``k + 2``
from two distinct earlier nodes (NASLib's compact form, NB301 op order). The canonical string is
the DARTS ``Genotype(...)`` repr.
"""

from __future__ import annotations

import ast
import math
import re
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from nas_sim.search_space import InvalidArchitectureError, SearchSpace

#: NB301 op order (indices 0..6)
OPS: tuple[str, ...] = (
    "max_pool_3x3",
    "avg_pool_3x3",
    "skip_connect",
    "sep_conv_3x3",
    "sep_conv_5x5",
    "dil_conv_3x3",
    "dil_conv_5x5",
)
N_NODES = 4
N_PAIRS = 2 * N_NODES
CELL_TYPES = ("normal", "reduce")
PREFIX = "NetworkSelectorDatasetInfo:darts:"
#: first edge id of each intermediate node in NB301's config (edges 0–1 feed node 2, …)
EDGE_START = (0, 2, 5, 9)
#: allowed input pairs of intermediate nodes 3, 4, 5 in NB301's choice order
INPUT_CHOICES: dict[int, tuple[str, ...]] = {
    k: tuple(f"{a}_{b}" for a in range(k) for b in range(a + 1, k)) for k in (3, 4, 5)
}
#: cells per architecture × (∏ C(k+2,2) · 7²)
SIZE = (math.prod(math.comb(k + 2, 2) * len(OPS) ** 2 for k in range(N_NODES))) ** 2

Cell = tuple[tuple[int, int], ...]
DartsArch = tuple[Cell, Cell]


def _check_cell(cell: object, which: str) -> Cell:
    if not isinstance(cell, (tuple, list)) or len(cell) != N_PAIRS:
        raise InvalidArchitectureError(
            f"DARTS {which} cell must have {N_PAIRS} pairs, got {cell!r}"
        )
    out = []
    for j, pair in enumerate(cell):
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidArchitectureError(
                f"DARTS {which} pair {j} must be (input, op), got {pair!r}"
            )
        node, op = pair
        if not isinstance(node, (int, np.integer)) or not 0 <= node <= j // 2 + 1:
            raise InvalidArchitectureError(
                f"DARTS {which} pair {j} (node {j // 2 + 2}) has input {node!r}; valid inputs are "
                f"0..{j // 2 + 1}"
            )
        if not isinstance(op, (int, np.integer)) or not 0 <= op < len(OPS):
            raise InvalidArchitectureError(
                f"DARTS {which} pair {j} has op index {op!r}; valid are 0..{len(OPS) - 1}"
            )
        out.append((int(node), int(op)))
    for k in range(N_NODES):
        if out[2 * k][0] == out[2 * k + 1][0]:
            raise InvalidArchitectureError(
                f"DARTS {which} node {k + 2} takes input {out[2 * k][0]} twice; the two inputs of "
                "a node must differ"
            )
    return tuple(out)


def check_arch(arch: object) -> DartsArch:
    if not isinstance(arch, tuple) or len(arch) != 2:
        raise InvalidArchitectureError(
            f"a DARTS architecture is a (normal, reduce) pair of cells, got {arch!r}"
        )
    return (_check_cell(arch[0], "normal"), _check_cell(arch[1], "reduce"))


# ---------------------------------------------------------------- genotype
def to_genotype(arch: DartsArch) -> dict[str, list[tuple[str, int]]]:
    """``{'normal': [(op_name, input), …], 'reduce': […]}`` (DARTS genotype lists)."""
    return {t: [(OPS[op], node) for node, op in cell] for t, cell in zip(CELL_TYPES, arch)}


def from_genotype(normal: list[tuple[str, int]], reduce: list[tuple[str, int]]) -> DartsArch:
    cells = []
    for which, lst in (("normal", normal), ("reduce", reduce)):
        cell = []
        if not isinstance(lst, (list, tuple)):
            raise InvalidArchitectureError(f"DARTS genotype {which} must be a list, got {lst!r}")
        for j, item in enumerate(lst):
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise InvalidArchitectureError(
                    f"DARTS genotype {which}[{j}] must be (op_name, input), got {item!r}"
                )
            name, node = item
            if name not in OPS:
                raise InvalidArchitectureError(
                    f"unknown DARTS op {name!r} in {which}[{j}]; choose from: {', '.join(OPS)}"
                )
            cell.append((node, OPS.index(name)))
        cells.append(tuple(cell))
    return check_arch(tuple(cells))


def format_genotype(arch: DartsArch) -> str:
    g = to_genotype(arch)
    return (
        f"Genotype(normal={g['normal']!r}, normal_concat=[2, 3, 4, 5], "
        f"reduce={g['reduce']!r}, reduce_concat=[2, 3, 4, 5])"
    )


_LIST_RE = {t: re.compile(rf"\b{t}\s*=\s*(\[[^\]]*\])") for t in CELL_TYPES}


def parse_genotype(text: str) -> DartsArch:
    if not isinstance(text, str):
        raise InvalidArchitectureError(f"DARTS genotype must be a str, got {text!r}")
    lists = {}
    for t, rx in _LIST_RE.items():
        m = rx.search(text)
        if m is None:
            raise InvalidArchitectureError(
                f"malformed DARTS genotype {text!r}: no '{t}=[(op, input), …]' list"
            )
        try:
            lists[t] = ast.literal_eval(m.group(1))
        except (ValueError, SyntaxError) as exc:
            raise InvalidArchitectureError(
                f"malformed {t} list in DARTS genotype {text!r}"
            ) from exc
    return from_genotype(lists["normal"], lists["reduce"])


# ---------------------------------------------------------- NB301 config dict
def to_config(arch: DartsArch) -> dict[str, str]:
    """The architecture part of NB301's ConfigSpace dict (active hyperparameters only)."""
    arch = check_arch(arch)
    out: dict[str, str] = {}
    for t, cell in zip(CELL_TYPES, arch):
        for k in range(N_NODES):
            a, b = cell[2 * k], cell[2 * k + 1]
            for node, op in (a, b):
                out[f"{PREFIX}edge_{t}_{EDGE_START[k] + node}"] = OPS[op]
            if k > 0:
                lo, hi = sorted((a[0], b[0]))
                out[f"{PREFIX}inputs_node_{t}_{k + 2}"] = f"{lo}_{hi}"
    return out


def from_config(config: dict[str, object]) -> DartsArch:
    """Architecture from an NB301 config dict (prefixed keys; other keys are ignored)."""
    cells = []
    for t in CELL_TYPES:
        cell = []
        for k in range(N_NODES):
            found = []
            for node in range(k + 2):
                key = f"{PREFIX}edge_{t}_{EDGE_START[k] + node}"
                if key in config:
                    name = config[key]
                    if name not in OPS:
                        raise InvalidArchitectureError(
                            f"config field {key!r} has unknown op {name!r}; choose from: "
                            f"{', '.join(OPS)}"
                        )
                    found.append((node, OPS.index(str(name))))
            if len(found) != 2:
                lo, hi = EDGE_START[k], EDGE_START[k] + k + 1
                raise InvalidArchitectureError(
                    f"config has {len(found)} active edges for {t} node {k + 2} (fields "
                    f"{PREFIX}edge_{t}_{lo}..{hi}); exactly 2 are required"
                )
            if k > 0:
                key = f"{PREFIX}inputs_node_{t}_{k + 2}"
                want = f"{found[0][0]}_{found[1][0]}"
                if key in config and config[key] != want:
                    raise InvalidArchitectureError(
                        f"config field {key!r} is {config[key]!r} but the active edges say {want!r}"
                    )
            cell.extend(found)
        cells.append(tuple(cell))
    return check_arch(tuple(cells))


#: Fixed training hyperparameters NB301 / NB311 merge with the architecture (§2.4.3).
NB301_FIXED: dict[str, object] = {
    "CreateImageDataLoader:batch_size": 96,
    "ImageAugmentation:augment": True,
    "ImageAugmentation:autoaugment": False,
    "ImageAugmentation:cutout": True,
    "ImageAugmentation:cutout_holes": 1,
    "ImageAugmentation:cutout_length": 16,
    "ImageAugmentation:fastautoaugment": False,
    "LossModuleSelectorIndices:loss_module": "cross_entropy",
    f"{PREFIX}auxiliary": True,
    f"{PREFIX}drop_path_prob": 0.2,
    f"{PREFIX}init_channels": 32,
    f"{PREFIX}layers": 8,
    "NetworkSelectorDatasetInfo:network": "darts",
    "OptimizerSelector:optimizer": "sgd",
    "OptimizerSelector:sgd:learning_rate": 0.025,
    "OptimizerSelector:sgd:momentum": 0.9,
    "OptimizerSelector:sgd:weight_decay": 0.0003,
    "SimpleLearningrateSchedulerSelector:cosine_annealing:T_max": 100,
    "SimpleLearningrateSchedulerSelector:cosine_annealing:eta_min": 1e-8,
    "SimpleLearningrateSchedulerSelector:lr_scheduler": "cosine_annealing",
    "SimpleTrainNode:batch_loss_computation_technique": "mixup",
    "SimpleTrainNode:mixup:alpha": 0.2,
}


def _int(lo: float, hi: float, log: bool = False) -> tuple[str, float, float, bool]:
    # ConfigSpace 0.4.x widens integer bounds by 0.49999 before normalising
    return ("float", lo - 0.49999, hi + 0.49999, log)


_CAT = ("cat", 0.0, 0.0, False)
_NORMAL_LOG = ("normal_log", 0.0, 0.0, False)


def _nb301_vector_spec() -> list[tuple[str, tuple[str, float, float, bool]]]:
    edge = ("op", 0.0, 0.0, False)
    node = ("inputs", 0.0, 0.0, False)
    spec: list[tuple[str, tuple[str, float, float, bool]]] = [
        ("CreateImageDataLoader:batch_size", _int(64, 128, log=True)),
        ("ImageAugmentation:augment", _CAT),
        ("ImageAugmentation:autoaugment", _CAT),
        ("ImageAugmentation:cutout", _CAT),
        ("ImageAugmentation:cutout_holes", _int(1, 3)),
        ("ImageAugmentation:cutout_length", _int(1, 50)),
        ("ImageAugmentation:fastautoaugment", _CAT),
        ("LossModuleSelectorIndices:loss_module", _CAT),
        (f"{PREFIX}auxiliary", _CAT),
        (f"{PREFIX}drop_path_prob", _CAT),
        (f"{PREFIX}edge_normal_0", edge),
        (f"{PREFIX}edge_normal_1", edge),
        (f"{PREFIX}edge_reduce_0", edge),
        (f"{PREFIX}edge_reduce_1", edge),
        (f"{PREFIX}init_channels", _int(1, 10000)),
        *[(f"{PREFIX}inputs_node_{t}_{k}", node) for t in CELL_TYPES for k in (3, 4, 5)],
        (f"{PREFIX}layers", _int(1, 10000)),
        ("NetworkSelectorDatasetInfo:network", _CAT),
        ("OptimizerSelector:optimizer", _CAT),
        ("OptimizerSelector:sgd:learning_rate", _NORMAL_LOG),
        ("OptimizerSelector:sgd:momentum", ("float", 0.1, 0.99, False)),
        ("OptimizerSelector:sgd:weight_decay", _NORMAL_LOG),
        ("SimpleLearningrateSchedulerSelector:cosine_annealing:T_max", _int(1, 10000)),
        (
            "SimpleLearningrateSchedulerSelector:cosine_annealing:eta_min",
            ("float", 0, 10000, False),
        ),
        ("SimpleLearningrateSchedulerSelector:lr_scheduler", _CAT),
        ("SimpleTrainNode:batch_loss_computation_technique", _CAT),
        ("SimpleTrainNode:mixup:alpha", ("float", 0.01, 0.7, True)),
    ]
    # conditional edges come last, sorted by name as strings (so 10 sorts before 2)
    for t in CELL_TYPES:
        for e in sorted(map(str, range(2, 14))):
            spec.append((f"{PREFIX}edge_{t}_{e}", edge))
    return spec


#: The 56 NB301 input dimensions in ConfigSpace 0.4.x order (what the x11 models consume).
NB301_VECTOR_SPEC = _nb301_vector_spec()
NB301_VECTOR_NAMES: tuple[str, ...] = tuple(n for n, _ in NB301_VECTOR_SPEC)


def nb301_vector(arch: DartsArch) -> NDArray[np.float64]:
    """The 56-value NB301/NB311 input vector, ConfigSpace 0.4.x normalisation and order.

    ConfigSpace >= 1.0 orders the same hyperparameters differently and normalises integers
    without the ±0.49999 widening, constants to 1 and normal floats differently, so the vector is
    computed here explicitly by the 0.4.x rules; inactive edges are −1 as in x11.
    """
    config: dict[str, object] = {**NB301_FIXED, **to_config(arch)}
    out = np.empty(len(NB301_VECTOR_SPEC))
    for i, (name, (kind, lo, hi, log)) in enumerate(NB301_VECTOR_SPEC):
        if name not in config:
            out[i] = -1.0
            continue
        value = config[name]
        if kind == "op":
            out[i] = OPS.index(str(value))
        elif kind == "inputs":
            k = int(name.rsplit("_", 1)[1])
            out[i] = INPUT_CHOICES[k].index(str(value))
        elif kind == "cat":
            out[i] = 0.0  # every fixed categorical takes its first choice; constants are 0
        elif kind == "normal_log":
            out[i] = math.log(float(value))  # type: ignore[arg-type]
        elif log:
            out[i] = (math.log(float(value)) - math.log(lo)) / (math.log(hi) - math.log(lo))  # type: ignore[arg-type]
        else:
            out[i] = (float(value) - lo) / (hi - lo)  # type: ignore[arg-type]
    return out


@lru_cache(maxsize=1)
def configspace():  # type: ignore[no-untyped-def]
    """The architecture part of NB301's search space as a ConfigSpace (>= 1.0) object.

    Used to check configs (active/inactive edges); the model vector is :func:`nb301_vector`.
    """
    from ConfigSpace import Categorical, ConfigurationSpace, EqualsCondition, InCondition

    cs = ConfigurationSpace()
    for t in CELL_TYPES:
        inputs = {}
        for k in (3, 4, 5):
            inputs[k] = Categorical(f"{PREFIX}inputs_node_{t}_{k}", list(INPUT_CHOICES[k]))
            cs.add(inputs[k])
        for k in range(N_NODES):
            for node in range(k + 2):
                hp = Categorical(f"{PREFIX}edge_{t}_{EDGE_START[k] + node}", list(OPS))
                cs.add(hp)
                if k == 0:
                    continue
                parents = [c for c in INPUT_CHOICES[k + 2] if str(node) in c.split("_")]
                cond = (
                    EqualsCondition(hp, inputs[k + 2], parents[0])
                    if len(parents) == 1
                    else InCondition(hp, inputs[k + 2], parents)
                )
                cs.add(cond)
    return cs


def check_config(config: dict[str, object]) -> DartsArch:
    """Validate an NB301 config dict with ConfigSpace and return its architecture."""
    from ConfigSpace import Configuration

    arch = from_config(config)
    values = {
        k: v for k, v in config.items() if k.startswith(PREFIX + "edge_") or "inputs_node" in k
    }
    try:
        Configuration(configspace(), values=values).check_valid_configuration()
    except Exception as exc:  # ConfigSpace raises several types
        raise InvalidArchitectureError(f"invalid NB301 architecture config: {exc}") from exc
    return arch


# ------------------------------------------------------------------- space
class DartsSpace(SearchSpace[DartsArch]):
    """The DARTS space (Liu et al. 2019, "DARTS: Differentiable Architecture Search"), as used by
    NAS-Bench-301 (Siems et al. 2020) and NAS-Bench-x11 (Yan et al. 2021).

    Operators follow NASLib Develop: sampling draws, per node, two
    distinct inputs and two ops; mutation changes one op or one input of one pair and repeats
    until the child differs from the parent; the neighbourhood is every single op or input change
    (120 neighbours, shuffled). ``canonical`` sorts the two inputs of each node, since a node sums
    them (the order NB301's config dict implies).

    Encodings:

    - ``adjacency_one_hot`` (210): per cell the 7×7 node adjacency (output = node 6) and a one-hot
      of 7 per pair.
    - ``adjacency_naslib`` (114): NASLib's "adjacency_one_hot" for DARTS: adjacency + 8 raw op ints.
    - ``path`` (11,204): BANANAS' path encoding over all 8 pairs per cell.
    - ``path_naslib`` (11,204): NASLib's version, which ignores each cell's last pair.
    - ``nb301`` (56): the NB301/NB311 ConfigSpace vector (:func:`nb301_vector`).
    - ``categorical`` (32): [input, op, …] for both cells, BOHB's KDE input.
    """

    name = "darts"
    encodings = (
        "adjacency_one_hot",
        "adjacency_naslib",
        "path",
        "path_naslib",
        "nb301",
        "categorical",
    )

    @property
    def size(self) -> int:
        return SIZE

    def parse(self, text: str) -> DartsArch:
        return parse_genotype(text)

    def format(self, arch: DartsArch) -> str:
        return format_genotype(check_arch(arch))

    def validate(self, arch: DartsArch) -> None:
        check_arch(arch)

    def canonical(self, arch: DartsArch) -> DartsArch:
        arch = check_arch(arch)
        return tuple(  # type: ignore[return-value]
            tuple(p for k in range(N_NODES) for p in sorted(cell[2 * k : 2 * k + 2]))
            for cell in arch
        )

    # ------------------------------------------------------------- operators
    def sample(self, rng: np.random.Generator) -> DartsArch:
        cells = []
        for _ in CELL_TYPES:
            cell = []
            for k in range(N_NODES):
                inputs = rng.choice(k + 2, size=2, replace=False)
                ops = rng.integers(0, len(OPS), size=2)
                cell += [(int(inputs[0]), int(ops[0])), (int(inputs[1]), int(ops[1]))]
            cells.append(tuple(cell))
        return tuple(cells)  # type: ignore[return-value]

    def mutate(self, arch: DartsArch, rng: np.random.Generator) -> DartsArch:
        arch = check_arch(arch)
        while True:
            c, j, field = int(rng.integers(2)), int(rng.integers(N_PAIRS)), int(rng.integers(2))
            cell = list(arch[c])
            node, op = cell[j]
            if field == 1:
                op = int(rng.integers(len(OPS)))
            else:
                new = int(rng.integers(j // 2 + 2))
                if new != cell[j ^ 1][0]:
                    node = new
            cell[j] = (node, op)
            child = list(arch)
            child[c] = tuple(cell)
            if tuple(child) != arch:
                return tuple(child)  # type: ignore[return-value]

    def neighbors(self, arch: DartsArch, rng: np.random.Generator) -> list[DartsArch]:
        arch = check_arch(arch)
        out: list[DartsArch] = []
        for c in range(2):
            for j in range(N_PAIRS):
                node, op = arch[c][j]
                changes = [(node, o) for o in range(len(OPS)) if o != op]
                changes += [
                    (n, op) for n in range(j // 2 + 2) if n != node and n != arch[c][j ^ 1][0]
                ]
                for pair in changes:
                    cell = list(arch[c])
                    cell[j] = pair
                    child = list(arch)
                    child[c] = tuple(cell)
                    out.append(tuple(child))  # type: ignore[arg-type]
        order = rng.permutation(len(out))
        return [out[i] for i in order]

    # -------------------------------------------------------------- encodings
    def encode(self, arch: DartsArch, kind: str) -> NDArray[np.float64]:
        self.check_encoding(kind)
        arch = check_arch(arch)
        if kind == "nb301":
            return nb301_vector(arch)
        if kind == "categorical":
            return np.array([x for cell in arch for pair in cell for x in pair], dtype=np.float64)
        if kind in ("path", "path_naslib"):
            v = np.zeros(4 * PATHS_PER_INPUT)
            for idx in path_indices(arch, naslib_quirk=(kind == "path_naslib")):
                v[idx] = 1.0
            return v
        parts = []
        for cell in arch:
            adj = np.zeros((N_NODES + 3, N_NODES + 3))
            for j, (node, _) in enumerate(cell):
                adj[node, j // 2 + 2] = 1.0
            adj[2 : 2 + N_NODES, N_NODES + 2] = 1.0
            parts.append(adj.ravel())
            ops = np.array([op for _, op in cell], dtype=np.int64)
            if kind == "adjacency_naslib":
                parts.append(ops.astype(np.float64))
            else:
                parts.append(np.eye(len(OPS))[ops].ravel())
        return np.concatenate(parts)


#: P = Σ_{i<5} 7^i, the index block size of one (cell, input) in the path encoding
PATHS_PER_INPUT = sum(len(OPS) ** i for i in range(5))


def path_indices(arch: DartsArch, *, naslib_quirk: bool = False) -> list[int]:
    """BANANAS path indices: every op sequence from a cell input to an intermediate node."""
    out = []
    n_pairs = len(OPS) if naslib_quirk else N_PAIRS  # NASLib loops to len(OPS) = 7 (quirk)
    for c, cell in enumerate(arch):
        builder: list[list[tuple[int, tuple[int, ...]]]] = [[] for _ in range(N_NODES)]
        for j in range(n_pairs):
            node, op = cell[j]
            new = (
                [(node, (op,))]
                if node < 2
                else [(src, ops + (op,)) for src, ops in builder[node - 2]]
            )
            builder[j // 2].extend(new)
            for src, ops in new:
                out.append(
                    c * 2 * PATHS_PER_INPUT
                    + src * PATHS_PER_INPUT
                    + sum(len(OPS) ** i * (o + 1) for i, o in enumerate(ops))
                )
    return sorted(set(out))
