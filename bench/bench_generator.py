"""Throughput of the MNIST-1D NB201 generator on CPU: seconds per run and runs per minute.

    python bench/bench_generator.py [--runs 8] [--epochs 50] [--workers 1]

Trains the first ``--runs`` jobs of the priority plan (which starts with the sparse cells and a
uniform sample) into a temporary folder and prints per-run seconds (one torch thread each) and
the overall rate. Numbers depend on machine load; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nas_sim.benchmarks.mnist1d.generator import GeneratorConfig, generate, runs_dir  # noqa: E402
from nas_sim.benchmarks.mnist1d.plan import priority_plan  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1, help="0 = in this process")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    cfg = GeneratorConfig()
    cfg = replace(cfg, training=replace(cfg.training, epochs=args.epochs))
    # seed 0 only, so the sample is --runs different cells
    jobs = [j for j in priority_plan([0, 1, 2]) if j[1] == 0][: args.runs]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        generate(jobs, tmp, cfg, device=args.device, workers=args.workers, log=io.StringIO())
        wall = time.perf_counter() - t0
        recs = [json.loads(p.read_text()) for p in runs_dir(Path(tmp)).glob("*.json")]
    per_run = sorted(r["run_wall_s"] for r in recs)
    train_s = [sum(r["measured_epoch_time_s"]) for r in recs]
    cpu_s = sorted(r["run_cpu_s"] for r in recs)
    print(f"device={args.device} workers={args.workers} epochs={args.epochs} runs={len(recs)}")
    print(
        f"seconds per run (train+eval, one thread): median {statistics.median(per_run):.2f}, "
        f"min {per_run[0]:.2f}, max {per_run[-1]:.2f}; training passes only: median "
        f"{statistics.median(train_s):.2f}"
    )
    print(
        f"CPU seconds per run (what one idle core needs): median {statistics.median(cpu_s):.2f}, "
        f"min {cpu_s[0]:.2f}, max {cpu_s[-1]:.2f}, mean {statistics.mean(cpu_s):.2f}"
    )
    print(
        f"throughput: {len(recs) / wall * 60:.1f} runs/min overall (incl. worker start-up), "
        f"{60 / statistics.mean(per_run):.1f} runs/min per worker in steady state (wall clock), "
        f"{60 / statistics.mean(cpu_s):.1f} runs/min per idle core (CPU time)"
    )


if __name__ == "__main__":
    main()
