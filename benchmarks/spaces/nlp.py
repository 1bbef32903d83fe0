"""The NAS-Bench-NLP recurrent-cell search space (Klyuchnikov et al., 2020).

A cell is a *recipe*: node name → ``{"op", "input"}`` over the base inputs ``x`` and
``h_prev_0..2``, with outputs ``h_new_0..``. An architecture is NASLib's *compact* form
``(edges, ops, hiddens)`` as a tuple of tuples; its canonical string
is the recipe JSON. NLP11 (NAS-Bench-x11) restricts the space to compacts of at most 12 nodes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from nas_sim.search_space import InvalidArchitectureError, SearchSpace

#: compact op dictionary (index = op id); the four base nodes have op 0
OPS: tuple[str, ...] = (
    "in",
    "activation_sigm",
    "activation_tanh",
    "activation_leaky_relu",
    "elementwise_sum",
    "elementwise_prod",
    "linear",
    "blend",
)
ACTIVATIONS = ("activation_sigm", "activation_tanh", "activation_leaky_relu")
BASE = ("x", "h_prev_0", "h_prev_1", "h_prev_2")
N_BASE = len(BASE)
#: NLP11's limit on the compact's node count (base slots included)
NLP11_MAX_NODES = 12
#: encoding width (node slots) of the unrestricted space; the largest real recipe has 19 nodes
DEFAULT_SLOTS = 24
_ARITY = {
    "activation_sigm": (1, 1),
    "activation_tanh": (1, 1),
    "activation_leaky_relu": (1, 1),
    "elementwise_sum": (2, 2),
    "elementwise_prod": (2, 2),
    "blend": (3, 3),
    "linear": (1, 3),
}
# ops whose inputs can be reordered without changing the function (blend's a·b + (1−a)·c cannot)
_COMMUTATIVE = {"linear", "elementwise_sum", "elementwise_prod"}
_HNEW = re.compile(r"^h_new_(\d+)$")

Compact = tuple[tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...]]


class RecipeError(InvalidArchitectureError):
    """A recipe that is not a valid NAS-Bench-NLP cell; the message names the node and field."""


# ------------------------------------------------------------------ recipes
def check_recipe(recipe: object, where: str = "recipe") -> dict[str, dict[str, object]]:
    """Validate a recipe dict; raise :class:`RecipeError` naming the bad node and field."""
    if not isinstance(recipe, Mapping) or not recipe:
        raise RecipeError(f"{where}: a recipe is a non-empty JSON object, got {recipe!r}")
    outs = sorted(int(m.group(1)) for k in recipe if (m := _HNEW.match(str(k))))
    if not outs or outs != list(range(len(outs))):
        raise RecipeError(
            f"{where}: outputs must be named h_new_0..h_new_<n-1> without gaps, got "
            f"{[k for k in recipe if str(k).startswith('h_new')]}"
        )
    if len(outs) > N_BASE - 1:
        raise RecipeError(f"{where}: {len(outs)} hidden states; at most {N_BASE - 1} are supported")
    for name, node in recipe.items():
        if name in BASE:
            raise RecipeError(f"{where}: base input {name!r} cannot be a recipe node")
        if not isinstance(node, Mapping) or "op" not in node or "input" not in node:
            raise RecipeError(f"{where}: node {name!r} must be {{'op': …, 'input': [...]}}")
        op, inputs = node["op"], node["input"]
        if op not in _ARITY:
            raise RecipeError(
                f"{where}: node {name!r} field 'op' is unknown op {op!r}; choose from: "
                f"{', '.join(_ARITY)}"
            )
        if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
            raise RecipeError(f"{where}: node {name!r} field 'input' must be a list of names")
        lo, hi = _ARITY[op]
        if not lo <= len(inputs) <= hi:
            raise RecipeError(
                f"{where}: node {name!r} ({op}) has {len(inputs)} inputs; it takes {lo}"
                + (f"..{hi}" if hi != lo else "")
            )
        for i in inputs:
            if i not in recipe and i not in BASE:
                raise RecipeError(f"{where}: node {name!r} field 'input' names unknown node {i!r}")
    return {str(k): dict(v) for k, v in recipe.items()}  # type: ignore[arg-type]


def recipe_to_compact(recipe: Mapping[str, Mapping[str, object]], where: str = "recipe") -> Compact:
    """NASLib's conversion: nodes numbered x, h_prev_0..2, then recipe order, edges in order of
    appearance; a node whose input is not yet numbered moves to the end (cycles are an error).

    ``hiddens`` lists the ``h_new_<i>`` nodes in order of ``i`` (NASLib matches any name
    *containing* "h_new", which breaks on names like ``h_new_1_part1``; we match exactly).
    """
    rec = check_recipe(recipe, where)
    order = list(rec)
    moves = 0
    while True:
        num = {b: i for i, b in enumerate(BASE)}
        edges: list[tuple[int, int]] = []
        ops: list[int] = [0] * N_BASE
        late = None
        for name in order:
            inputs = cast("list[str]", rec[name]["input"])  # check_recipe checked it is one
            if any(i not in num for i in inputs):
                late = name
                break
            num[name] = len(ops)
            ops.append(OPS.index(str(rec[name]["op"])))
            edges.extend((num[i], num[name]) for i in inputs)
        if late is None:
            break
        order.remove(late)
        order.append(late)
        moves += 1
        if moves > len(order) ** 2:
            raise RecipeError(f"{where}: the recipe has a cycle (node {late!r} depends on itself)")
    hiddens = sorted((int(_HNEW.match(n).group(1)), num[n]) for n in rec if _HNEW.match(n))  # type: ignore[union-attr]
    return (tuple(edges), tuple(ops), tuple(i for _, i in hiddens))


def compact_to_recipe(compact: Compact) -> dict[str, dict[str, object]]:
    """Recipe of a compact: nodes named ``node_<index>``, hidden outputs ``h_new_<m>``."""
    edges, ops, hiddens = compact
    names = list(BASE) + [f"node_{i}" for i in range(N_BASE, len(ops))]
    for m, i in enumerate(hiddens):
        names[i] = f"h_new_{m}"
    recipe: dict[str, dict[str, object]] = {}
    for i in range(N_BASE, len(ops)):
        recipe[names[i]] = {"op": OPS[ops[i]], "input": [names[s] for s, d in edges if d == i]}
    return recipe


def check_compact(arch: object, max_nodes: int | None = None) -> Compact:
    """Validate a compact triple; raise :class:`InvalidArchitectureError` naming the problem."""
    if not isinstance(arch, tuple) or len(arch) != 3:
        raise InvalidArchitectureError(
            f"an NLP architecture is a compact (edges, ops, hiddens) tuple, got {arch!r}"
        )
    edges, ops, hiddens = arch
    n = len(ops)
    if tuple(ops[:N_BASE]) != (0,) * N_BASE or any(not 1 <= o < len(OPS) for o in ops[N_BASE:]):
        raise InvalidArchitectureError(
            f"NLP compact ops must start with {N_BASE} zeros ('in') followed by op ids 1..7, got {ops!r}"
        )
    if n <= N_BASE:
        raise InvalidArchitectureError(f"NLP compact {arch!r} has no recipe nodes")
    if max_nodes is not None and n > max_nodes:
        raise InvalidArchitectureError(
            f"NLP compact has {n} nodes; this space allows at most {max_nodes} (NLP11's limit)"
        )
    indeg = [0] * n
    for e in edges:
        if not (isinstance(e, tuple) and len(e) == 2 and 0 <= e[0] < e[1] < n and e[1] >= N_BASE):
            raise InvalidArchitectureError(
                f"bad NLP compact edge {e!r}: need (src, dst) with src < dst < {n}, dst >= {N_BASE}"
            )
        indeg[e[1]] += 1
    for i in range(N_BASE, n):
        lo, hi = _ARITY[OPS[ops[i]]]
        if not lo <= indeg[i] <= hi:
            raise InvalidArchitectureError(
                f"NLP compact node {i} ({OPS[ops[i]]}) has {indeg[i]} inputs; it takes {lo}"
                + (f"..{hi}" if hi != lo else "")
            )
    if (
        not hiddens
        or len(set(hiddens)) != len(hiddens)
        or any(not N_BASE <= h < n for h in hiddens)
    ):
        raise InvalidArchitectureError(f"NLP compact hiddens {hiddens!r} must be distinct node ids")
    if len(hiddens) > N_BASE - 1:
        raise InvalidArchitectureError(f"NLP compact has {len(hiddens)} hiddens; at most 3")
    return (tuple(map(tuple, edges)), tuple(ops), tuple(hiddens))  # type: ignore[return-value]


def canonical_compact(arch: Compact) -> Compact:
    """Drop nodes that feed no hidden output and renumber the rest in a canonical topological
    order (ready nodes sorted by a hash of the expression they compute), so recipes that differ
    only in node names, key order or dead nodes get the same compact."""
    edges, ops, hiddens = arch
    n = len(ops)
    inputs: list[list[int]] = [[] for _ in range(n)]
    for s, d in edges:
        inputs[d].append(s)
    live, stack = set(hiddens), list(hiddens)
    while stack:
        for s in inputs[stack.pop()]:
            if s >= N_BASE and s not in live:
                live.add(s)
                stack.append(s)
    role = {h: m for m, h in enumerate(hiddens)}
    sig: dict[int, str] = {i: f"in{i}" for i in range(N_BASE)}
    for i in range(N_BASE, n):  # compacts are topologically ordered
        args = [sig[s] for s in inputs[i]]
        if OPS[ops[i]] in _COMMUTATIVE:
            args.sort()
        text = f"{ops[i]}({','.join(args)})H{role.get(i, -1)}"
        sig[i] = hashlib.md5(text.encode()).hexdigest()
    new_of = {i: i for i in range(N_BASE)}
    remaining = sorted(live)
    while remaining:
        ready = [i for i in remaining if all(s in new_of for s in inputs[i])]
        nxt = min(ready, key=lambda i: (sig[i], i))
        new_of[nxt] = len(new_of)
        remaining.remove(nxt)
    old_of = sorted(new_of, key=new_of.get)  # type: ignore[arg-type]
    new_edges: list[tuple[int, int]] = []
    for old in old_of[N_BASE:]:
        srcs = [new_of[s] for s in inputs[old]]
        if OPS[ops[old]] in _COMMUTATIVE:
            srcs.sort()
        new_edges.extend((s, new_of[old]) for s in srcs)
    return (
        tuple(new_edges),
        tuple(ops[i] for i in old_of),
        tuple(new_of[h] for h in hiddens),
    )


# ------------------------------------------------------------------- space
class NLPSpace(SearchSpace[Compact]):
    """NAS-Bench-NLP (Klyuchnikov et al. 2020, "NAS-Bench-NLP: Neural Architecture Search Benchmark
    for Natural Language Processing"); with ``max_nodes=12`` the NLP11 space of NAS-Bench-x11
    (Yan et al. 2021).

    Sampling is the original NAS-Bench-NLP generator, redrawn until
    the compact has at most ``max_nodes`` nodes. Mutation and the neighbourhood follow NASLib
    (§1.4.4): move the source of one edge that starts at a recipe node, or swap the op of an
    activation / elementwise node within its arity group. ``canonical`` is
    :func:`canonical_compact`.

    Encodings:

    - ``adjacency_one_hot``: ``S×S`` adjacency (the last node mapped to slot ``S−1``) + a one-hot
      of 8 ops per slot, with ``S = max_nodes`` (or 24 when unrestricted).
    - ``nlp11`` (185): NAS-Bench-x11's NLP11 architecture features — 13×13 adjacency with the last
      node remapped to 12, 13 op ids, hidden indices padded to 3 (not remapped, as upstream).
      Only for compacts of at most 12 nodes. The surrogate appends three epoch features.
    """

    name = "nlp"
    encodings = ("adjacency_one_hot", "nlp11")

    def __init__(self, max_nodes: int | None = None) -> None:
        if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes <= N_BASE + 1):
            raise ValueError(f"max_nodes must be an int > {N_BASE + 1} or None, got {max_nodes!r}")
        self.max_nodes = max_nodes

    @property
    def slots(self) -> int:
        return self.max_nodes if self.max_nodes is not None else DEFAULT_SLOTS

    # ---------------------------------------------------------------- strings
    def parse(self, text: str) -> Compact:
        """A recipe JSON string (NAS-Bench-NLP's ``recepie`` field) → compact."""
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"an NLP arch string is recipe JSON, got {text!r}")
        try:
            recipe = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidArchitectureError(
                f"NLP arch string is not valid recipe JSON: {exc}"
            ) from exc
        return self.from_recipe(recipe)

    def from_recipe(
        self, recipe: Mapping[str, Mapping[str, object]], where: str = "recipe"
    ) -> Compact:
        return check_compact(recipe_to_compact(recipe, where), self.max_nodes)

    def format(self, arch: Compact) -> str:
        arch = check_compact(arch, self.max_nodes)
        return json.dumps(compact_to_recipe(arch), separators=(",", ":"))

    def validate(self, arch: Compact) -> None:
        check_compact(arch, self.max_nodes)

    def canonical(self, arch: Compact) -> Compact:
        return canonical_compact(check_compact(arch, self.max_nodes))

    # ------------------------------------------------------------- operators
    def sample(self, rng: np.random.Generator) -> Compact:
        while True:
            recipe = generate_recipe(rng)
            if recipe is None:
                continue
            arch = recipe_to_compact(recipe)
            if self.max_nodes is None or len(arch[1]) <= self.max_nodes:
                return arch

    def _edge_moves(self, arch: Compact) -> list[tuple[int, int]]:
        edges = arch[0]
        return [
            (k, src)
            for k, (s, d) in enumerate(edges)
            if s >= N_BASE
            for src in range(N_BASE, d)
            if src != s
        ]

    def _op_moves(self, arch: Compact) -> list[tuple[int, int]]:
        ops = arch[1]
        indeg = [0] * len(ops)
        for _, d in arch[0]:
            indeg[d] += 1
        groups = {1: (1, 2, 3), 2: (4, 5)}
        moves = []
        for i in range(N_BASE, len(ops)):
            if OPS[ops[i]] in ("linear", "blend"):
                continue
            moves += [(i, o) for o in groups.get(indeg[i], ()) if o != ops[i]]
        return moves

    @staticmethod
    def _apply(arch: Compact, kind: str, move: tuple[int, int]) -> Compact:
        edges, ops, hiddens = arch
        if kind == "edge":
            k, src = move
            e = list(edges)
            e[k] = (src, e[k][1])
            return (tuple(e), ops, hiddens)
        i, op = move
        o = list(ops)
        o[i] = op
        return (edges, tuple(o), hiddens)

    def mutate(self, arch: Compact, rng: np.random.Generator) -> Compact:
        arch = check_compact(arch, self.max_nodes)
        kinds = [("edge", self._edge_moves(arch)), ("op", self._op_moves(arch))]
        first = int(rng.integers(2))
        for kind, moves in (kinds[first], kinds[1 - first]):  # the other type if one is impossible
            if moves:
                if kind == "edge":  # NASLib: pick an edge, then a new source
                    ks = sorted({k for k, _ in moves})
                    k = ks[int(rng.integers(len(ks)))]
                    srcs = [s for kk, s in moves if kk == k]
                    return self._apply(arch, kind, (k, srcs[int(rng.integers(len(srcs)))]))
                nodes = sorted({i for i, _ in moves})
                i = nodes[int(rng.integers(len(nodes)))]
                alts = [o for ii, o in moves if ii == i]
                return self._apply(arch, kind, (i, alts[int(rng.integers(len(alts)))]))
        return arch  # a cell of linear/blend nodes fed only by base inputs has no mutation

    def neighbors(self, arch: Compact, rng: np.random.Generator) -> list[Compact]:
        arch = check_compact(arch, self.max_nodes)
        out = [self._apply(arch, "edge", m) for m in self._edge_moves(arch)]
        out += [self._apply(arch, "op", m) for m in self._op_moves(arch)]
        out = list(dict.fromkeys(out))
        order = rng.permutation(len(out))
        return [out[i] for i in order]

    # -------------------------------------------------------------- encodings
    def encode(self, arch: Compact, kind: str) -> NDArray[np.float64]:
        self.check_encoding(kind)
        edges, ops, hiddens = check_compact(arch, self.max_nodes)
        n = len(ops)
        if kind == "nlp11":
            if n > NLP11_MAX_NODES:
                raise InvalidArchitectureError(
                    f"the nlp11 encoding needs at most {NLP11_MAX_NODES} nodes, got {n}"
                )
            slots = NLP11_MAX_NODES + 1
        else:
            slots = self.slots
            if n > slots:
                raise InvalidArchitectureError(
                    f"NLP compact has {n} nodes; the encoding holds {slots} (set max_nodes)"
                )

        def remap(i: int) -> int:
            return slots - 1 if i == n - 1 else i

        adj = np.zeros((slots, slots))
        for s, d in edges:
            adj[remap(s), remap(d)] = 1.0
        if kind == "nlp11":
            op_vec = np.zeros(slots)
            op_vec[: n - 1] = ops[:-1]
            op_vec[-1] = ops[-1]
            hid = np.zeros(N_BASE - 1)
            hid[: len(hiddens)] = hiddens
            return np.concatenate([adj.ravel(), op_vec, hid])
        onehot = np.zeros((slots, len(OPS)))
        for i, o in enumerate(ops):
            onehot[remap(i), o] = 1.0
        return np.concatenate([adj.ravel(), onehot.ravel()])


class NLP11Space(NLPSpace):
    """The NLP11 space of NAS-Bench-x11 (Yan et al. 2021): NAS-Bench-NLP cells of at most 12
    compact nodes, as its surrogate was trained on."""

    name = "nlp11"

    def __init__(self) -> None:
        super().__init__(max_nodes=NLP11_MAX_NODES)


def generate_recipe(
    rng: np.random.Generator, hidden_tuple_size: int = 2, intermediate_vertices: int = 7
) -> dict[str, dict[str, object]] | None:
    """One draw of the NAS-Bench-NLP generator; None when the draw fails its sanity checks."""
    prev = [f"h_prev_{i}" for i in range(hidden_tuple_size)]
    recipe: dict[str, dict[str, Any]] = {}
    activated: list[str] = []
    i = 0
    main_ops = ("linear", "blend", "elementwise_prod", "elementwise_sum")
    while i < intermediate_vertices + hidden_tuple_size:
        op = main_ops[int(rng.choice(4, p=[0.5, 1 / 6, 1 / 6, 1 / 6]))]
        if op == "linear":
            cands = ["x", *prev, *activated]
            k = min(int(rng.choice([2, 3], p=[0.8, 0.2])), len(cands))
            inputs = [cands[j] for j in rng.choice(len(cands), size=k, replace=False)]
            recipe[f"node_{i}"] = {"op": "linear", "input": inputs}
            act = ACTIVATIONS[int(rng.integers(3))]
            recipe[f"node_{i + 1}"] = {"op": act, "input": [f"node_{i}"]}
            activated.append(f"node_{i + 1}")
            i += 2
        else:
            cands = [*prev, *recipe]
            k = 3 if op == "blend" else 2
            if len(cands) < k:
                continue
            inputs = [cands[j] for j in rng.choice(len(cands), size=k, replace=False)]
            recipe[f"node_{i}"] = {"op": op, "input": inputs}
            i += 1
    names = list(recipe)
    picks = rng.choice(len(names), size=hidden_tuple_size, replace=False)
    rename = {names[j]: f"h_new_{m}" for m, j in enumerate(picks)}
    recipe = {
        rename.get(k, k): {"op": v["op"], "input": [rename.get(x, x) for x in v["input"]]}
        for k, v in recipe.items()
    }
    keep, stack = set(), [f"h_new_{m}" for m in range(hidden_tuple_size)]
    while stack:
        node = stack.pop()
        if node in keep or node not in recipe:
            continue
        keep.add(node)
        stack.extend(recipe[node]["input"])
    recipe = {k: v for k, v in recipe.items() if k in keep}
    used = {x for v in recipe.values() for x in v["input"]}
    if not {"x", *prev} <= used:
        return None
    for m in range(hidden_tuple_size):
        if any(x.startswith("h_prev") for x in recipe[f"h_new_{m}"]["input"]):
            return None
    return recipe
