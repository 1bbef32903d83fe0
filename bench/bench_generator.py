"""Throughput of the MNIST-1D NB201 generator: plain (one network per process) vs seed-batched.

    python bench/bench_generator.py [--design pilot-e] [--cells 6] [--epochs 3] [--seeds 0,1,2]

Trains the same jobs (the first ``--cells`` uniform cells of the pilot plan × ``--seeds``) twice
in this process with one torch thread, once with the ``plain`` trainer (mnist1d v1's, one network
at a time, the baseline) and once with the ``seed-batched`` one (every cell's seeds in one loop),
and prints CPU seconds per network-epoch (training pass + evaluation) and their ratio. CPU time
(process time) is what one idle core needs, and is little affected by other jobs; wall-clock
figures are printed too. ``--epochs`` overrides the design's to keep the bench short (the cost per
epoch does not depend on the epoch count).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from nas_sim.benchmarks.offline.mnist1d.design import load_design
from nas_sim.benchmarks.offline.mnist1d.generator import generate, runs_dir
from nas_sim.benchmarks.offline.mnist1d.plan import pilot_plan, sparse_cell_strings
from nas_sim.benchmarks.spaces.nb201 import NB201Space


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--design", default="pilot-e", help="design name or file")
    ap.add_argument("--cells", type=int, default=6)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    cfg, _ = load_design(args.design)
    cfg = replace(cfg, training=replace(cfg.training, epochs=args.epochs))
    seeds = [int(s) for s in args.seeds.split(",")]
    space, sparse = NB201Space(), set(sparse_cell_strings())
    jobs = [j for j in pilot_plan(args.cells, seeds) if space.format(j[0]) not in sparse]
    print(
        f"design={args.design} cells={args.cells} seeds={seeds} epochs={args.epochs} "
        f"runs={len(jobs)} device={args.device}"
    )
    per_epoch: dict[str, float] = {}
    for trainer in ("plain", "seed-batched"):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            generate(
                jobs,
                tmp,
                replace(cfg, trainer=trainer),
                device=args.device,
                workers=0,
                log=io.StringIO(),
            )
            wall = time.perf_counter() - t0
            recs = [json.loads(p.read_text()) for p in runs_dir(Path(tmp)).glob("*.json")]
        cpu = sum(r["run_cpu_s"] for r in recs)
        train_cpu = sum(sum(r["measured_epoch_cpu_s"]) for r in recs)
        n_epochs = len(recs) * args.epochs
        per_epoch[trainer] = cpu / n_epochs
        print(
            f"{trainer:>12}: {cpu / n_epochs:.3f} CPU-s per network-epoch "
            f"(training pass {train_cpu / n_epochs:.3f}, evaluation "
            f"{(cpu - train_cpu) / n_epochs:.3f}); {cpu / len(recs):.2f} CPU-s per run; "
            f"median run {statistics.median(r['run_cpu_s'] for r in recs):.2f}; "
            f"wall {wall:.1f} s"
        )
    ratio = per_epoch["plain"] / per_epoch["seed-batched"]
    print(f"seed-batched vs plain: {ratio:.2f}x per network-epoch")
    full = per_epoch["seed-batched"] * cfg_epochs(args.design) * 6466 * len(seeds) / 3600
    print(
        f"full table at this rate: {full:.1f} CPU-hours for 6,466 cells x {len(seeds)} seeds "
        f"({full / 2:.1f} h wall with 2 workers)"
    )


def cfg_epochs(design: str) -> int:
    return load_design(design)[0].training.epochs


if __name__ == "__main__":
    main()
