"""The CUDA checks of issue 18, run by ``bench/gpu_check.sh`` (one prepared script, < 5 min).

1. Surrogate: 1,000,000 noisy curves of ``mnist1d-surrogate`` through ``sample_rows_torch`` on
   the device (target <= 1 s after a warm-up call), and the device's values against numpy's for
   the first 1,000 rows (float64 on both: the counter RNG is integer hashing, so only the
   transcendental functions can differ, by a few ulp).
2. WPM: nas-sim's WPM has no CUDA backend (its torch backend compiles CPU kernels), so there is
   nothing to time on a GPU; the script says so instead of timing a CPU run under a GPU label.
3. Generator: the mnist1d v2 design's seed-batched trainer on the device, ``--gen-cells`` uniform
   cells x 3 seeds through ``generate()`` with ``--gen-workers`` processes sharing the device:
   runs per minute and the whole table's wall time at that rate; then seed 1 of the first cell
   trained alone, compared bit for bit with its curve from the 3-seed batch (on CPU the tests
   show they are equal; on CUDA this is the check).

Without CUDA (``--device cpu``, what CI and a CPU machine run) the same code runs on the CPU with
``--curves`` as given, so the script itself is tested where no GPU is.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--curves", type=int, default=1_000_000)
    ap.add_argument("--gen-cells", type=int, default=8, help="generator check: uniform cells")
    ap.add_argument("--gen-epochs", type=int, default=None, help="default: the v2 design's")
    ap.add_argument("--gen-workers", type=int, default=4, help="0: in this process")
    args = ap.parse_args()
    # deterministic cuBLAS needs this before CUDA starts (the generator's workers set it too)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    import torch

    from nas_sim import api

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("gpu_check: CUDA is not available here; run with --device cpu")
    bench = api.load_benchmark("mnist1d-surrogate")
    rng = np.random.default_rng(0)
    archs = [bench.space.sample(rng) for _ in range(min(args.curves, 15_625))]
    base = bench.rows(archs)
    rows = base[rng.integers(len(base), size=args.curves)]
    seeds = np.arange(args.curves, dtype=np.int64)

    def sync() -> None:
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()

    r_dev = torch.as_tensor(rows, device=args.device)
    s_dev = torch.as_tensor(seeds, device=args.device)
    bench.sample_rows_torch(r_dev[:1000], s_dev[:1000], device=args.device)  # warm-up, table move
    sync()
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = bench.sample_rows_torch(r_dev, s_dev, device=args.device)
        sync()
        times.append(time.perf_counter() - t0)
    best = min(times)
    target = " (target <= 1 s on a GPU)" if args.device.startswith("cuda") else ""
    print(
        f"surrogate on {args.device}: {args.curves:,} noisy curves in {best:.3f} s "
        f"(best of 3){target}"
    )
    ref = bench.sample_rows(rows[:1000], seeds[:1000])
    worst = max(float(np.max(np.abs(out[m][:1000].cpu().numpy() - ref[m]))) for m in bench.metrics)
    print(f"device vs numpy, first 1,000 curves, max |difference| over every metric: {worst:.2e}")
    print("WPM on CUDA: not available (WPM's torch backend compiles CPU kernels); nothing timed")
    generator_check(args.device, args.gen_cells, args.gen_epochs, args.gen_workers)


def generator_check(device: str, cells: int, epochs: int | None, workers: int) -> None:
    from nas_sim.benchmarks.offline.mnist1d.design import load_design
    from nas_sim.benchmarks.offline.mnist1d.generator import generate, runs_dir
    from nas_sim.benchmarks.offline.mnist1d.plan import pilot_plan, sparse_cell_strings
    from nas_sim.benchmarks.spaces.nb201 import NB201Space

    cfg, _ = load_design("v2")
    if epochs is not None:
        cfg = replace(cfg, training=replace(cfg.training, epochs=epochs))
    space, sparse = NB201Space(), set(sparse_cell_strings())
    jobs = [j for j in pilot_plan(cells, [0, 1, 2]) if space.format(j[0]) not in sparse]
    with tempfile.TemporaryDirectory() as tmp:
        batched, alone = Path(tmp) / "batched", Path(tmp) / "alone"
        t0 = time.perf_counter()
        generate(jobs, batched, cfg, device=device, workers=workers, log=io.StringIO())
        wall = time.perf_counter() - t0
        recs = {p.stem: json.loads(p.read_text()) for p in runs_dir(batched).glob("*.json")}
        arch = jobs[0][0]
        generate([(arch, 1)], alone, cfg, device=device, workers=0, log=io.StringIO())
        (one,) = [json.loads(p.read_text()) for p in runs_dir(alone).glob("*.json")]
    rate = len(recs) / wall * 60
    table_h = 6466 * 3 / rate / 60
    print(
        f"generator on {device}: {len(recs)} runs of design v2 ({cells} cells x 3 seeds, "
        f"{cfg.training.epochs} epochs) in {wall:.1f} s with {workers} worker(s), start-up "
        f"included: {rate:.1f} runs/min; the whole table (19,398 runs) at this rate: "
        f"{table_h:.1f} h"
    )
    twin = recs[one["key"]]
    keys = [k for k in one if isinstance(one[k], list) and not k.startswith("measured")]
    same = all(one[k] == twin[k] for k in keys)
    worst = max(float(np.max(np.abs(np.subtract(one[k], twin[k])))) for k in keys)
    print(
        f"seed 1 of {one['arch']} alone vs in its 3-seed batch on {device}: identical curves: "
        f"{same} (max |difference| {worst:.2e})"
    )


if __name__ == "__main__":
    main()
