"""Benchmark suite execution: wall time of a suite on each executor against one local worker.

    python bench/bench_suite.py                          # x11_mnist1d, 3 seeds, local x1 / x2 / ray x2
    python bench/bench_suite.py --seeds 30 --executors local:2   # the full preset (the 15-minute target)
    python bench/bench_suite.py --suite my.toml --benchmark-path mnist1d=curves.parquet

Prints, per executor: wall seconds, runs per second, speed-up over the baseline (the first
executor listed, by default one local worker), whether every result file is byte-identical to the
baseline's, and the wall time extrapolated to the suite's full seed count. Then the mean seconds
per run of every optimizer variant (from the baseline, where runs do not compete for cores).
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
from nas_sim.suite.spec import parse_suite, tomllib  # noqa: E402
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


def _cpu_s() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class _RunTimer:
    """Seconds between consecutive finished runs per label; with one worker that is kept busy
    (the pool queues ahead), that is each run's own time."""

    def __init__(self, labels: dict[str, str], record: bool) -> None:
        self.labels = labels
        self.record = record
        self.last = time.perf_counter()
        self.per_label: dict[str, list[float]] = defaultdict(list)

    def __call__(self, outcome: object, progress: object) -> None:
        now = time.perf_counter()
        if self.record:
            self.per_label[self.labels[outcome.run_id]].append(now - self.last)  # type: ignore[attr-defined]
        self.last = now


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
    per_label: dict[str, list[float]] = defaultdict(list)
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
        timer = _RunTimer({c.run_id: c.label for c in cells}, record=baseline is None and jobs == 1)
        cpu0 = _cpu_s()
        t0 = time.perf_counter()
        timer.last = t0
        try:
            progress = run_suite(spec, out, ex, on_outcome=timer)  # type: ignore[arg-type]
        except Exception as exc:  # report and go on with the next executor
            print(f"{item}: failed: {type(exc).__name__}: {exc}")
            continue
        wall = time.perf_counter() - t0
        cpu = _cpu_s() - cpu0  # pool workers are reaped at shutdown, so their CPU counts here
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
        if name != "ray":  # Ray's workers are not our children: their CPU time is not visible
            print(
                f"{'':>10}  {cpu:8.1f} CPU s in this process and its workers (full suite: "
                f"{cpu * full_seeds / n_seeds / 60:.1f} CPU min = "
                f"{cpu * full_seeds / n_seeds / 60 / jobs:.1f} min on {jobs} idle core(s))",
                flush=True,
            )
        if baseline is None:
            baseline = (wall, got)
            for label, ts in timer.per_label.items():
                per_label[label].extend(ts)
    if per_label:
        print("mean seconds per run (baseline):")
        for label, ts in sorted(per_label.items(), key=lambda kv: -sum(kv[1])):
            print(f"  {label:>22}: {sum(ts) / len(ts):7.2f} s  (n={len(ts)})")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
