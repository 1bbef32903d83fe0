"""Start-up of ``nas-sim`` as whole processes: ``--help`` and ``run --budget 1x``.

Targets (issue 18): ``nas-sim --help`` <= 0.3 s and ``nas-sim run --budget 1x`` <= 1 s on an
idle core. Each command runs ``--repeats`` times, interleaved with a bare ``python -c pass`` (the
interpreter's own start-up), and the medians of wall time and of CPU time (user + system of the
child) are printed. On a loaded machine wall time includes waiting for a core; CPU time is what
the process would take on an idle one.

Run: ``python bench/bench_startup.py [--repeats 7]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) of one run of ``cmd``."""
    before = os.times()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    exe = shutil.which("nas-sim") or "nas-sim"
    out = os.path.join(tempfile.mkdtemp(), "r.json")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "nas-sim --help": [exe, "--help"],
        "nas-sim run --budget 1x": [exe, "run", "--budget", "1x", "-q", "--out", out],
    }
    targets = {"nas-sim --help": 0.3, "nas-sim run --budget 1x": 1.0}
    for cmd in commands.values():  # warm the file cache and the .pyc files
        timed(cmd)
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(args.repeats):
        for name, cmd in commands.items():
            got[name].append(timed(cmd))
    print(f"median of {args.repeats} interleaved runs; CPU = user + system time of the process")
    for name, runs in got.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        target = targets.get(name)
        verdict = (
            ""
            if target is None
            else f"  target {target} s: {'MET' if cpu <= target else 'MISSED'} (CPU)"
        )
        print(f"{name:<26} wall {wall:6.3f} s  CPU {cpu:6.3f} s{verdict}")


if __name__ == "__main__":
    main()
