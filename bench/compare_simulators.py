"""nas-sim against its peers on the same learning-curve table, side by side in one run.

Runs random search and plain REA (Real et al. 2019: population 20, tournament of 10 with
replacement, one mutation) with 1 and 4 workers on

- nas-sim (``rs`` and ``rea-plain`` on the embedded MNIST-1D table),
- a bare Python loop of the same logic (event heap, table look-up, incumbent, trajectory): the
  floor a Python simulator can reach,
- mfhpo-simulator (``ObjectiveFuncWrapper(ask_and_tell=True).simulate``) and
- Syne Tune's simulator backend (``UserBlackboxBackend`` over the same table as a
  ``BlackboxTabular``, so nothing is downloaded),

and prints simulated evaluations per second (medians over repeats) and the ratios of nas-sim to
each (medians of the ratios paired within a repeat). Runs are interleaved (every repeat runs
every system once, in a shuffled order), so machine load hits all of them alike.

The peers run in their own environment (they pin other numpy/pandas versions than nas-sim's):

    python3.11 -m venv /tmp/venvpeers
    /tmp/venvpeers/bin/pip install mfhpo-simulator==1.4.6 "syne-tune[blackbox-repository]==0.16.0" huggingface_hub
    python bench/compare_simulators.py --peers-python /tmp/venvpeers/bin/python

Without ``--peers-python`` only nas-sim and the bare loop run. Timings cover the simulation alone
(benchmark loading and process start-up are excluded for every system).
"""

from __future__ import annotations

import argparse
import heapq
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent / "peers"))
from peer_simulators import N_EDGES, N_OPS, Proposer, cell_index  # noqa: E402

NAS_SIM_OPTIMIZER = {"rs": "rs", "rea": "rea-plain"}


