"""Benchmark suite execution: wall time of a suite on each executor against one local worker.

    python bench/bench_suite.py                          # x11_mnist1d, 3 seeds, local x1 / x2 / ray x2
    python bench/bench_suite.py --suite quick_mnist1d --seeds 0   # executors on a cheap suite
    python bench/bench_suite.py --seeds 30 --executors local:2   # the full preset (the 15-minute target)
    python bench/bench_suite.py --suite my.toml --benchmark-path mnist1d=curves.parquet

Prints, per executor: wall seconds, runs per second, speed-up over the baseline (the first
executor listed, by default one local worker), whether every result file is byte-identical to the
baseline's, the wall time extrapolated to the suite's full seed count, and the CPU seconds the
runs took (as their workers measured them), which on a machine shared with other work is the
better predictor of the time on otherwise idle cores. Then the mean CPU seconds per run of every
optimizer variant.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nas_sim.suite.cli import resolve_suite_file  # noqa: E402
from nas_sim.suite.executors import make_executor  # noqa: E402
from nas_sim.suite.parse import parse_suite, tomllib  # noqa: E402
from nas_sim.suite.suite_run import run_suite  # noqa: E402


def load(path: Path, seeds: int | None, overrides: dict[str, str]) -> tuple[object, int]:
    data = tomllib.loads(path.read_text())
    full = data["suite"].get("seeds", 1)
    full_n = full if isinstance(full, int) else len(full)
    if seeds is not None:
        data["suite"]["seeds"] = seeds
    spec = parse_suite(data, source=str(path), base_dir=path.parent, benchmark_paths=overrides)
    return spec, full_n


def files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "runs").glob("*.json"))}


class _Recorder:
    """CPU and wall seconds of every run, as its worker measured them, per label."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.wall: dict[str, list[float]] = defaultdict(list)

    def __call__(self, outcome: object, progress: object) -> None:
        label = self.labels[outcome.run_id]  # type: ignore[attr-defined]
        self.cpu[label].append(outcome.cpu_s)  # type: ignore[attr-defined]
        self.wall[label].append(outcome.wall_s)  # type: ignore[attr-defined]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--suite", default="x11_mnist1d", help="suite file or preset name")
    ap.add_argument("--seeds", type=int, default=3, help="seeds to run (0 = the file's own)")
    ap.add_argument(
        "--executors",
        default="local:1,local:2,ray:2",
        help="comma-separated NAME:JOBS; the first is the baseline",
    )
    ap.add_argument("--benchmark-path", action="append", default=[], metavar="LABEL=PATH")
    ap.add_argument("--keep", type=Path, default=None, help="keep the suite directories here")
    args = ap.parse_args()

    overrides = dict(item.split("=", 1) for item in args.benchmark_path)
    path = resolve_suite_file(args.suite)
    spec, full_seeds = load(path, args.seeds or None, overrides)
    cells = spec.expand()  # type: ignore[attr-defined]
    n_seeds = len(spec.seeds)  # type: ignore[attr-defined]
    print(
        f"suite {path.name}: {len(cells)} runs ({n_seeds} of {full_seeds} seeds), "
        f"{os.cpu_count()} CPU(s) visible"
    )
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_suite_"))
    baseline: tuple[float, dict[str, bytes]] | None = None
    per_label: dict[str, list[float]] = {}
    for item in args.executors.split(","):
        name, _, jobs_text = item.partition(":")
        jobs = int(jobs_text or 1)
        out = work / f"{name}{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        try:
            ex = make_executor(name, jobs=jobs)
        except ValueError as exc:
            print(f"{item}: {exc}")
            continue
        rec = _Recorder({c.run_id: c.label for c in cells})
        load0 = os.getloadavg()[0]
        t0 = time.perf_counter()
        try:
            progress = run_suite(spec, out, ex, on_outcome=rec)  # type: ignore[arg-type]
        except Exception as exc:  # report and go on with the next executor
            print(f"{item}: failed: {type(exc).__name__}: {exc}")
            continue
        wall = time.perf_counter() - t0
        cpu = sum(sum(v) for v in rec.cpu.values())
        got = files(out)
        same = (
            "baseline"
            if baseline is None
            else ("byte-identical" if got == baseline[1] else "DIFFERENT")
        )
        speed = "" if baseline is None else f"  speed-up x{baseline[0] / wall:.2f}"
        print(
            f"{item:>10}: {wall:8.1f} s wall, {len(cells) / wall:6.2f} runs/s, "
            f"{len(progress.failed)} failed{speed}  [{same}]  "
            f"-> full suite ({full_seeds} seeds) ~ {wall * full_seeds / n_seeds / 60:.1f} min",
            flush=True,
        )
        scale = full_seeds / n_seeds / 60
        print(
            f"{'':>10}  {cpu:8.1f} CPU s in the runs (full suite: {cpu * scale:.1f} CPU min, "
            f"i.e. {cpu * scale / jobs:.1f} min on {jobs} otherwise idle core(s)); load average "
            f"{load0:.1f} -> {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        if baseline is None:
            baseline = (wall, got)
            per_label = rec.cpu
    if per_label:
        print("mean CPU seconds per run (baseline executor), most expensive first:")
        for label, ts in sorted(per_label.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {label:>22}: {sum(ts) / len(ts):7.2f} s  (n={len(ts)})")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