def export_table(bench, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Each NB201 cell's first stored run (final validation accuracy, full-training time)."""
    space = bench.space
    cells = space.all_architectures()
    rows = [bench.rows_of(a)[0] for a in cells]
    final = bench.curve_set.metrics[bench.objective][rows, -1]
    runtime = bench.curve_set.epoch_time_s[rows].sum(axis=1)
    assert [cell_index(a) for a in cells] == list(range(N_OPS**N_EDGES))
    np.savez(path, final=final, runtime_s=runtime)


def bare_loop(table: dict, optimizer: str, workers: int, evaluations: int, seed: int) -> float:
    """The same simulation as a plain loop: free workers get proposals, the earliest finish is
    popped, the proposer told, the incumbent and a trajectory point recorded."""
    final, runtime = table["final"].tolist(), table["runtime_s"].tolist()
    t0 = time.perf_counter()
    proposer = Proposer(optimizer, seed)
    heap: list[tuple[float, int, tuple[int, ...]]] = []
    now, seq, best = 0.0, 0, -1.0
    times: list[float] = []
    incumbents: list[float] = []
    for _ in range(workers):
        arch = proposer.propose()
        heapq.heappush(heap, (runtime[cell_index(arch)], seq, arch))
        seq += 1
    for _ in range(evaluations):
        now, _, arch = heapq.heappop(heap)
        value = final[cell_index(arch)]
        best = max(best, value)
        proposer.observe(arch, value)
        times.append(now)
        incumbents.append(best)
        arch = proposer.propose()
        heapq.heappush(heap, (now + runtime[cell_index(arch)], seq, arch))
        seq += 1
    return time.perf_counter() - t0


def nas_sim_run(bench, optimizer: str, workers: int, evaluations: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    from nas_sim import api

    opt = api.make_optimizer(NAS_SIM_OPTIMIZER[optimizer])
    t0 = time.perf_counter()
    res = api.run(bench, opt, seed=seed, budget=1e15, workers=workers, max_jobs=evaluations)
    dt = time.perf_counter() - t0
    assert res.summary.jobs == evaluations
    return dt


class Peers:
    """The peer worker (``bench/peers/peer_simulators.py``) in the peers' interpreter."""

    def __init__(self, python: str, table: Path) -> None:
        script = Path(__file__).parent / "peers" / "peer_simulators.py"
        self.proc = subprocess.Popen(
            [python, str(script), str(table)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def run(self, system: str, optimizer: str, workers: int, evaluations: int, seed: int) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        req = dict(system=system, optimizer=optimizer, workers=workers, seed=seed)
        self.proc.stdin.write(json.dumps({**req, "evaluations": evaluations}) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("RESULT "):
                return float(json.loads(line[7:])["seconds"])
        raise RuntimeError(f"the peer worker died running {system} {req}")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--peers-python", help="interpreter with mfhpo-simulator and syne-tune")
    ap.add_argument("--evaluations", default="1000,10000,100000", help="comma-separated")
    ap.add_argument("--syne-tune-max", type=int, default=1000, help="Syne Tune runs up to this")
    ap.add_argument("--workers", default="1,4")
    ap.add_argument("--optimizers", default="rs,rea")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from nas_sim import api

    bench = api.load_benchmark("mnist1d")
    bench.best_known  # noqa: B018 -- computed once, outside the timed runs
    table_path = Path(tempfile.mkdtemp()) / "table.npz"
    export_table(bench, table_path)
    table = dict(np.load(table_path))
    peers = Peers(args.peers_python, table_path) if args.peers_python else None
    systems = ["nas-sim", "bare loop"] + (["mfhpo", "syne-tune"] if peers else [])

    def measure(system: str, opt: str, w: int, n: int, seed: int) -> float:
        if system == "nas-sim":
            return nas_sim_run(bench, opt, w, n, seed)
        if system == "bare loop":
            return bare_loop(table, opt, w, n, seed)
        assert peers is not None
        return peers.run(system, opt, w, n, seed)

    cases = [
        (opt, int(w), int(n))
        for opt in args.optimizers.split(",")
        for w in args.workers.split(",")
        for n in args.evaluations.split(",")
    ]
    order = np.random.default_rng(0)
    seconds: dict[tuple[str, str, int, int], list[float]] = {}
    for rep in range(args.repeats):
        for opt, w, n in cases:
            todo = [s for s in systems if s != "syne-tune" or n <= args.syne_tune_max]
            for i in order.permutation(len(todo)):
                system = todo[i]
                seconds.setdefault((system, opt, w, n), []).append(measure(system, opt, w, n, rep))
        print(f"repeat {rep + 1}/{args.repeats} done", file=sys.stderr, flush=True)
    if peers is not None:
        peers.close()

    print(
        f"simulated evaluations/s, median of {args.repeats} interleaved repeats; ratio = nas-sim's "
        "rate / the other's (median of ratios paired within a repeat; > 1: nas-sim faster)"
    )
    print(
        f"{'optimizer':<9} {'workers':>7} {'evals':>7}  " + "  ".join(f"{s:>22}" for s in systems)
    )
    for opt, w, n in cases:
        ours = seconds[("nas-sim", opt, w, n)]
        cells = []
        for s in systems:
            t = seconds.get((s, opt, w, n))
            if t is None:
                cells.append(f"{'-':>22}")
                continue
            rate = statistics.median(n / x for x in t)
            ratio = statistics.median(b / a for a, b in zip(ours, t))
            cells.append(f"{rate:>12,.0f} ({ratio:5.2f}x)" if s != "nas-sim" else f"{rate:>22,.0f}")
        print(f"{opt:<9} {w:>7} {n:>7}  " + "  ".join(cells))
    print(
        "per-evaluation cost (µs, median): "
        + "; ".join(
            f"{opt} w{w} n{n}: "
            + ", ".join(
                f"{s} {statistics.median(seconds[(s, opt, w, n)]) / n * 1e6:.1f}"
                for s in systems
                if (s, opt, w, n) in seconds
            )
            for opt, w, n in cases
            if n == max(int(x) for x in args.evaluations.split(","))
        )
    )


if __name__ == "__main__":
    main()
